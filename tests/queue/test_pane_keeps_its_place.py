"""A supervisor working in the detail pane keeps their place while the case changes under them.

Acknowledgements and other consoles' notes re-read the shown threat every few seconds during a fan-out. The unit
picked in the Units list (for Ctrl+Shift+X) and the place in a long timeline must survive those re-reads.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import UnitKind
from dispatch_console.services import triage
from dispatch_console.services.actor import Actor
from dispatch_console.ui.queue.detail import SECTION_TIMELINE
from tests.queue.factories import add_threat
from tests.queue.test_live_queue import MakeTab, make_tab

__all__ = ["make_tab"]


def test_the_picked_unit_and_the_timeline_position_survive_a_live_update(
    make_tab: MakeTab, sqlite_db: Database, supervisor: Actor, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s, priority="P1")
    version = 1
    for unit in ("NOR-P1", "NOR-P2", "SRO-03", "JUV-1"):
        with sqlite_db.write() as s:
            version = triage.assign_unit(s, actor=supervisor, threat_id=tid, expected_version=version,
                                         unit_id=unit, kind=UnitKind.PATROL, division="North").version
    for n in range(60):  # a long timeline: the supervisor scrolls back to read how it started
        with sqlite_db.write() as s:
            triage.add_note(s, actor=supervisor, threat_id=tid, text=f"update {n}")
    tab = make_tab(str(sqlite_db.url))
    tab.resize(1400, 500)
    tab.select_threat(tid)
    pane = tab.pane
    qtbot.waitUntil(lambda: pane.detail is not None and len(pane.detail.units) == 4, timeout=5000)
    pane.show_section(SECTION_TIMELINE)
    bar = pane.timeline.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 20, timeout=3000)
    assert bar.value() == bar.maximum()  # a case opens at its newest entry
    pane.units.setCurrentRow(2)  # SRO-03, for Ctrl+Shift+X
    bar.setValue(5)  # reading the first entries

    def newest() -> str:
        return pane.timeline.item(pane.timeline.count() - 1).text()

    with sqlite_db.write() as s:  # another console adds a note: the live feed re-reads the shown threat
        triage.add_note(s, actor=supervisor, threat_id=tid, text="CIT en route")
    qtbot.waitUntil(lambda: newest().endswith("CIT en route"), timeout=3000)

    assert pane.detail is not None and pane.detail.units[pane.units.currentRow()].unit_id == "SRO-03"
    assert bar.value() == 5

    bar.setValue(bar.maximum())  # back at the newest entry: the next one is followed
    with sqlite_db.write() as s:
        triage.add_note(s, actor=supervisor, threat_id=tid, text="SRO on scene")
    qtbot.waitUntil(lambda: newest().endswith("SRO on scene"), timeout=3000)
    assert bar.value() == bar.maximum()


def test_the_details_list_names_each_units_kind_and_how_the_threat_was_learned_in_words(
    make_tab: MakeTab, sqlite_db: Database, supervisor: Actor, qtbot: QtBot
) -> None:
    """The Details section's units read "SW-2 (Social worker)", never the stored code "social_worker"."""
    with sqlite_db.write() as s:
        tid = add_threat(s, priority="P2")
    version = 1
    for unit, kind in (("SW-2", UnitKind.SOCIAL_WORKER), ("SRO-03", UnitKind.SRO)):
        with sqlite_db.write() as s:
            version = triage.assign_unit(s, actor=supervisor, threat_id=tid, expected_version=version,
                                         unit_id=unit, kind=kind, division="North").version
    tab = make_tab(str(sqlite_db.url))
    tab.select_threat(tid)
    pane = tab.pane
    qtbot.waitUntil(lambda: pane.detail is not None and len(pane.detail.units) == 2, timeout=5000)
    assert sorted(pane.units.item(i).text() for i in range(pane.units.count())) == [
        "SRO-03 (School resource officer)", "SW-2 (Social worker)"]
    assert "_" not in pane.fields["learned"].text()
