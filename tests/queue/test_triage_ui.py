"""User stories of the detail and triage pane: two supervisors, call-takers, outcomes, a lost connection."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry
from dispatch_console.domain.enums import Outcome, Status
from dispatch_console.services.actor import Actor
from dispatch_console.ui.queue.dialogs import CloseDialog, StatusDialog
from dispatch_console.ui.queue.tab import QueueTab
from tests.queue.conftest import sign_in
from tests.queue.factories import add_threat
from tests.queue.test_live_queue import MakeTab, make_tab, shown_ids
from tests.ui.conftest import answer, tab_of

__all__ = ["make_tab"]


def queue_tab(console: Any) -> QueueTab:
    tab: QueueTab = tab_of(console, QueueTab)
    return tab


def test_two_supervisors_on_two_consoles_the_second_change_is_refused_with_who_what_when(
    make_console: Any, qtbot: QtBot, tmp_path: Any
) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'shared.db'}"
    a = make_console(database_url=url, change_poll_ms=50)
    b = make_console(database_url=url, change_poll_ms=50)
    sign_in(qtbot, a)
    sign_in(qtbot, b)
    with a.db.write() as s:
        tid = add_threat(s, priority="P2")
    tab_a, tab_b = queue_tab(a), queue_tab(b)
    for tab in (tab_a, tab_b):
        qtbot.waitUntil(lambda tab=tab: tid in shown_ids(tab), timeout=3000)
        tab.select_threat(tid)
        qtbot.waitUntil(lambda tab=tab: tab.pane.detail is not None, timeout=3000)
    tab_b.live.timer.stop()  # B's operator is slow: B still shows version 1 when A's change lands

    tab_a.pane.dialog_factory = answer(StatusDialog, lambda d: d.status.setCurrentIndex(
        d.status.findData(Status.INVESTIGATING)))
    with qtbot.waitSignal(tab_a.pane.message, timeout=5000) as saved:
        tab_a.pane.trigger("status")
    assert saved.args == ["Saved: " + tab_a.pane.detail.row.case_number + " change status.", True]

    tab_b.pane.dialog_factory = answer(StatusDialog, lambda d: d.status.setCurrentIndex(
        d.status.findData(Status.NOTIFIED)))
    with qtbot.waitSignal(tab_b.pane.message, timeout=5000) as refused:
        tab_b.pane.trigger("status")
    message, ok = refused.args
    assert not ok
    assert "was changed by Sam Supervisor (status → investigating) at" in message
    assert "your change was not applied. The record now shows the latest version." in message
    assert tab_b.pane.feedback.text() == message
    qtbot.waitUntil(lambda: tab_b.pane.detail is not None and tab_b.pane.detail.row.status is Status.INVESTIGATING,
                    timeout=3000)
    assert tab_b.model.find(tid).status is Status.INVESTIGATING  # type: ignore[union-attr]
    assert a.ctx.current_threat_id() == tid
    sign_out_cleanly(a, b)
    assert a.ctx.selection is None  # nothing answers for a queue that is gone


def sign_out_cleanly(*consoles: Any) -> None:
    """Sign out so the tabs are destroyed while their window still exists (as in real use)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    for console in consoles:
        console.window.sign_out_requested.emit()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_call_taker_sees_triage_disabled_with_the_reason_and_a_denied_attempt_is_audited(
    make_tab: MakeTab, sqlite_db: Database, call_taker: Actor, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s)
    tab = make_tab(str(sqlite_db.url), call_taker)
    tab.select_threat(tid)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=3000)
    close = tab.pane.buttons["close"]
    assert not close.isEnabled()
    assert "Only a supervisor can do this" in close.toolTip() and "call-taker" in close.toolTip()
    assert tab.pane.buttons["note"].isEnabled()
    with qtbot.waitSignal(tab.pane.message, timeout=5000) as refused:
        tab.pane.run("close", outcomes=[Outcome.UNFOUNDED])  # as if the role had changed under an open pane
    assert refused.args[0].startswith("Only a supervisor can close a threat")
    with sqlite_db.read() as s:
        denied = s.execute(select(AuditEntry).where(AuditEntry.outcome == "denied")).scalars().all()
        views = s.execute(select(AuditEntry).where(AuditEntry.action == "threat.view")).scalars().all()
    assert [(d.action, d.operator) for d in denied] == [("threat.close", "calltaker")]
    assert len(views) == 1  # selecting the case was audited as a view


def test_closing_without_an_outcome_is_refused_in_the_dialog_and_the_typed_text_stays(qtbot: QtBot) -> None:
    dialog = CloseDialog()
    qtbot.addWidget(dialog)
    dialog.other.setText("moved out of state")
    dialog.accept()
    assert dialog.result() == 0 and "Tick at least one outcome" in dialog.error.text()
    dialog.checks[Outcome.OTHER].setChecked(True)
    dialog.other.clear()
    dialog.accept()
    assert "describe the outcome" in dialog.error.text()
    dialog.other.setText("moved out of state")
    dialog.accept()
    assert dialog.result() == 1 and dialog.chosen() == [Outcome.OTHER]


def test_a_supervisor_closes_a_case_and_it_leaves_the_queue(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s)
    tab = make_tab(str(sqlite_db.url))
    tab.select_threat(tid)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=3000)

    def fill(d: CloseDialog) -> None:
        d.checks[Outcome.IN_CUSTODY].setChecked(True)

    tab.pane.dialog_factory = answer(CloseDialog, fill)
    tab.pane.trigger("close")
    qtbot.waitUntil(lambda: tid not in shown_ids(tab), timeout=3000)
    qtbot.waitUntil(lambda: tab.pane.detail is not None and tab.pane.detail.row.status is Status.CLOSED, timeout=3000)
    assert tab.pane.buttons["reopen"].isEnabled() and not tab.pane.buttons["close"].isEnabled()
    assert "In custody" in tab.pane.fields["outcomes"].text()


def test_a_new_p1_sounds_the_alert_unless_muted(make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot) -> None:
    tab = make_tab(str(sqlite_db.url))
    tab.sound.muted = False
    with sqlite_db.write() as s:
        add_threat(s, priority="P1")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=3000)
    assert tab.sound.played == 1
    tab.toggle_mute()
    with sqlite_db.write() as s:
        add_threat(s, priority="P1")
        add_threat(s, priority="P3")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=3000)
    assert tab.sound.played == 1


@pytest.mark.postgres
def test_a_lost_postgresql_connection_is_reconnected_and_the_queue_refreshed_visibly(
    make_tab: MakeTab, pg_db: Database, qtbot: QtBot
) -> None:
    tab = make_tab(pg_db.url.render_as_string(hide_password=False))
    with qtbot.waitSignal(tab.live.reconnected, timeout=10_000):
        with pg_db.write() as s:  # the server drops the listening connection (a restart, a network cut) …
            s.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
        with pg_db.write() as s:  # … and a threat is saved while it is gone: its NOTIFY is lost
            missed = add_threat(s, priority="P1")
    qtbot.waitUntil(lambda: missed in shown_ids(tab), timeout=3000)
    assert tab.banner.isVisible() and tab.banner.text() == "Reconnected to the database — queue refreshed"
