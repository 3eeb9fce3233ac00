"""A supervisor's queue on real console screens: 1366×768, and 1920×1080 at 100 % and at 150 % (1280×720 logical).

Each screen runs in its own process (``tests/queue/layout_child.py`` through ``tests/screen_child.py``): the screen
size and ``QT_SCALE_FACTOR`` are fixed when Qt starts. The window is maximized on that screen, the threat at the
demo city's longest school name is selected (the detail pane is open, its units list showing reasons and a long
failure), and the child measures every cell the way Qt's item delegate lays it out, in the cell's own font.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dispatch_console.ui.queue.target_cell import shortenings
from tests.queue.layout_child import FAILURE, LONGEST, demo_sites
from tests.screen_child import run_child

SCREENS = [(1366, 768, "1"), (1920, 1080, "1.5"), (1920, 1080, "1")]
IDS = ["1366x768", "1920x1080-at-150pc", "1920x1080"]
ALERTS = ["NOT NOTIFIED N min", "NOT NOTIFIED N min", "⏰ follow-up overdue", "★ NEW", "⚠ ACK OVERDUE · ✖ FAILED"]


@pytest.fixture(scope="module", params=SCREENS, ids=IDS)
def screen(request: pytest.FixtureRequest) -> dict[str, Any]:
    width, height, scale = request.param
    measured = run_child("tests.queue.layout_child", width, height, scale)
    measured["asked"] = (width, height, scale)
    return measured


def test_the_child_sees_the_real_screen_and_a_maximized_window(screen: dict[str, Any]) -> None:
    width, height, scale = screen["asked"]
    logical = [round(width / float(scale)), round(height / float(scale))]
    assert screen["screen"] == logical
    assert screen["window"][0] == logical[0]


def test_priority_case_alerts_and_countdown_are_whole_and_nothing_scrolls_sideways_with_the_pane_open(
    screen: dict[str, Any]
) -> None:
    assert screen["elided"] == []  # every Priority, Case, Alerts and Countdown cell fits its column
    assert not screen["horizontal_scrollbar"]
    assert screen["header"] <= screen["viewport"]
    assert [re.sub(r"\d+", "N", alert) for alert in screen["alerts"]] == ALERTS  # every alert word is on screen
    assert {"Priority", "Case", "Alerts", "Target", "Countdown"} <= set(screen["widths"])
    order = ["Call-taker", "Division", "Units", "Age", "Notified", "Status"]  # least important first
    assert set(screen["hidden"]) == set(order[:len(screen["hidden"])])


def test_the_longest_demo_site_names_read_in_full_at_100_pc_and_two_sites_never_read_alike(
    screen: dict[str, Any]
) -> None:
    longest = [name for name, *_ in demo_sites()[:LONGEST]]
    assert set(longest) <= set(screen["targets"])
    if screen["asked"][2] == "1":
        assert screen["names_cut"] == []  # at 1366×768 and 1920×1080 every name reads whole
    for name, seen in screen["targets"].items():  # 150 %: a name too long keeps its distinguishing words
        shorter = shortenings(name)
        assert seen.startswith(name) or seen in shorter or (
            seen.endswith("…") and bool(shorter) and shorter[-1].startswith(seen[:-1])), (name, seen)
    shown = list(screen["targets"].values())
    assert len(set(shown)) == len(shown)
    assert screen["targets"]["Eastlake High School"].startswith("Eastlake High School")
    assert screen["targets"]["Eastlake Middle School"].startswith("Eastlake Middle School")


def test_the_units_list_in_the_pane_shows_why_each_unit_was_designated_and_the_failure_in_full(
    screen: dict[str, Any]
) -> None:
    school = next(site for site in demo_sites()[:LONGEST] if site[1] == "school")
    assert screen["units_reasons"] == [f"proposed: school resource officer for {school[0]}",
                                       f"proposed: patrol, {school[2]} division (P1: all available)",
                                       "proposed: juvenile suspect: juvenile detectives"]
    assert screen["units_states"] == [f"✔ acknowledged by {school[3]}", f"✖ failed: {FAILURE}", "delivered"]
    assert screen["units_cut"] == []  # wrapped, each fits its cell: no "desig…", no cut failure reason
    assert not screen["units_horizontal_scrollbar"]
    assert screen["units_rows_in_view"] >= 2  # not squeezed to a sliver: whole rows to read
