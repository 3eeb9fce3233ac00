"""The sign-in page, and the lock page that hides case data while the operator is away.

Both ask for a password and check it on a worker thread (scrypt takes tens of milliseconds on purpose). The lock page
shows only who is signed in: the workspace behind it is hidden, not destroyed, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

if TYPE_CHECKING:
    from dispatch_console.services.actor import Actor


class _PasswordCard(QWidget):
    """A centred card with a title, optional user field, password field, button and an error line."""

    def __init__(self, title: str, *, with_username: bool) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setProperty("role", "card")
        card.setMaximumWidth(460)
        card.setMinimumWidth(420)
        layout = QVBoxLayout(card)
        self.title = QLabel(title)
        set_role(self.title, "title")
        layout.addWidget(self.title)
        self.subtitle = QLabel("")
        set_role(self.subtitle, "hint")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.subtitle)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        if with_username:
            label = QLabel("&User name")
            label.setBuddy(self.username)
            form.addRow(label, self.username)
        else:
            self.username.hide()
        pw_label = QLabel("&Password")
        pw_label.setBuddy(self.password)
        form.addRow(pw_label, self.password)
        layout.addLayout(form)
        self.button = QPushButton("Sign in")
        self.button.setProperty("primary", True)
        self.button.setDefault(True)
        layout.addWidget(self.button)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.setAccessibleName("Sign-in message")
        layout.addWidget(self.error)
        self.extra = QLabel("")
        self.extra.setWordWrap(True)
        self.extra.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self.extra, "hint")
        layout.addWidget(self.extra)
        row = QVBoxLayout()
        row.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addLayout(row)
        outer.addStretch(2)
        self.password.returnPressed.connect(self.button.click)
        self.username.returnPressed.connect(self.password.setFocus)

    def busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)


class SignInPage(_PasswordCard):
    """Who is at the console. Emits ``signed_in(actor)``."""

    signed_in = Signal(object)

    def __init__(self, authenticate: Callable[[str, str], Actor]) -> None:
        super().__init__("Threat dispatch console", with_username=True)
        self.subtitle.setText("Opening the database …")
        self._authenticate = authenticate
        self._ready = False
        self._queued = False  # Enter pressed while the database was still opening: sign in the moment it is open
        self.button.clicked.connect(self._submit)
        self.username.setFocus()

    def set_ready(self, ready: bool, message: str = "") -> None:
        self._ready = ready
        self.subtitle.setText(message or ("Sign in to start your shift." if ready else "Opening the database …"))
        self.button.setEnabled(ready)
        queued, self._queued = self._queued, False
        if ready and queued:
            self._submit()  # the click the operator made while the database was opening
        elif queued:
            self.error.setText("")

    def show_demo_credentials(self, lines: list[str]) -> None:
        self.extra.setText("TRAINING — demo operators (user / password):\n" + "\n".join(lines))

    def _submit(self) -> None:
        user, password = self.username.text(), self.password.text()
        if not user.strip():
            self.error.setText("Enter your user name.")
            self.username.setFocus()
            return
        if not self._ready:  # still opening the database (issue 17): accept the click and sign in once it is open
            self._queued = True
            self.error.setText("Signing in as soon as the database is open …")
            return
        self.busy(True)
        self.error.setText("")
        run_in_background(lambda: self._authenticate(user, password), self._done, self._failed)

    def _done(self, actor: Actor) -> None:
        self.busy(False)
        self.password.clear()
        self.signed_in.emit(actor)

    def _failed(self, error: BaseException) -> None:
        self.busy(False)
        self.password.clear()
        self.password.setFocus()
        self.error.setText(str(error) or "Sign-in failed.")


class LockPage(_PasswordCard):
    """Shown after inactivity or Ctrl+L. Emits ``unlocked`` when the same operator's password is right."""

    unlocked = Signal()

    def __init__(self, check_password: Callable[[str], bool]) -> None:
        super().__init__("Console locked", with_username=False)
        self.button.setText("Unlock")
        self._check = check_password
        self.button.clicked.connect(self._submit)

    def arm(self, operator_name: str) -> None:
        self.subtitle.setText(f"Locked for {operator_name}. Enter your password to continue.")
        self.error.setText("")
        self.password.clear()
        self.password.setFocus()

    def _submit(self) -> None:
        password = self.password.text()
        self.busy(True)
        run_in_background(lambda: self._check(password), self._done, self._failed)

    def _done(self, ok: bool) -> None:
        self.busy(False)
        self.password.clear()
        if ok:
            self.unlocked.emit()
        else:
            self.error.setText("Wrong password. Try again, or ask a supervisor to sign you out.")
            self.password.setFocus()

    def _failed(self, error: BaseException) -> None:
        self.busy(False)
        self.error.setText(f"Could not check the password: {error}")
