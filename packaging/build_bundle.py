"""Build the desktop bundle: PyInstaller onedir at dist/dispatch-console/, then an archive of it beside it.

Run through ``python3 main.py bundle`` (which installs PyInstaller into .venv first). Linux and macOS get a
``.tar.gz``, Windows a ``.zip``; the archive's name carries the version and the platform, e.g.
``dispatch-console-0.1.0-linux-x86_64.tar.gz``.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "dispatch-console.spec"
NAME = "dispatch-console"


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    return f"{system}-{platform.machine().lower().replace('amd64', 'x86_64')}"


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec and return the archive it was packed into."""
    import PyInstaller.__main__

    started = time.monotonic()
    PyInstaller.__main__.run([str(SPEC), "--noconfirm", "--clean", "--log-level", "WARN",
                              "--distpath", str(dist), "--workpath", str(work)])
    folder = dist / NAME
    base = dist / f"{NAME}-{version()}-{platform_tag()}"
    archive = shutil.make_archive(str(base), "zip" if sys.platform == "win32" else "gztar", dist, NAME)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"Bundle: {folder} ({size / 1e6:.0f} MB), archive: {archive} "
          f"({Path(archive).stat().st_size / 1e6:.0f} MB), built in {time.monotonic() - started:.0f} s")
    return Path(archive)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    parser.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"), help="PyInstaller's work folder")
    args = parser.parse_args()
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("PyInstaller is not installed: run `python3 main.py bundle` (it installs it into .venv) or "
              "`pip install .[bundle]`.", file=sys.stderr)
        return 2
    build(Path(args.dist).resolve(), Path(args.work).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
