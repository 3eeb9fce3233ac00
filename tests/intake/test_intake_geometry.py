"""One screen for the call: at 1366×768 and at 1920×1080 with 150 % scaling the call's core shows without scrolling.

Each size runs in its own process (``tests/intake/geometry_child.py``): ``QT_SCALE_FACTOR`` is read when the
``QApplication`` is created. The form is measured with a report under way (priority, reasons, the readings of an
ambiguous time all shown), the window sized as a maximized window on that screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ["caller name", "callback number", "caller's relation", "how learned", "target", "threatened time",
        "statement", "weapons", "indicators"]
FIRST_SUSPECT = ["suspect 1 name", "suspect 1 description"]


def _measure(width: int, height: int, scale: str) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.intake.geometry_child", str(width), str(height)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(("width", "height", "scale", "fields"), [
    (1366, 768, "1", CORE),
    (1920, 1080, "1.5", CORE),
    (1920, 1080, "1", CORE + FIRST_SUSPECT),
])
def test_the_calls_core_is_inside_the_viewport_without_scrolling(width: int, height: int, scale: str, fields: list[str]) -> None:
    measured = _measure(width, height, scale)
    outside = {name: measured["fields"][name]["rect"] for name in fields if not measured["fields"][name]["inside"]}
    assert outside == {}, f"outside the {measured['viewport']} viewport at {width}x{height} ×{scale}: {outside}"
    assert measured["save_inside_window"]  # the pinned bar with Save never scrolls away
