"""Never lose a word: a console killed with SIGKILL mid-call, and the call-taker's draft offered back at sign-in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.engine import open_database
from dispatch_console.db.models import AuditEntry
from dispatch_console.services import bootstrap
from dispatch_console.ui.intake.tab import IntakeTab
from tests.ui.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = "He said he'll bring his dad's gun Friday — ask about the group chat 'north side'. ✋ שלום"


def test_a_killed_consoles_draft_is_offered_back_and_restored_by_keyboard(qtbot: QtBot, make_console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+pysqlite:///{tmp_path / 'shared.db'}"
    db = open_database(url)
    bootstrap.prepare(db, training=True)
    db.dispose()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "tests.intake.draft_child", url, "calltaker", STATEMENT],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        if not line.startswith("DRAFT SAVED"):
            child.wait(10)
            raise AssertionError(f"the child console ended early: {child.stderr.read() if child.stderr else ''}")
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)  # no clean shutdown, no atexit, no flush: a crash
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    draft_id = line.split()[-1]

    console = make_console(database_url=url)
    sign_in(qtbot, console, "calltaker", "training-ct")
    tab = next(console.window.tabs.widget(i) for i in range(console.window.tabs.count())
               if isinstance(console.window.tabs.widget(i), IntakeTab))
    qtbot.waitUntil(lambda: tab.drafts_dialog is not None and tab.drafts_dialog.isVisible(), timeout=10_000)
    dialog = tab.drafts_dialog
    assert dialog is not None and dialog.list.count() == 1
    assert "doomed-console" in dialog.list.item(0).text() and "Central High School" in dialog.list.item(0).text()
    assert QApplication.focusWidget() is dialog.list

    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.statement.toPlainText() == STATEMENT, timeout=10_000)
    assert tab.target.text() == "Central High School" and tab.site is not None  # the directory site is back too
    assert tab.draft_id == draft_id  # further typing updates the same draft
    with console.db.read() as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.record_id == draft_id)).scalars().all()
    assert actions == ["draft.recover"]


def test_drafts_are_discarded_with_delete_kept_with_escape_and_offered_again_with_ctrl_shift_d(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.domain.enums import Role
    from dispatch_console.services import drafts
    from dispatch_console.services.actor import Actor

    console = make_console()
    writer = Actor("calltaker", "Casey", Role.CALL_TAKER, "old-console")
    with console.db.write() as session:
        drafts.save_draft(session, actor=writer, draft_id="draft-a", data={"statement": "first unsaved call"})
        drafts.save_draft(session, actor=writer, draft_id="draft-b", data={"statement": "second unsaved call"})
    sign_in(qtbot, console, "calltaker", "training-ct")
    tab = next(console.window.tabs.widget(i) for i in range(console.window.tabs.count())
               if isinstance(console.window.tabs.widget(i), IntakeTab))
    qtbot.waitUntil(lambda: tab.drafts_dialog is not None and tab.drafts_dialog.isVisible(), timeout=10_000)
    dialog = tab.drafts_dialog
    assert dialog is not None and dialog.list.count() == 2

    qtbot.keyClick(dialog.list, Qt.Key.Key_Delete)
    assert dialog.list.count() == 1
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and tab.is_blank()

    def discarded() -> list[str]:
        with console.db.read() as session:
            return list(session.execute(select(AuditEntry.record_id).where(AuditEntry.action == "draft.discard"))
                        .scalars())

    qtbot.waitUntil(lambda: len(discarded()) == 1, timeout=5_000)
    console.window.activateWindow()
    qtbot.waitUntil(console.window.isActiveWindow)
    qtbot.keyClick(console.window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: tab.drafts_dialog is not dialog and tab.drafts_dialog is not None
                    and tab.drafts_dialog.isVisible(), timeout=10_000)
    assert tab.drafts_dialog is not None and tab.drafts_dialog.list.count() == 1


def test_signing_out_and_in_again_leaves_one_working_set_of_intake_shortcuts(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console, "calltaker", "training-ct")
    qtbot.keyClick(console.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert console.ctx.actor is None
    qtbot.keyClick(console.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # nothing to open: no error
    console.sign_in.username.clear()
    console.sign_in.password.clear()
    sign_in(qtbot, console, "calltaker", "training-ct")
    titles = [a.text() for a in console.window.menus["Threat"].actions()]
    assert titles.count("&New threat report") == 1
    tab = next(console.window.tabs.widget(i) for i in range(console.window.tabs.count())
               if isinstance(console.window.tabs.widget(i), IntakeTab))
    qtbot.keyClick(console.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.caller_name
