"""F1 on real console screens: at 1366×768 and on a 1920×1080 screen at 150 % (1280×720 logical) the shortcut list
fits the screen, scrolls, is grouped by task, shows "&" as it reads, and Esc closes it.

Each screen runs in its own process (``tests/ui/shortcuts_child.py`` through ``tests/screen_child.py``): Qt reads
the screen and ``QT_SCALE_FACTOR`` once, when it starts.
"""

from __future__ import annotations

import pytest

from tests.screen_child import run_child


@pytest.mark.parametrize(("width", "height", "scale", "logical"), [
    (1366, 768, "1", [0, 0, 1366, 768]),
    (1920, 1080, "1.5", [0, 0, 1280, 720]),
], ids=["1366x768", "1920x1080-at-150pc"])
def test_f1_fits_the_screen_scrolls_groups_by_task_and_esc_closes_it(
    width: int, height: int, scale: str, logical: list[int]
) -> None:
    shown = run_child("tests.ui.shortcuts_child", width, height, scale)
    assert shown["screen"] == logical  # the child really had that screen
    x, y, w, h = shown["frame"]
    assert x >= 0 and y >= 0 and x + w <= logical[2] and y + h <= logical[3]  # wholly on the screen
    assert shown["scrolls"]  # the list is longer than the screen allows: it scrolls instead of growing
    assert shown["headings"] == ["Call-taking", "Queue and triage", "Notification", "Reports", "Admin", "Console"]
    texts = shown["texts"]
    assert "Detail pane: Units & notification" in texts  # "&&" reads "&"
    assert "Save threat report" in texts
    assert [t for t in texts if "&" in t.replace("& ", "")] == []  # no mnemonic "&" shows
    assert shown["closed_by_esc"]
