"""The sign-in page, and the lock page that hides case data while the operator is away.

Both ask for a password and check it on a worker thread (scrypt takes tens of milliseconds on purpose). The lock page
shows only who is signed in: the workspace behind it is hidden, not destroyed, so nothing typed is lost.

Sign-in goes in steps on one page: the password; then, where the policy asks for it, the code from the operator's
authenticator app (or the enrolment QR code first); then a new password after an admin's reset. Each step sends all
the answers so far again (``SignInRequest``), so the service keeps nothing between steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # the page is on screen before either is imported (issue 17): the queue's module brings SQLAlchemy
    from dispatch_console.ui.queue.alert_words import Waiting
    from dispatch_console.ui.second_factor import EnrolmentPanel, RecoveryCodesDialog


SIGN_IN = "Sign in"
QUEUED = "Waiting for the database …"


@dataclass(frozen=True)
class SignInRequest:
    username: str
    password: str
    code: str | None = None
    new_secret: str | None = None
    new_password: str | None = None


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
        self.button = QPushButton(SIGN_IN)
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
    """Who is at the console. Emits ``signed_in(result)``: what ``authenticate`` returned, an (actor, …) tuple.

    ``checking`` is emitted when a sign-in has gone to the worker: the console prepares the workspace meanwhile.
    """

    signed_in = Signal(object)
    checking = Signal()

    def __init__(self, authenticate: Callable[[SignInRequest], Any]) -> None:
        super().__init__("Threat dispatch console", with_username=True)
        self.subtitle.setText("Opening the database …")
        self._authenticate = authenticate
        self._ready = False
        self.recovery_dialog: RecoveryCodesDialog | None = None
        form = self.findChild(QFormLayout)
        assert form is not None
        self._form = form
        self._enrolment: EnrolmentPanel | None = None  # made when an operator first has to enrol (see ``enrolment``)
        self.code = QLineEdit()
        self.code.setAccessibleName("Code")
        self.code.setPlaceholderText("6-digit code, or a recovery code")
        self._code_label = QLabel("&Code")
        self._code_label.setBuddy(self.code)
        self._code_row = form.rowCount()
        form.addRow(self._code_label, self.code)
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName("New password")
        self._new_label = QLabel("&New password")
        self._new_label.setBuddy(self.new_password)
        form.addRow(self._new_label, self.new_password)
        self.repeat_password = QLineEdit()
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password.setAccessibleName("Repeat new password")
        self._repeat_label = QLabel("&Repeat new password")
        self._repeat_label.setBuddy(self.repeat_password)
        form.addRow(self._repeat_label, self.repeat_password)
        self.password.returnPressed.disconnect()
        for field in (self.password, self.code, self.new_password, self.repeat_password):
            field.returnPressed.connect(self.button.click)
        self.username.textEdited.connect(lambda _text: self.reset_steps())
        self.reset_steps()
        self._queued = False  # Enter pressed while the database was still opening: sign in the moment it is open
        self.button.clicked.connect(self._submit)
        self.username.setFocus()

    @property
    def enrolment(self) -> EnrolmentPanel:
        """The QR code and key for a first second factor, above the code field; built the first time it is needed.

        Its module (QR code drawing) is not imported before the page shows: most sign-ins never enrol.
        """
        if self._enrolment is None:
            from dispatch_console.ui.second_factor import EnrolmentPanel

            self._enrolment = EnrolmentPanel()
            self._enrolment.hide()
            self._form.insertRow(self._code_row, self._enrolment)  # above the code field
        return self._enrolment

    def reset_steps(self) -> None:
        """Back to name and password (a new name, a refusal, sign-out)."""
        if self._enrolment is not None:
            self._enrolment.secret = ""
            self._enrolment.hide()
        for widget in (self.code, self._code_label, self.new_password, self._new_label,
                       self.repeat_password, self._repeat_label):
            widget.hide()
        for field in (self.code, self.new_password, self.repeat_password):
            field.clear()

    def set_ready(self, ready: bool, message: str = "") -> None:
        self._ready = ready
        self.subtitle.setText(message or ("Sign in to start your shift." if ready else "Opening the database …"))
        self.button.setText(SIGN_IN)
        self.button.setEnabled(ready)
        queued, self._queued = self._queued, False
        if ready and queued:
            self._submit()  # the click the operator made while the database was opening
        elif queued:
            self.error.setText("")

    def show_demo_credentials(self, lines: list[str]) -> None:
        self.extra.setText("TRAINING — demo operators (user / password):\n" + "\n".join(lines))

    def _request(self) -> SignInRequest:
        return SignInRequest(
            self.username.text(), self.password.text(),
            code=self.code.text().strip() if self.code.isVisibleTo(self) else None,
            new_secret=(self._enrolment.secret if self._enrolment is not None else "") or None,
            new_password=self.new_password.text() if self.new_password.isVisibleTo(self) else None,
        )

    def _submit(self) -> None:
        request = self._request()
        if not request.username.strip():
            self.error.setText("Enter your user name.")
            self.username.setFocus()
            return
        if not self._ready:  # still opening the database (issue 17): accept the click and sign in once it is open
            self._queued = True  # acknowledged on the button itself, where the operator is looking
            self.button.setText(QUEUED)
            self.button.setEnabled(False)
            self.error.setText("Signing in as soon as the database is open …")
            set_role(self.error, "hint")
            return
        if request.code == "":
            self.error.setText("Type the code from your authenticator app.")
            self.code.setFocus()
            return
        if request.new_password is not None and request.new_password != self.repeat_password.text():
            self.error.setText("The two new passwords differ. Type them again.")
            self.new_password.clear()
            self.repeat_password.clear()
            self.new_password.setFocus()
            return
        self.busy(True)
        self.error.setText("")
        set_role(self.error, "error")
        run_in_background(lambda: self._authenticate(request), self._done, self._failed)
        self.checking.emit()

    def _done(self, result: Any) -> None:
        self.busy(False)
        self.password.clear()
        self.reset_steps()
        codes = result[2] if isinstance(result, tuple) and len(result) > 2 else []
        if codes:
            from dispatch_console.ui.second_factor import RecoveryCodesDialog

            self.recovery_dialog = RecoveryCodesDialog(codes, self.window())
            self.recovery_dialog.open()
        self.signed_in.emit(result)

    def _failed(self, error: BaseException) -> None:
        from dispatch_console.services.operators import PasswordChangeNeeded, SecondFactorNeeded
        from dispatch_console.services.second_factor import WRONG_CODE

        self.busy(False)
        self.error.setText(str(error) or "Sign-in failed.")
        set_role(self.error, "hint" if isinstance(error, SecondFactorNeeded | PasswordChangeNeeded) else "error")
        if isinstance(error, SecondFactorNeeded):
            if error.enrol and not self.enrolment.secret:
                self.enrolment.start(self.username.text().strip().lower())
                self.enrolment.show()
            for widget in (self._code_label, self.code):
                widget.show()
            self.code.setFocus()
        elif isinstance(error, PasswordChangeNeeded):
            for widget in (self._new_label, self.new_password, self._repeat_label, self.repeat_password):
                widget.show()
            self.new_password.setFocus()
        elif str(error) == WRONG_CODE:
            self.code.clear()
            self.code.setFocus()
        elif isinstance(error, ValueError) and self.new_password.isVisibleTo(self):  # the policy refused it
            self.new_password.clear()
            self.repeat_password.clear()
            self.new_password.setFocus()
        else:
            self.password.clear()
            self.reset_steps()
            self.password.setFocus()


class LockPage(_PasswordCard):
    """Shown after inactivity or Ctrl+L. Emits ``unlocked`` when the same operator's password is right."""

    unlocked = Signal()

    def __init__(self, check_password: Callable[[str], bool]) -> None:
        super().__init__("Console locked", with_username=False)
        self.button.setText("Unlock")
        self._check = check_password
        self.button.clicked.connect(self._submit)
        self.waiting = QLabel("")  # the queue's count of P1/P2 waiting to be notified: never case details
        self.waiting.setAccessibleName("Threats waiting to be notified")
        self.waiting.setWordWrap(True)
        set_role(self.waiting, "error")
        self.waiting.hide()
        card = self.title.parentWidget()
        layout = card.layout() if card is not None else None
        if layout is not None:
            layout.addWidget(self.waiting)

    def set_waiting(self, waiting: Waiting) -> None:
        """Show how many P1/P2 threats wait to be notified and the oldest wait, so a locked console is not blind."""
        self.waiting.setText(waiting.text)
        self.waiting.setVisible(bool(waiting.count))

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
        from dispatch_console.services.operators import SignInError

        self.busy(False)
        self.password.clear()
        self.error.setText(str(error) if isinstance(error, SignInError) else f"Could not check the password: {error}")
