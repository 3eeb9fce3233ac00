"""One screen for the call: at 1366×768 and at 1920×1080 with 150 % scaling the call's core shows without scrolling.

Each size runs in its own process (``tests/intake/geometry_child.py`` through ``tests/screen_child.py``), on a real
offscreen screen of that size: ``QT_SCALE_FACTOR`` and the screen are read when the ``QApplication`` is created.
The form is measured with a report under way (priority, reasons, the readings of an ambiguous time all shown), the
window sized as a maximized window on that screen.
"""

from __future__ import annotations

import pytest

from tests.screen_child import run_child

CORE = ["caller name", "callback number", "caller's relation", "how learned", "target", "threatened time",
        "statement", "weapons", "indicators"]
FIRST_SUSPECT = ["suspect 1 name", "suspect 1 description"]


def _measure(width: int, height: int, scale: str) -> dict:  # type: ignore[type-arg]
    return run_child("tests.intake.geometry_child", width, height, scale)


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
