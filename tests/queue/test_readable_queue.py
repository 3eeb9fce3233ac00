"""User stories of a queue readable at a glance on any console screen, and of P1/P2 threats that must not wait unseen.

1366 px is the smallest console screen; 1280 logical px is what a 1920 px screen at 150 % scale gives the window.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import Priority, Status, TargetKind
from dispatch_console.services.queue import QueueRow
from dispatch_console.ui.queue.alert_words import Waiting
from dispatch_console.ui.queue.columns import ALWAYS
from dispatch_console.ui.queue.model import (
    COL_ALERTS,
    COL_CALL_TAKER,
    COL_PRIORITY,
    COL_TARGET,
    COLUMNS,
    QueueModel,
)
from tests.queue.factories import add_notification, add_threat
from tests.queue.test_live_queue import MakeTab, make_tab

__all__ = ["make_tab"]
NOW = datetime(2026, 4, 12, 9, 0, tzinfo=UTC)


def row(threat_id: int, **changes: object) -> QueueRow:
    base = QueueRow(threat_id=threat_id, case_number=f"TT-2026-{threat_id:05d}", priority=Priority.P1,
                    target_name="Northview High School", target_kind=TargetKind.SCHOOL, division="North",
                    threatened_at=NOW + timedelta(hours=3), threatened_text="", status=Status.NEW,
                    received_at=NOW, call_taker="calltaker", version=1)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def fully_readable(tab: object, column: int) -> bool:
    """Every row's text in ``column`` fits its width (nothing elided)."""
    view = tab.view  # type: ignore[attr-defined]
    metrics = QFontMetrics(view.font())
    bold = view.font()
    bold.setBold(True)
    bold_metrics = QFontMetrics(bold)
    for r in range(view.model().rowCount()):
        text = str(view.model().index(r, column).data() or "")
        if max(metrics.horizontalAdvance(text), bold_metrics.horizontalAdvance(text)) + 12 > view.columnWidth(column):
            return False
    return True


@pytest.mark.parametrize("width", [1366, 1280, 1920], ids=["1366px", "1920px-at-150pc", "1920px"])
def test_priority_case_alerts_and_countdown_are_never_cut_off_and_nothing_scrolls_sideways(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot, width: int
) -> None:
    with sqlite_db.write() as s:
        add_threat(s, priority="P1", target_name="Northview International Baccalaureate High School",
                   received_ago=timedelta(minutes=7))
        both = add_threat(s, priority="P1", target_name="Eastlake High School", ack_overdue=True)
        add_notification(s, threat_id=both, unit_id="3A12", state="acknowledged")
        add_notification(s, threat_id=both, unit_id="SRO-7", state="failed")
        add_threat(s, priority="P2", target_name="Eastlake Middle School", target_kind="school",
                   threatened_in=timedelta(days=1, hours=23, minutes=30))  # "in 1 day 23 h": a wide countdown
    tab = make_tab(str(sqlite_db.url))
    tab.resize(width, 700)
    qtbot.waitUntil(lambda: tab.pane.width() >= 400, timeout=3000)
    tab.columns.fit()
    header = tab.view.horizontalHeader()
    assert header.length() <= tab.view.viewport().width()  # no horizontal scrollbar with the detail pane open
    assert not tab.view.horizontalScrollBar().isVisible()
    for column in ALWAYS:
        assert not tab.view.isColumnHidden(column), COLUMNS[column]
        if column != COL_TARGET:
            assert fully_readable(tab, column), COLUMNS[column]
    alerts = sorted(str(tab.proxy.index(r, COL_ALERTS).data()) for r in range(tab.proxy.rowCount()))
    assert alerts == ["NOT NOTIFIED 5 min", "NOT NOTIFIED 7 min", "⚠ ACK OVERDUE · ✖ FAILED"]
    targets = sorted(str(tab.proxy.index(r, COL_TARGET).data()) for r in range(tab.proxy.rowCount()))
    assert targets[:2] == ["Eastlake High School · school", "Eastlake Middle School · school"]  # name first
    assert tab.view.columnWidth(COL_TARGET) >= QFontMetrics(tab.view.font()).horizontalAdvance("Eastlake Middle Sch")
    if width == 1920:
        assert not any(tab.view.isColumnHidden(c) for c in range(len(COLUMNS)))  # every column fits at 1920 px
    else:
        assert tab.view.isColumnHidden(COL_CALL_TAKER)  # the least important column gave way first


