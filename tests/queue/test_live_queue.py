"""User stories of the live queue: threats appear on every console, in the right order, ticking, filtered."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from dispatch_console.db.engine import Database, open_database
from dispatch_console.domain.enums import Status
from dispatch_console.services.actor import Actor
from dispatch_console.settings import Settings
from dispatch_console.ui import worker
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.queue.model import COL_AGE, COL_ALERTS, COL_COUNTDOWN, COL_PRIORITY, COL_TARGET, ID_ROLE
from dispatch_console.ui.queue.tab import QueueTab
from tests.queue.factories import add_notification, add_threat

ROOT = Path(__file__).resolve().parents[2]
MakeTab = Callable[..., QueueTab]


@pytest.fixture
def make_tab(qtbot: QtBot, supervisor: Actor) -> Iterator[MakeTab]:
    """A queue tab on its own console context (its own engine), as another console on the same database would be."""
    made: list[tuple[QueueTab, Database]] = []

    def make(url: str, actor: Actor = supervisor) -> QueueTab:
        db = open_database(url)
        ctx = ConsoleContext(settings=Settings(change_poll_ms=50, alert_sound=False).validated(), db=db, tz=UTC,
                             training=True, actor=actor)
        tab = QueueTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(1400, 700)
        tab.show()
        qtbot.waitUntil(lambda: tab.first_load_done, timeout=10_000)
        made.append((tab, db))
        return tab

    yield make
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)
    for tab, db in made:
        tab.live.close()
        db.dispose()


def shown_ids(tab: QueueTab) -> list[int]:
    return [tab.proxy.index(r, 0).data(ID_ROLE) for r in range(tab.proxy.rowCount())]


def test_a_threat_saved_in_another_process_appears_without_losing_the_selection(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        first = add_threat(s, priority="P3")
        second = add_threat(s, priority="P2")
    console_b = make_tab(str(sqlite_db.url))
    assert console_b.select_threat(first)
    qtbot.waitUntil(lambda: console_b.pane.detail is not None and console_b.pane.detail.row.threat_id == first)
    scroll = console_b.view.verticalScrollBar().value()

    child = subprocess.run([sys.executable, "-m", "tests.queue.factories", str(sqlite_db.url), "1", "P1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    new_id = int(child.stdout.split()[0])

    qtbot.waitUntil(lambda: new_id in shown_ids(console_b), timeout=3000)
    assert shown_ids(console_b) == [new_id, second, first]  # the new P1 goes to the top
    assert console_b.current_threat_id() == first
    assert console_b.ctx.current_threat_id() == first
    assert console_b.view.verticalScrollBar().value() == scroll
    assert console_b.pane.threat_id == first
    assert console_b.proxy.index(0, COL_PRIORITY).data() == "P1"
    assert console_b.proxy.index(0, COL_ALERTS).data() == "★ NEW"  # in its own column, never cut off


@pytest.mark.postgres
def test_on_postgresql_a_change_on_console_a_reaches_console_b_through_listen_notify(
    make_tab: MakeTab, pg_db: Database, qtbot: QtBot
) -> None:
    with pg_db.write() as s:
        kept = add_threat(s, priority="P2")
    console_a = make_tab(pg_db.url.render_as_string(hide_password=False))
    console_b = make_tab(pg_db.url.render_as_string(hide_password=False))
    assert console_b.live.notifier is not None  # woken by the socket, not polled
    console_b.select_threat(kept)
    with console_a.ctx.db.write() as s:
        new_id = add_threat(s, priority="P4")
    qtbot.waitUntil(lambda: new_id in shown_ids(console_b), timeout=2000)
    assert shown_ids(console_b) == [kept, new_id]
    assert console_b.current_threat_id() == kept


def test_the_queue_follows_priority_then_time_left_unknown_last(make_tab: MakeTab, sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        p2_unknown = add_threat(s, priority="P2", threatened_in=None)
        p1_later = add_threat(s, priority="P1", threatened_in=timedelta(hours=5))
        p2_soon = add_threat(s, priority="P2", threatened_in=timedelta(minutes=20))
        p1_sooner = add_threat(s, priority="P1", threatened_in=timedelta(hours=1, minutes=30))
        p2_later = add_threat(s, priority="P2", threatened_in=timedelta(days=2))
        p4 = add_threat(s, priority="P4", threatened_in=timedelta(minutes=1))
        add_threat(s, priority="P1", status="closed")
    tab = make_tab(str(sqlite_db.url))
    assert shown_ids(tab) == [p1_sooner, p1_later, p2_soon, p2_later, p2_unknown, p4]
    soon = tab.proxy.index(2, COL_COUNTDOWN).data()
    assert soon.startswith("⚠ in ")  # within the hour: marked with a sign, not color only


def test_supervisor_sorts_by_a_header_and_new_threats_land_in_that_order_with_the_selection_kept(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        lincoln = add_threat(s, priority="P1", target_name="Lincoln High School")
        adams = add_threat(s, priority="P3", target_name="Adams Elementary")
        eastgate = add_threat(s, priority="P2", target_name="Eastgate Mall", target_kind="business")
        adams_again = add_threat(s, priority="P1", target_name="Adams Elementary", threatened_in=timedelta(hours=1))
    tab = make_tab(str(sqlite_db.url))
    assert tab.select_threat(eastgate)
    header = tab.view.horizontalHeader()

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(COL_TARGET) + 5, header.height() // 2))
    sorted_column, direction = tab.model.sort_order
    assert sorted_column == COL_TARGET
    by_target = [adams_again, adams, eastgate, lincoln]  # equal targets keep the default order: P1 before P3
    assert shown_ids(tab) == (by_target if direction == Qt.SortOrder.AscendingOrder else by_target[::-1])
    if direction == Qt.SortOrder.DescendingOrder:  # Qt's first click direction depends on the style
        tab.view.sortByColumn(COL_TARGET, Qt.SortOrder.AscendingOrder)
        assert shown_ids(tab) == by_target
    assert tab.current_threat_id() == eastgate  # the selection followed its threat, not its row

    with sqlite_db.write() as s:  # another console saves a threat: it lands where the chosen order puts it
        burns = add_threat(s, priority="P4", target_name="Burns Middle School")
    qtbot.waitUntil(lambda: burns in shown_ids(tab), timeout=3000)
    assert shown_ids(tab) == [adams_again, adams, burns, eastgate, lincoln]
    assert tab.current_threat_id() == eastgate

    tab.view.sortByColumn(COL_TARGET, Qt.SortOrder.DescendingOrder)
    assert shown_ids(tab) == [lincoln, eastgate, burns, adams_again, adams]  # ties still in the default order
    tab.view.sortByColumn(COL_PRIORITY, Qt.SortOrder.AscendingOrder)  # back to the triage order
    assert shown_ids(tab) == [adams_again, lincoln, eastgate, adams, burns]
    assert tab.current_threat_id() == eastgate


def test_countdowns_tick_every_second_without_querying_the_database(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        add_threat(s, threatened_in=timedelta(minutes=30, seconds=30), received_ago=timedelta(seconds=10))
    tab = make_tab(str(sqlite_db.url))
    qtbot.waitUntil(lambda: worker.pending() == 0, timeout=3000)  # the first load is done before we count
    queries: list[str] = []
    event.listen(tab.ctx.db.read_engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    event.listen(tab.ctx.db.write_engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    before = tab.proxy.index(0, COL_AGE).data()
    with qtbot.waitSignal(tab.model.dataChanged, timeout=2500):
        pass
    tab.model.tick(datetime.now(UTC) + timedelta(seconds=65))
    assert tab.proxy.index(0, COL_AGE).data() != before
    assert tab.proxy.index(0, COL_AGE).data() == "1 min"
    assert queries == []


def test_filters_schools_division_status_and_text(make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot) -> None:
    with sqlite_db.write() as s:
        school = add_threat(s, target_name="Lincoln High School", division="North")
        mall = add_threat(s, target_name="Eastgate Mall", target_kind="business", division="East",
                          status="investigating")
        other = add_threat(s, target_name="Roosevelt Middle", division="East")
    tab = make_tab(str(sqlite_db.url))
    tab.schools.setChecked(True)
    assert sorted(shown_ids(tab)) == [school, other]
    tab.schools.setChecked(False)
    tab.division.setCurrentIndex(tab.division.findData("East"))
    assert sorted(shown_ids(tab)) == [mall, other]
    tab.status.setCurrentIndex(tab.status.findData(Status.INVESTIGATING))
    assert shown_ids(tab) == [mall]
    tab.division.setCurrentIndex(0)
    tab.status.setCurrentIndex(0)
    qtbot.keyClicks(tab.search, "roosevelt")
    assert shown_ids(tab) == [other]


def test_notification_state_and_overdue_acknowledgement_are_marked_in_words(
    make_tab: MakeTab, sqlite_db: Database
) -> None:
    from dispatch_console.ui.queue.model import COL_NOTIFIED

    with sqlite_db.write() as s:
        tid = add_threat(s, priority="P1", ack_overdue=True)
        add_notification(s, threat_id=tid, unit_id="3A12", state="acknowledged")
        add_notification(s, threat_id=tid, unit_id="SRO-7", state="failed")
    tab = make_tab(str(sqlite_db.url))
    assert tab.proxy.index(0, COL_NOTIFIED).data() == "1/2 ack, 1 failed"
    assert tab.proxy.index(0, COL_ALERTS).data() == "⚠ ACK OVERDUE · ✖ FAILED"


@pytest.mark.parametrize("which", ["model", "proxy"])
def test_queue_model_and_proxy_pass_the_model_tester_through_live_updates(
    make_tab: MakeTab, sqlite_db: Database, qtmodeltester, qtbot: QtBot, which: str  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import text

    from dispatch_console.services import changes

    with sqlite_db.write() as s:
        ids = [add_threat(s, priority=p) for p in ("P1", "P2", "P3")]
    tab = make_tab(str(sqlite_db.url))
    qtmodeltester.check(tab.model if which == "model" else tab.proxy, force_py=True)
    with sqlite_db.write() as s:  # one insert, one close (a removal), seen through the live feed
        add_threat(s, priority="P1")
        s.execute(text("UPDATE threats SET status='closed', version=version+1 WHERE id=:i"), {"i": ids[1]})
        changes.record_change(s, threat_id=ids[1], kind="updated", by="t", what="closed")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3 and ids[1] not in shown_ids(tab), timeout=3000)
    tab.model.tick()
    from dispatch_console.domain.enums import Priority
    from dispatch_console.services import triage

    with sqlite_db.write() as s:  # P3 raised to P1: the row moves up (beginMoveRows), selection follows it
        triage.change_priority(s, actor=tab.ctx.operator, threat_id=ids[2], expected_version=1,
                               priority=Priority.P1, reason="weapon photo")
    tab.select_threat(ids[2])
    qtbot.waitUntil(lambda: shown_ids(tab).index(ids[2]) < 2, timeout=3000)
    assert tab.current_threat_id() == ids[2]
    assert [tab.model.row_at(i).priority.value for i in range(3)] == ["P1", "P1", "P1"]


def test_follow_ups_show_as_due_then_overdue_in_the_status_column_as_time_passes(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    """A CIT check-in due tomorrow reads "due in …"; once its time passes the queue says it is overdue, in words."""
    from datetime import timedelta

    from dispatch_console.services import followups, queue
    from dispatch_console.services.clock import utcnow
    from dispatch_console.ui.queue.model import COL_ALERTS, COL_STATUS, QueueModel
    from tests.queue.factories import add_threat

    now = utcnow()
    with db.write() as session:
        threat_id = add_threat(session, status="investigating", priority="P3")  # P3: no "NOT NOTIFIED"
        followups.add(session, actor=supervisor, threat_id=threat_id, due_at=now + timedelta(hours=5, seconds=30),
                      owner="CIT-1", text="CIT check-in")
    with db.read() as session:
        rows = queue.load_open(session)
    model = QueueModel(now=now)
    model.reset_rows(rows)
    assert model.data(model.index(0, COL_STATUS)) == "Investigating · ⏰ follow-up in 5 h"
    assert model.data(model.index(0, COL_ALERTS)) == ""
    model.tick(now + timedelta(hours=6))
    assert model.data(model.index(0, COL_STATUS)) == "Investigating"
    assert model.data(model.index(0, COL_ALERTS)) == "⏰ follow-up overdue"  # an alert word, in the Alerts column
