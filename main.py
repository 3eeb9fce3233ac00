#!/usr/bin/env python3
"""Start the threat dispatch console (or one of its commands) from a fresh checkout.

``python3 main.py`` creates the project's virtual environment in ``.venv`` on first run, installs what the console
needs into it, and starts the console on its defaults (SQLite in the user's data directory, training backend).
``python3 main.py test`` does the same with the test tools and runs the whole suite headless. Any other arguments
go to the console's command line (``python3 main.py --help``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


STAMP = ".installed"  # in .venv: the pyproject.toml digest and the extras installed for it


def _recorded(stamp: str | None) -> tuple[str, frozenset[str]]:
    """The pyproject.toml digest and the extras a stamp records; nothing for a missing or unreadable stamp."""
    try:
        data = json.loads(stamp or "{}")
    except ValueError:
        return "", frozenset()
    extras = data.get("extras") if isinstance(data, dict) else None
    if not isinstance(extras, list) or not all(isinstance(extra, str) for extra in extras):
        return "", frozenset()
    return str(data.get("pyproject", "")), frozenset(extras)


def install_plan(stamp: str | None, pyproject_digest: str, wanted: frozenset[str]) -> frozenset[str] | None:
    """The extras to install now, or None when ``.venv`` already has everything ``wanted`` needs.

    The console needs the project's dependencies; the tests need the same plus the ``dev`` extra. One stamp records
    which extras are installed for which pyproject.toml, so after ``python3 main.py test`` the console starts
    without touching pip (``.[dev]`` contains everything ``.`` does), and switching back and forth installs nothing.
    When pyproject.toml changed, the extras installed before are installed again with the wanted ones, so the test
    tools stay current too.
    """
    digest, kept = _recorded(stamp)
    installed = kept if digest == pyproject_digest else None
    if installed is not None and wanted <= installed:
        return None
    return wanted | kept


def _ensure_venv(wanted: frozenset[str]) -> None:
    """Create or reuse ``.venv`` and install the project with the ``wanted`` extras when they are not there yet."""
    if not _venv_python().exists():
        print("First start: creating the virtual environment in .venv …", flush=True)
        import venv  # here, not at the top: every start of the console runs this file (issue 17)

        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except Exception as error:  # e.g. Debian without python3-venv
            sys.exit(f"Could not create .venv ({error}). On Debian/Ubuntu: sudo apt-get install python3-venv")
    stamp = VENV / STAMP
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    extras = install_plan(stamp.read_text() if stamp.exists() else None, digest, wanted)
    if extras is None:
        return
    spec = f".[{','.join(sorted(extras))}]" if extras else "."
    print(f"Installing the console's dependencies ({spec}) into .venv; this happens once …", flush=True)
    pip = [str(_venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=False)
    # setuptools warns on every editable install of a package with a mapped folder (resources/ ships inside the
    # wheel as dispatch_console/bundled_resources); the console uses the checkout's folder, so the notice is noise
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning:setuptools.command.editable_wheel"}
    result = subprocess.run([*pip, "-e", spec], cwd=ROOT, check=False, env=quiet)
    if result.returncode != 0:
        sys.exit("Installing the dependencies failed (see above). Check the network and run the command again.")
    stamp.write_text(json.dumps({"pyproject": digest, "extras": sorted(extras)}))
    for old in VENV.glob(".installed-*"):  # the stamps of earlier versions (one per extra), never read again
        old.unlink()


def _refuse_without_display(args: list[str]) -> None:
    """Without a display the console cannot start: say so at once, not after a minute of installing Qt.

    The command line needs only the standard library, so it already runs on the system's Python here.
    """
    from dispatch_console.cli import NO_DISPLAY, display_missing, parse

    if parse(args).command is None and display_missing(os.environ, sys.platform):
        sys.exit(NO_DISPLAY)


def main() -> None:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"The console needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    args = sys.argv[1:]
    sys.path.insert(0, str(ROOT))
    if not _in_project_venv() and not os.environ.get("DISPATCH_CONSOLE_NO_VENV"):
        _refuse_without_display(args)
        _ensure_venv(frozenset({"dev"}) if args[:1] == ["test"] else frozenset({"bundle"}) if args[:1] == ["bundle"]
                     else frozenset())
        os.execv(str(_venv_python()), [str(_venv_python()), str(ROOT / "main.py"), *args])
    from dispatch_console.cli import main as cli_main

    sys.exit(cli_main(args))


if __name__ == "__main__":
    main()