def test_the_operator_chooses_columns_and_their_widths_and_finds_them_again_next_time(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    from dispatch_console.ui.queue.model import COL_DIVISION, COL_UNITS

    with sqlite_db.write() as s:
        add_threat(s)
    tab = make_tab(str(sqlite_db.url))
    tab.resize(1920, 700)
    tab.columns.fit()
    menu = tab.columns.chooser()
    division = next(a for a in menu.actions() if a.text() == "Division")
    division.trigger()  # unticked: hidden
    assert tab.view.isColumnHidden(COL_DIVISION)
    assert not any(a.text() in ("Priority", "Case", "Alerts") for a in menu.actions())  # those always show
    tab.view.horizontalHeader().resizeSection(COL_UNITS, 180)

    again = make_tab(str(sqlite_db.url))  # the same operator signs in again
    again.resize(1920, 700)
    again.columns.fit()
    assert again.view.isColumnHidden(COL_DIVISION)
    assert again.view.columnWidth(COL_UNITS) == 180


def test_an_unnotified_p1_reads_not_notified_ticking_from_save_then_highlights_and_chimes_again_until_notified(
    qapp: object,
) -> None:
    model = QueueModel(now=NOW)
    chimes: list[int] = []
    waiting: list[Waiting] = []
    model.waiting_alarm.connect(lambda: chimes.append(1))
    model.waiting_changed.connect(waiting.append)
    model.reset_rows([row(1), row(2, priority=Priority.P2), row(3, priority=Priority.P3),
                      row(4, notified=2, acknowledged=2)])
    text = {r: lambda r=r: model.index(model.index_of(r).row(), COL_ALERTS).data() for r in (1, 2, 3, 4)}
    assert (text[1](), text[2](), text[3](), text[4]()) == ("NOT NOTIFIED 0 s", "NOT NOTIFIED 0 s", "", "")

    model.tick(NOW + timedelta(seconds=90))  # the queue's own clock: no database read
    assert text[1]() == "NOT NOTIFIED 1 min"
    assert model.index(0, COL_PRIORITY).data(Qt.ItemDataRole.BackgroundRole) is None
    assert chimes == [] and waiting[-1] == Waiting(2, 90.0)

    model.tick(NOW + timedelta(minutes=2))  # the P1 limit (2 min): highlighted, chimes
    p1 = model.index_of(1)
    assert text[1]() == "NOT NOTIFIED 2 min"
    assert model.data(p1, Qt.ItemDataRole.BackgroundRole) is not None
    assert chimes == [1]
    model.tick(NOW + timedelta(minutes=2, seconds=30))
    assert chimes == [1]  # not every second
    model.tick(NOW + timedelta(minutes=3))
    assert chimes == [1, 1]  # again a minute later, while nobody is notified

    model.apply([row(1, notified=3)])  # the supervisor notified the units
    model.tick(NOW + timedelta(minutes=4))
    assert text[1]() == ""
    assert chimes == [1, 1]  # the P2 waits, but within its 10 minutes
    assert waiting[-1] == Waiting(1, 240.0)
    assert waiting[-1].text == "1 P1/P2 threat is waiting to be notified — the oldest for 4 min."


def test_a_new_p1_reads_new_first_and_not_notified_once_new_ends(qapp: object) -> None:
    model = QueueModel(now=NOW)
    model.reset_rows([])
    model.apply([row(1)])
    assert model.index(0, COL_ALERTS).data() == "★ NEW"
    model.tick(NOW + timedelta(minutes=2, seconds=1))
    assert model.index(0, COL_ALERTS).data() == "NOT NOTIFIED 2 min"


def test_the_locked_console_shows_how_many_p1_p2_wait_to_be_notified_and_no_case_details(
    make_console: object, qtbot: QtBot
) -> None:
    from tests.queue.conftest import sign_in
    from tests.queue.test_triage_ui import queue_tab

    console = make_console()  # type: ignore[operator]
    sign_in(qtbot, console)
    with console.db.write() as s:
        add_threat(s, priority="P1", target_name="Northview High School", received_ago=timedelta(minutes=3))
        add_threat(s, priority="P2", received_ago=timedelta(minutes=1))
        add_threat(s, priority="P3")
    tab = queue_tab(console)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=5000)
    console.window.lock_screen()
    lock = console.window.lock_page
    qtbot.waitUntil(lambda: lock.waiting.isVisible(), timeout=3000)
    assert lock.waiting.text() == "2 P1/P2 threats are waiting to be notified — the oldest for 3 min."
    shown = " ".join(label.text() for label in lock.findChildren(type(lock.waiting)))
    assert "Northview" not in shown and "TT-" not in shown
