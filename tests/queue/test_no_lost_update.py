"""No edit is lost through a dialog: the version a supervisor decides on is the one shown when the dialog opened.

The story, for each triage dialog: console A (this process) has the dialog open; console B (another program on the
same database) commits a change to the same threat; A's pane re-reads the record while the dialog is still open;
A's supervisor confirms by keyboard. A's write must be refused with who changed what and when, audited ``stale``,
and the choice kept so that Enter applies it again on top of B's change, which survives.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AssignedUnit, AuditEntry, ThreatRow
from dispatch_console.domain.enums import Outcome, Role
from dispatch_console.services import operators
from dispatch_console.ui.queue.dialogs import (
    AssignDialog,
    CloseDialog,
    PriorityDialog,
    StatusDialog,
    TextDialog,
    VerificationDialog,
)
from tests.queue.factories import add_threat
from tests.queue.test_live_queue import ROOT, MakeTab, make_tab

__all__ = ["make_tab"]


def _status(qtbot: QtBot, d: StatusDialog) -> None:
    qtbot.keyClick(d.status, Qt.Key.Key_Return)  # the dialog proposes the next status: new → notified


def _priority(qtbot: QtBot, d: PriorityDialog) -> None:
    qtbot.keyClick(d.priority, Qt.Key.Key_Up)  # P2 → P1
    qtbot.keyClicks(d.reason, "photo of a gun posted")
    qtbot.keyClick(d.reason, Qt.Key.Key_Return)


def _verification(qtbot: QtBot, d: VerificationDialog) -> None:
    qtbot.keyClick(d.verification, Qt.Key.Key_Down)  # unverified → verified
    qtbot.keyClick(d.verification, Qt.Key.Key_Return)


def _assign(qtbot: QtBot, d: AssignDialog) -> None:
    qtbot.keyClicks(d.unit, "3A12")
    qtbot.keyClick(d.unit, Qt.Key.Key_Return)


def _close(qtbot: QtBot, d: CloseDialog) -> None:
    qtbot.keyClick(d.checks[Outcome.IN_CUSTODY], Qt.Key.Key_Space)
    qtbot.keyClick(d.checks[Outcome.IN_CUSTODY], Qt.Key.Key_Return)


def _reopen(qtbot: QtBot, d: TextDialog) -> None:
    qtbot.keyClicks(d.text, "suspect released, new post")
    qtbot.keyClick(d, Qt.Key.Key_Return)  # Return in the text adds a line; the dialog's default button is OK


@dataclass(frozen=True)
class Kind:
    """One triage dialog: how the supervisor answers it, what B changes meanwhile, and A's change once applied."""

    action: str
    audit_action: str
    dialog: type
    answer: Callable[[QtBot, Any], None]
    b_change: str  # the triage_child CHANGE
    b_what: str  # how the refusal names B's change
    applied: Callable[[ThreatRow, list[str]], bool]  # A's choice is in the record (row, assigned units)
    b_kept: Callable[[ThreatRow], bool]  # B's change is still there
    saved: str  # what the pane says once it is applied
    status: str = "new"


