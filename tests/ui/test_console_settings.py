"""After the first run an admin moves the console to another database or renames it: Admin → Console settings."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import Role
from dispatch_console.services import audit, operators
from dispatch_console.settings import config_dir
from dispatch_console.ui.console_settings import ConsoleSettingsDialog
from tests.ui.conftest import sign_in
from tests.ui.test_first_run import retype


def open_dialog(qtbot: QtBot, console) -> ConsoleSettingsDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(console.window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    dialog = console.admin_actions.console_settings_dialog
    qtbot.waitExposed(dialog)
    return dialog  # type: ignore[no-any-return]


def save(qtbot: QtBot, dialog: ConsoleSettingsDialog) -> str:
    dialog.status.clear()
    dialog.console_name.setFocus()
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.status.text() not in ("", "Checking the database …"), timeout=15_000)
    return dialog.status.text()


def test_an_admin_points_the_console_at_another_database_checked_and_audited(
    qtbot: QtBot, make_console, sqlite_db: Database, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    dialog = open_dialog(qtbot, console)

    empty = tmp_path / "empty" / "console.db"
    retype(qtbot, dialog.database, str(empty))
    assert save(qtbot, dialog) == (
        "That database has no operators yet, so nobody could sign in after the restart: create its first admin "
        "first (create-operator --database-url …), then save again.")
    assert not (config_dir() / "settings.json").exists() and not empty.exists()

    with sqlite_db.write() as session:
        operators.create_operator(session, username="chief", display_name="Chief", role=Role.ADMIN,
                                  password="chief-password-1")
    center = str(sqlite_db.url.database)
    retype(qtbot, dialog.database, center)
    retype(qtbot, dialog.console_name, "dispatch-09")
    assert save(qtbot, dialog) == "Saved. The console uses them from its next start."
    saved = json.loads((config_dir() / "settings.json").read_text())
    assert (saved["database_url"], saved["console_name"]) == (f"sqlite+pysqlite:///{center}", "dispatch-09")
    with console.db.read() as session:  # recorded in the database the console leaves
        (entry,) = audit.search(session, audit.AuditQuery(action="console.settings"))
    assert entry.operator == "admin" and entry.detail["database_url"] == f"sqlite+pysqlite:///{center}"


def test_a_supervisor_sees_the_console_settings_but_cannot_save(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    dialog = open_dialog(qtbot, console)
    assert not dialog.save.isEnabled()
    assert dialog.status.text() == "Only an admin can change the console settings; sign in as an admin."
