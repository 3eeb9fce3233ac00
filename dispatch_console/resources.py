"""Where the project's resources (stylesheets, icons, sounds, demo data, API contract) are.

In a checkout they are the top-level ``resources/`` folder; an installed wheel carries the same files inside the
package as ``dispatch_console/bundled_resources`` (see ``[tool.setuptools]`` in ``pyproject.toml``). The installed
copy is looked for first, so a stray ``resources`` folder next to site-packages is never picked up by mistake.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "bundled_resources"
_CHECKOUT = _PACKAGE.parent / "resources"

ROOT = _INSTALLED if _INSTALLED.is_dir() else _CHECKOUT


def resource(*parts: str) -> Path:
    return ROOT.joinpath(*parts)