VERIFIED = "verification → verified"
KINDS = [
    Kind("status", "threat.status", StatusDialog, _status, "verification", VERIFIED,
         lambda r, _u: r.status == "notified", lambda r: r.verification == "verified", "change status"),
    Kind("priority", "threat.priority_override", PriorityDialog, _priority, "verification", VERIFIED,
         lambda r, _u: r.priority == "P1", lambda r: r.verification == "verified", "change priority"),
    Kind("verification", "threat.verification", VerificationDialog, _verification, "status",
         "status → investigating", lambda r, _u: r.verification == "verified", lambda r: r.status == "investigating",
         "set verification"),
    Kind("assign", "threat.assign_unit", AssignDialog, _assign, "verification", VERIFIED,
         lambda _r, u: u == ["3A12"], lambda r: r.verification == "verified", "assign unit"),
    Kind("close", "threat.close", CloseDialog, _close, "verification", VERIFIED,
         lambda r, _u: r.status == "closed" and r.outcomes == ["in_custody"], lambda r: r.verification == "verified",
         "close"),
    Kind("reopen", "threat.reopen", TextDialog, _reopen, "verification", VERIFIED,
         lambda r, _u: r.status == "new", lambda r: r.verification == "verified", "reopen",
         status="closed"),
]


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _other_console_changes(db: Database, threat_id: int, change: str) -> tuple[int, datetime]:
    """Console B, a separate program, commits its change; returns the new version and when it was logged."""
    child = subprocess.run([sys.executable, "-m", "tests.queue.triage_child", _url(db), str(threat_id), change],
                           cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    word, version, at = child.stdout.split()
    assert word == "CHANGED", child.stdout + child.stderr
    moment = datetime.fromisoformat(at)
    return int(version), moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("kind", KINDS, ids=[k.action for k in KINDS])
def test_a_change_made_elsewhere_while_the_dialog_is_open_is_not_overwritten_and_one_key_applies_it_again(
    kind: Kind, make_tab: MakeTab, db: Database, qtbot: QtBot
) -> None:
    with db.write() as s:
        operators.create_operator(s, username="riley", display_name="Riley Second", role=Role.SUPERVISOR,
                                  password="correct horse battery staple 9")
        tid = add_threat(s, priority="P2", status=kind.status)
        case = s.get(ThreatRow, tid).case_number  # type: ignore[union-attr]
    tab = make_tab(_url(db))  # console A, signed in as Sam Supervisor
    tab.pane.set_threat(tid)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=5000)
    shown_at_open = tab.pane.detail.row.version  # type: ignore[union-attr]
    seen: dict[str, Any] = {}

    def while_the_dialog_is_open() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, kind.dialog)
        seen["version"], seen["at"] = _other_console_changes(db, tid, kind.b_change)
        qtbot.waitUntil(lambda: tab.pane.detail.row.version == seen["version"], timeout=5000)  # type: ignore[union-attr]
        kind.answer(qtbot, dialog)  # the supervisor, who has not looked away from the dialog, confirms

    QTimer.singleShot(0, while_the_dialog_is_open)
    with qtbot.waitSignal(tab.pane.message, timeout=10_000) as refused:
        qtbot.keyClick(tab.pane.buttons[kind.action], Qt.Key.Key_Space)  # opens the dialog (modal)
    assert seen["version"] > shown_at_open

    when = seen["at"].astimezone(UTC).strftime("%H:%M:%S")
    assert refused.args == [
        f"{case} was changed by Riley Second ({kind.b_what}) at {when}; your change was not applied. The record now "
        "shows the latest version. Press Enter (Apply again) to apply your choice on top of it.", False]
    with db.read() as s:
        row = s.get(ThreatRow, tid)
        assert row is not None and kind.b_kept(row) and not kind.applied(row, _units(s, tid))
        stale = s.execute(select(AuditEntry).where(AuditEntry.outcome == "stale")).scalars().all()
    assert [(e.action, e.operator, e.record_id) for e in stale] == [(kind.audit_action, "supervisor", case)]

    tab.activateWindow()  # a window manager gives A's window the focus back when the dialog closes; offscreen Qt not
    qtbot.waitUntil(tab.isActiveWindow)
    assert tab.pane.retry.isVisible() and tab.pane.retry.hasFocus()
    with qtbot.waitSignal(tab.pane.message, timeout=10_000) as saved:
        qtbot.keyClick(tab.pane.retry, Qt.Key.Key_Return)
    assert saved.args == [f"Saved: {case} {kind.saved}.", True]
    assert not tab.pane.retry.isVisible()
    with db.read() as s:
        row = s.get(ThreatRow, tid)
        assert row is not None and kind.b_kept(row) and kind.applied(row, _units(s, tid))


def _units(session: Any, threat_id: int) -> list[str]:
    return list(session.execute(select(AssignedUnit.unit_id).where(AssignedUnit.threat_id == threat_id)).scalars())
