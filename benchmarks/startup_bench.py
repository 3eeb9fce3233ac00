"""Cold start to a shown main window, compared with a bare PySide6 QMainWindow in the same run.

Each sample is a fresh process; the time runs from just before the process is spawned to the first event-loop turn
after ``show()``. Median of 5 each. Target: the console at most 2.5x the bare window.

    .venv/bin/python benchmarks/startup_bench.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import os, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1400, 900); w.show()
def done():
    print(f"shown-after {time.time() - float(os.environ['DISPATCH_CONSOLE_T0']):.4f}", flush=True)
    w.close(); app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def sample(args: list[str], env: dict[str, str]) -> float:
    env = {**env, "DISPATCH_CONSOLE_T0": repr(time.time())}
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("shown-after"))
    return float(line.split()[1])


def main(runs: int = 5) -> None:
    base = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    with tempfile.TemporaryDirectory() as home:
        env = {**base, "DISPATCH_CONSOLE_HOME": home, "DISPATCH_CONSOLE_EXIT_AFTER_SHOW": "1"}
        sample([sys.executable, "main.py", "--training"], env)  # first start creates the database: not a cold-start sample
        bare = [sample([sys.executable, "-c", BARE], base) for _ in range(runs)]
        console = [sample([sys.executable, "main.py", "--training"], env) for _ in range(runs)]
    b, c = statistics.median(bare), statistics.median(console)
    print(f"bare QMainWindow shown: median {b * 1000:.0f} ms  ({', '.join(f'{x * 1000:.0f}' for x in bare)})")
    print(f"console main window shown: median {c * 1000:.0f} ms  ({', '.join(f'{x * 1000:.0f}' for x in console)})")
    print(f"ratio {c / b:.2f}x (target <= 2.5x)")


if __name__ == "__main__":
    main()
