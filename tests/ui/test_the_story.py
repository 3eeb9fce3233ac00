"""The one story that must always work, end to end, on two consoles sharing one database.

A caller reports that two students said they will bring a gun after school on April 12 → the call-taker at console A
enters it by keyboard → it appears in the supervisor's queue at console B within a second, P1, with a countdown to
that school's dismissal → the supervisor notifies the proposed units with one shortcut → acknowledgements come back
and show in the queue → the case is verified, closed with its outcome, and counted in the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_console.domain.enums import Outcome, Status, Verification
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import reports
from dispatch_console.ui.intake.tab import IntakeTab
from dispatch_console.ui.queue.dialogs import CloseDialog, VerificationDialog
from dispatch_console.ui.queue.model import COL_NOTIFIED
from dispatch_console.ui.queue.tab import QueueTab
from tests.intake import keyboard
from tests.intake.conftest import CENTER, NOW
from tests.ui.conftest import answer, sign_in, tab_of

TOKEN = "story-token-0123456789-abcdefghijkl"


@pytest.fixture
def backend(tmp_path) -> Iterator[ReferenceBackend]:  # type: ignore[no-untyped-def]
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "backend.sqlite3", deliver_after=0.05, ack_after=0.3)
    server.start()
    yield server
    server.close()


def test_a_threat_goes_from_the_call_to_the_count(qtbot: QtBot, make_console, backend: ReferenceBackend, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+pysqlite:///{tmp_path / 'center.db'}"
    origin = time.monotonic()

    # Console B: the supervisor, watching the queue, on the same database, notifying through the backend.
    b = make_console(database_url=url, timezone="America/Chicago")
    b.ctx.backend_url = backend.url
    b.ctx.token_provider = lambda: TOKEN
    b._start_notification_services()
    sign_in(qtbot, b, "supervisor", "training-sv")
    queue: QueueTab = tab_of(b, QueueTab)

    # Console A: the call-taker, at another desk, with the clock of the day before April 12.
    a = make_console(database_url=url, timezone="America/Chicago")
    a.ctx.clock = lambda: NOW + timedelta(seconds=time.monotonic() - origin)
    sign_in(qtbot, a, "calltaker", "training-ct")

    # The call: typed by keyboard only, saved with Ctrl+Enter.
    intake: IntakeTab = tab_of(a, IntakeTab)
    qtbot.waitUntil(lambda: bool(intake.sites), timeout=10_000)
    a.window.activateWindow()
    qtbot.keyClick(a.window, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is intake.caller_name
    with qtbot.waitSignal(intake.saved, timeout=10_000) as saved:
        keyboard.play(keyboard.APRIL_12)
    case = saved.args[0].case_number
    assert saved.args[0].priority.value == "P1"

    # Within a second it is at the top of the supervisor's queue, P1, counting down to the dismissal.
    def queued() -> list[Any]:
        return [queue.model.row_at(i) for i in range(queue.model.rowCount()) if
                queue.model.row_at(i).case_number == case]

    qtbot.waitUntil(lambda: bool(queued()), timeout=1_000)
    [row] = queued()
    assert row.priority.value == "P1" and row.target_name == "Central High School"
    assert row.threatened_at is not None
    assert row.threatened_at.astimezone(CENTER) == datetime(2027, 4, 12, 15, 10, tzinfo=CENTER)
    top = queue.proxy.index(0, 0)
    assert queue.proxy.data(queue.proxy.index(0, 1)) == case and "P1" in str(queue.proxy.data(top))

    # The supervisor selects it; the proposed units come with their reasons; one shortcut notifies them all.
    b.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is b.window, timeout=5_000)
    assert queue.select_threat(row.threat_id)
    qtbot.waitUntil(lambda: queue.pane.detail is not None and queue.pane.units_panel is not None, timeout=5_000)
    panel = queue.pane.units_panel
    qtbot.waitUntil(lambda: bool(panel.model.rows) and panel.notify_button.isEnabled(), timeout=10_000)
    proposed = {r.unit_id: r.reason for r in panel.model.rows}
    assert "SRO-01" in proposed or any(u.startswith("SRO-") for u in proposed)
    assert "CEN-SUP" in proposed and any(u.startswith("CEN-P") for u in proposed)
    assert all(proposed.values())  # every unit has its rule's reason
    emptied: list[int] = []  # the table must never blank out while the same threat is re-read
    panel.model.modelReset.connect(lambda: emptied.append(1) if not panel.model.rows else None)
    qtbot.keyClick(b.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)

    # Every unit is paged exactly once and acknowledges; the queue shows it in words.
    qtbot.waitUntil(lambda: sum(n for (c, _u), n in backend.delivery_counts().items() if c == case) == len(proposed),
                    timeout=15_000)
    assert {u for (c, u) in backend.delivery_counts() if c == case} == set(proposed)
    assert all(n == 1 for (c, _u), n in backend.delivery_counts().items() if c == case)

    def notified_text() -> str:
        r = next(r for r in range(queue.proxy.rowCount()) if queue.proxy.data(queue.proxy.index(r, 1)) == case)
        return str(queue.proxy.data(queue.proxy.index(r, COL_NOTIFIED)))

    total = len(proposed)
    qtbot.waitUntil(lambda: f"{total}/{total} ack" in notified_text(), timeout=15_000)
    qtbot.waitUntil(lambda: all(r.state_text.startswith("✔ acknowledged by") for r in panel.model.rows),
                    timeout=15_000)
    # The live updates that brought the acknowledgements kept the supervisor's confirmation and never blanked the
    # units table.
    assert panel.message.text().startswith(f"Notifying {total} units: ")  # several units: a plural, not unit(s)
    assert emptied == []
    assert queued()[0].status is Status.NOTIFIED

    # Officers stop the two students; the supervisor verifies and closes the case with its outcomes.
    queue.pane.dialog_factory = answer(VerificationDialog,
                                        lambda d: d.verification.setCurrentIndex(
                                            list(Verification).index(Verification.VERIFIED)))
    queue.pane.trigger("verification")
    qtbot.waitUntil(lambda: queue.pane.detail is not None
                    and queue.pane.detail.row.verification is Verification.VERIFIED, timeout=5_000)

    def outcomes(d: CloseDialog) -> None:
        for outcome in (Outcome.IN_CUSTODY, Outcome.CHARGED, Outcome.JUVENILE_REFERRAL):
            d.checks[outcome].setChecked(True)

    queue.pane.dialog_factory = answer(CloseDialog, outcomes)
    queue.pane.trigger("close")
    qtbot.waitUntil(lambda: not queued(), timeout=5_000)

    # Counted: one verified incident, at a school, with the times from call to notification and acknowledgement.
    with b.db.read() as session:
        report = reports.build_report(session, since=date(2027, 4, 1), until=date(2027, 4, 30), tz=CENTER)
    assert report.summary.startswith("1 verified incident since") and "1 of 1 directed at schools" in report.summary
    assert report.total == 1
    assert report.to_notification.cases == 1 and report.to_acknowledgement.cases == 1
