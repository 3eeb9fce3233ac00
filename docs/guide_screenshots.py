"""Render the guide's screenshots at a laptop size (1366x768), so the guide shows the console as it is today.

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/guide_screenshots.py

Each picture is one run of ``docs/make_screenshot.py`` (a fresh training home each time); they are written to
``resources/guide/``, which ships with the console, so Help → Guide shows them from a wheel or the bundle too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "guide"
LAPTOP = ["--size", "1366x768"]
SHOTS = {
    "guide-signin.png": ["--signed-out", *LAPTOP],
    "guide-intake.png": ["--user", "calltaker", "--password", "training-ct", "--tab", "Intake", *LAPTOP],
    "guide-queue.png": ["--seed", "--tab", "Queue", "--notify", *LAPTOP],
    "guide-reports.png": ["--seed", "--tab", "Reports", *LAPTOP],
    "guide-audit.png": ["--user", "admin", "--password", "training-ad", "--seed", "--tab", "Audit", *LAPTOP],
    "guide-first-run.png": ["--first-run"],
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, args in SHOTS.items():
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        subprocess.run([sys.executable, str(ROOT / "docs" / "make_screenshot.py"), str(OUT / name), *args],
                       check=True, cwd=ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
