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
