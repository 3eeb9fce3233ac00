"""Where the project's resources (stylesheets, icons, sounds, demo data, API contract) are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return ROOT.joinpath(*parts)
