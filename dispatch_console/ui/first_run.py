"""The first-run dialog: a console started with no settings asks whether it is for training or live, once.

Live mode collects the database (SQLite file or PostgreSQL URL and its password), the backend (URL, CA bundle,
token), the center key (made here on the center's first console, pasted on the others), the console's name and,
when the database has no operators, the first admin. "Test" buttons only look (see ``services.first_run``); nothing
is written until Finish. Every field can be changed later: the backend in Settings → Backend, the rest in the
settings file, with ``create-operator`` and ``provision-center-key``.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.credentials import CredentialError, KeyringStore
from dispatch_console.services import center_key
from dispatch_console.services import first_run as setup
from dispatch_console.settings import Settings, config_dir, default_database_url
from dispatch_console.ui.backend_settings import url_problem
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background


def _field(form: QFormLayout, label: str, widget: QLineEdit, name: str, *, secret: bool = False) -> QLineEdit:
    widget.setAccessibleName(name)
    if secret:
        widget.setEchoMode(QLineEdit.EchoMode.Password)
    caption = QLabel(label)
    caption.setBuddy(widget)
    form.addRow(caption, widget)
    return widget


def _message(name: str) -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    return label


class FirstRunDialog(QDialog):
    """Training or live; accepted after Finish wrote the settings (``self.settings`` is then what was saved)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Set up this console")
        self.setAccessibleName("First-run setup")
        self.setMinimumWidth(640)
        column = QVBoxLayout(self)
        intro = QLabel("This console has not been set up yet. Choose training to practise, or connect it to your "
                       "center's database and notification backend. Everything can be changed later in Settings.")
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.training = QRadioButton("&Training — demo operators and a built-in backend; no real units are paged")
        self.live = QRadioButton("&Live — this center's database and notification backend")
        self.training.setChecked(True)
        column.addWidget(self.training)
        column.addWidget(self.live)
        names = QFormLayout()
        self.console_name = _field(names, "Console &name:", QLineEdit(settings.console_name), "Console name")
        column.addLayout(names)

        self.live_page = QWidget()
        live = QVBoxLayout(self.live_page)
        live.setContentsMargins(0, 0, 0, 0)
        live.addWidget(self._database_box())
        live.addWidget(self._backend_box())
        live.addWidget(self._key_box())
        live.addWidget(self._admin_box())
        column.addWidget(self.live_page)

        self.status = _message("Setup message")
        column.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.quit = QPushButton("&Quit")
        self.finish_button = QPushButton("&Finish")
        self.finish_button.setDefault(True)
        buttons.addWidget(self.quit)
        buttons.addWidget(self.finish_button)
        column.addLayout(buttons)

        self.live.toggled.connect(self._mode_changed)
        self.quit.clicked.connect(self.reject)
        self.finish_button.clicked.connect(self.finish)
        self._mode_changed(False)

    # --- layout ---------------------------------------------------------------------------------------------
    def _database_box(self) -> QGroupBox:
        box = QGroupBox("Database")
        form = QFormLayout(box)
        default = default_database_url().removeprefix("sqlite+pysqlite:///")
        self.database = _field(form, "&Database:", QLineEdit(default), "Database")
        self.database.setPlaceholderText("a SQLite file, or postgresql://user@host/dbname")
        self.database_password = _field(form, "Database pass&word:", QLineEdit(), "Database password", secret=True)
        self.database_password.setPlaceholderText("PostgreSQL only; kept in the OS keyring")
        self.test_database = QPushButton("Test &connection")
        self.database_message = _message("Database message")
        form.addRow(self.test_database, self.database_message)
        self.test_database.clicked.connect(self.check_database)
        return box

    def _backend_box(self) -> QGroupBox:
        box = QGroupBox("Notification backend")
        form = QFormLayout(box)
        self.backend_url = _field(form, "Backend &URL:", QLineEdit(), "Backend URL")
        self.backend_url.setPlaceholderText("https://cad.example.org/api")
        self.ca_bundle = _field(form, "C&A bundle:", QLineEdit(), "CA bundle path")
        self.ca_bundle.setPlaceholderText("empty: the system's trusted certificates")
        self.token = _field(form, "T&oken:", QLineEdit(), "Backend token", secret=True)
        self.token.setPlaceholderText("issued by your CAD team; kept in the OS keyring")
        self.test_backend = QPushButton("T&est backend")
        self.backend_message = _message("Backend message")
        form.addRow(self.test_backend, self.backend_message)
        self.test_backend.clicked.connect(self.check_backend)
        return box

    def _key_box(self) -> QGroupBox:
        box = QGroupBox("Center key (checks the second factor of admins and supervisors)")
        form = QFormLayout(box)
        self.center_key = _field(form, "Center &key:", QLineEdit(), "Center key", secret=True)
        self.center_key.setPlaceholderText("paste the key another console of this center showed")
        self.generate_key = QPushButton("&Generate a new key")
        self.key_message = _message("Center key message")
        form.addRow(self.generate_key, self.key_message)
        self.generate_key.clicked.connect(self.make_center_key)
        return box

    def make_center_key(self) -> None:
        """The center's first console: a new key, shown so that it can be copied to the others (kept on Finish)."""
        self.center_key.setEchoMode(QLineEdit.EchoMode.Normal)
        self.center_key.setText(center_key.generate())
        self._say(self.key_message, "A new center key, stored on Finish. Copy it now: every other console of this "
                  "center needs it (its first-run dialog, or provision-center-key).", "hint")

    def _admin_box(self) -> QGroupBox:
        self.admin_box = QGroupBox("First admin (only when the database has no operators yet)")
        form = QFormLayout(self.admin_box)
        self.admin_username = _field(form, "Admin user na&me:", QLineEdit(), "Admin user name")
        self.admin_name = _field(form, "Admin's full name:", QLineEdit(), "Admin's full name")
        self.admin_password = _field(form, "Admin pa&ssword:", QLineEdit(), "Admin password", secret=True)
        self.admin_repeat = _field(form, "Repeat the password:", QLineEdit(), "Repeat the admin password",
                                   secret=True)
        return self.admin_box

    def _mode_changed(self, live: bool) -> None:
        self.live_page.setVisible(live)
        self.adjustSize()

    @staticmethod
    def _say(label: QLabel, text: str, role: str) -> None:
        label.setText(text)
        set_role(label, role)

    # --- checks (read only) ---------------------------------------------------------------------------------
    def check_database(self) -> None:
        typed, password = self.database.text(), self.database_password.text()
        self._say(self.database_message, "Connecting …", "hint")
        self.test_database.setEnabled(False)
        run_in_background(lambda: setup.check_database(typed, password), self._database_checked,
                          self._database_failed)

    def _database_checked(self, result: setup.DatabaseCheck) -> None:
        self.test_database.setEnabled(True)
        self._say(self.database_message, result.message, "ok")
        self.admin_box.setEnabled(not result.has_operators)

    def _database_failed(self, error: BaseException) -> None:
        self.test_database.setEnabled(True)
        self._say(self.database_message, _words(error), "error")

    def check_backend(self) -> None:
        url, ca, token = self.backend_url.text().strip(), self.ca_bundle.text().strip(), self.token.text().strip()
        problem = url_problem(url) or ("" if url else "Type the backend's address, e.g. https://cad.example.org/api.")
        if not problem and ca and not os.path.exists(ca):
            problem = f"No file or folder at {ca}; check the CA bundle's path."
        if problem:
            self._say(self.backend_message, problem, "error")
            return
        self._say(self.backend_message, "Calling the backend …", "hint")
        self.test_backend.setEnabled(False)
        run_in_background(lambda: setup.check_backend(url, ca, token), self._backend_checked, self._backend_failed)

    def _backend_checked(self, message: str) -> None:
        self.test_backend.setEnabled(True)
        self._say(self.backend_message, message, "ok")

    def _backend_failed(self, error: BaseException) -> None:
        self.test_backend.setEnabled(True)
        self._say(self.backend_message, _words(error), "error")

    # --- finish (the only step that writes) -------------------------------------------------------------------
    def finish(self) -> None:
        settings, name = self.settings, self.console_name.text()
        if not name.strip():
            self._say(self.status, "Type a name for this console (it appears in the audit log).", "error")
            self.console_name.setFocus()
            return
        if self.training.isChecked():
            self._run_finish(lambda: setup.finish_training(settings, name))
            return
        problem = url_problem(self.backend_url.text().strip())
        if problem or not self.backend_url.text().strip():
            self._say(self.status, problem or "Live mode needs the backend's address.", "error")
            self.backend_url.setFocus()
            return
        admin: setup.FirstAdmin | None = None
        if self.admin_box.isEnabled() and self.admin_username.text().strip():
            admin = setup.FirstAdmin(self.admin_username.text(), self.admin_name.text(), self.admin_password.text())
            problem = setup.admin_problem(admin, self.admin_repeat.text())
            if problem:
                self._say(self.status, problem, "error")
                self.admin_password.setFocus()
                return
        live = setup.LiveSetup(
            database=self.database.text(), database_password=self.database_password.text(),
            backend_url=self.backend_url.text().strip(), ca_bundle=self.ca_bundle.text().strip(),
            token=self.token.text().strip(), console_name=name, admin=admin, center_key=self.center_key.text(),
        )
        self._run_finish(lambda: setup.finish(live, settings, KeyringStore()))

    def _run_finish(self, work: Any) -> None:
        self._say(self.status, "Setting up …", "hint")
        self.finish_button.setEnabled(False)
        run_in_background(work, self._finished, self._finish_failed)

    def _finished(self, saved: Settings) -> None:
        self.settings = saved
        self.accept()

    def _finish_failed(self, error: BaseException) -> None:
        self.finish_button.setEnabled(True)
        self._say(self.status, f"Setup did not finish: {_words(error)}", "error")


def _words(error: BaseException) -> str:
    """A failure as the sentence to show: our own errors already are one; anything else is named, not dumped."""
    if isinstance(error, setup.SetupError | CredentialError):
        return str(error)
    return f"an unexpected error ({type(error).__name__}); try again, and see the log if it repeats."


def first_run_if_needed(settings: Settings) -> Settings | None:
    """Show the dialog when this computer has no settings file; None when the operator quit it."""
    if (config_dir() / "settings.json").exists():
        return settings
    dialog = FirstRunDialog(settings)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.settings
