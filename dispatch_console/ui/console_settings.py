"""Settings → Console: the database (and its password) and this console's name, after the first run.

The same read-only check as the first-run dialog runs before anything is saved; the new database is used from the
next start (the open one keeps serving this session). Only an admin may save, and the change is audited in the
database in use now, so the old database records where this console went.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from dispatch_console.credentials import CredentialError, KeyringStore
from dispatch_console.services import first_run as setup
from dispatch_console.settings import default_database_url
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

SHORTCUT = "Ctrl+Alt+C"


class ConsoleSettingsDialog(QDialog):
    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings — Console")
        self.setAccessibleName("Console settings")
        self.setMinimumWidth(560)
        column = QVBoxLayout(self)
        form = QFormLayout()
        column.addLayout(form)
        current = ctx.settings.database_url or default_database_url()
        self.database = QLineEdit(current.removeprefix("sqlite+pysqlite:///"))
        self.database_password = QLineEdit()
        self.database_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password.setPlaceholderText("PostgreSQL only; empty keeps the stored one")
        self.console_name = QLineEdit(ctx.settings.console_name)
        for text, field, name in (("&Database:", self.database, "Database"),
                                  ("Database pass&word:", self.database_password, "Database password"),
                                  ("Console &name:", self.console_name, "Console name")):
            field.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Console settings message")
        column.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save = QPushButton("&Save")
        self.save.setDefault(True)
        close = QPushButton("Close")
        buttons.addWidget(self.save)
        buttons.addWidget(close)
        column.addLayout(buttons)
        self.save.clicked.connect(self.save_settings)
        close.clicked.connect(self.reject)
        admin = ctx.actor is not None and ctx.actor.is_admin
        self.save.setEnabled(admin)
        if not admin:
            self._say("Only an admin can change the console settings; sign in as an admin.", "hint")

    def _say(self, text: str, role: str) -> None:
        self.status.setText(text)
        set_role(self.status, role)

    def save_settings(self) -> None:
        typed, password, name = self.database.text(), self.database_password.text(), self.console_name.text()
        ctx, actor = self.ctx, self.ctx.actor
        self.save.setEnabled(False)
        self._say("Checking the database …", "hint")

        def work() -> None:
            before = ctx.settings.database_url
            chosen = setup.change_database(typed, password, name, ctx.settings, KeyringStore())
            if actor is not None:
                from dispatch_console.services import audit

                with ctx.db.write() as session:
                    audit.record(session, actor=actor, action="console.settings", record_type="console",
                                 record_id=actor.console,
                                 detail={"database_url": chosen.database_url, "previous_database_url": before,
                                         "console_name": chosen.console_name})
            ctx.settings.database_url, ctx.settings.console_name = chosen.database_url, chosen.console_name

        def done(_: Any) -> None:
            self.save.setEnabled(True)
            self.database_password.clear()
            self._say("Saved. The console uses them from its next start.", "ok")

        def failed(error: BaseException) -> None:
            self.save.setEnabled(True)
            known = isinstance(error, setup.SetupError | CredentialError)
            self._say(str(error) if known else f"Not saved: unexpected {type(error).__name__}.", "error")

        run_in_background(work, done, failed)


def open_console_settings(ctx: ConsoleContext, parent: QWidget | None = None) -> ConsoleSettingsDialog:
    dialog = ConsoleSettingsDialog(ctx, parent)
    dialog.show()
    dialog.database.setFocus()
    return dialog
