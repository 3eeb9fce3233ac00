"""The second factor in the console: the enrolment panel (QR code and secret), the recovery codes shown once, the
step-up dialog before a reveal or an export, and setting up one's own second factor (File menu).

Codes are checked on a worker like passwords; the center key is read from this console's OS keyring there too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain import totp
from dispatch_console.ui.worker import run_in_background
from dispatch_console.ui.worker_dialog import WorkerDialog

if TYPE_CHECKING:
    from dispatch_console.services.second_factor import Policy
    from dispatch_console.ui.context import ConsoleContext
    from dispatch_console.ui.qr import QrCode


def policy_for(ctx: ConsoleContext, *, username: str = "") -> Policy:
    """This console's second-factor policy: the roles setting, training or live, and the key from the keyring.

    Call on a worker: the keyring takes ~0.3 s to load the first time. For ``username`` a training demo operator
    (exempt from the second factor, so the key is never used) the keyring is not read at all: that first sign-in on
    a new training console is the one start-up waits for (issue 17).
    """
    from dispatch_console.credentials import KeyringStore
    from dispatch_console.services import center_key, second_factor
    from dispatch_console.services.demo_accounts import is_exempt_demo

    try:
        exempt = is_exempt_demo(username.strip().lower(), training=ctx.training)
        key = None if exempt else center_key.load(KeyringStore())
    except center_key.CenterKeyError:
        key = None  # not a key: sign-in then says the console has none
    return second_factor.Policy(required_roles=second_factor.roles_from_setting(ctx.settings.second_factor_roles),
                                training=ctx.training, key=key)


class EnrolmentPanel(QWidget):
    """A new secret as a QR code and as text, for the operator's authenticator app; nothing is kept until a code."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # explicit lines, no word wrap: a wrapped label's height is guessed short and the QR code would cover it
        intro = QLabel("Scan this code with an authenticator app (or type the key),\n"
                       "then type the 6-digit code it shows to keep it.")
        layout.addWidget(intro)
        # QR drawing (segno) is imported when someone enrols, not with this module: every sign-in imports it on
        # the worker for policy_for (issue 17)
        from dispatch_console.ui.qr import QrCode

        self.qr: QrCode = QrCode()
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.secret_text = QLabel("")
        self.secret_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret_text.setAccessibleName("Key")
        layout.addWidget(self.secret_text, 0, Qt.AlignmentFlag.AlignHCenter)
        self.secret = ""

    def start(self, username: str) -> str:
        self.secret = totp.new_secret()
        self.qr.set_text(totp.provisioning_uri(self.secret, username))
        self.secret_text.setText("Key: " + " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4)))
        return self.secret


class RecoveryCodesDialog(QDialog):
    """The ten recovery codes, shown this once: the operator writes them down or copies them."""

    def __init__(self, codes: list[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your recovery codes")
        self.codes = list(codes)
        layout = QVBoxLayout(self)
        intro = QLabel("Keep these ten codes somewhere safe, away from your phone. Each signs you in once if the "
                       "phone is lost. They are shown only now.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QLabel("\n".join(self.codes))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("Recovery codes")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text)
        copy = QPushButton("&Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText("\n".join(self.codes)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


class CodeDialog(WorkerDialog):
    """Asks for a code and hands it to ``check`` on a worker; emits ``completed(result)`` when it is good."""

    def __init__(self, title: str, intro: str, check: Callable[[str], Any], parent: QWidget | None,
                 enrol_for: str = "") -> None:
        super().__init__(title, parent)
        self._check = check
        label = QLabel(intro)
        label.setWordWrap(True)
        self.column.addWidget(label)
        self.enrolment: EnrolmentPanel | None = None
        if enrol_for:
            self.enrolment = EnrolmentPanel()
            self.enrolment.start(enrol_for)
            self.column.addWidget(self.enrolment)
        self.code = QLineEdit()
        self.code.setAccessibleName("Code")
        self.code.setPlaceholderText("6-digit code")
        self.column.addWidget(self.code)
        self.add_error_and_buttons()
        self.code.returnPressed.connect(self.submit)

    def submit(self) -> None:
        code = self.code.text().strip()
        if not code:
            self.show_problem(self.code, "Type the code from your authenticator app.")
            return
        self.run(lambda: self._check(code))

    def _failed(self, error: BaseException) -> None:
        """A wrong code is not worth keeping (the next one differs): cleared, and the caret waits for the new one."""
        super()._failed(error)
        self.code.clear()
        self.code.setFocus()


PURPOSES = {"reveal": "Revealing a juvenile's identity", "export": "Exporting cases"}


def with_step_up(
    ctx: ConsoleContext, parent: QWidget, purpose: str, proceed: Callable[[], object]
) -> CodeDialog | None:
    """Run ``proceed`` after the operator typed their current code again (audited either way).

    Training mode's demo operators are exempt (their passwords are public): ``proceed`` runs at once and the
    exemption is audited on a worker.
    """
    from dispatch_console.services import second_factor
    from dispatch_console.services.demo_accounts import is_exempt_demo

    actor, db = ctx.operator, ctx.db

    def check(code: str) -> None:
        policy = policy_for(ctx)
        with db.write() as session:
            second_factor.step_up(session, actor=actor, code=code, purpose=purpose, policy=policy)

    if is_exempt_demo(actor.username, training=ctx.training):
        run_in_background(lambda: check(""))
        proceed()
        return None
    dialog = CodeDialog("Confirm with your second factor", f"{PURPOSES.get(purpose, purpose)} asks for the current "
                        "code from your authenticator app again. This is audited.", check, parent)
    dialog.completed.connect(lambda _result: proceed())
    dialog.open()
    return dialog


def open_enrolment(ctx: ConsoleContext, parent: QWidget) -> CodeDialog:
    """File → Set up second factor: the signed-in operator adds (or replaces) their own; recovery codes follow."""
    from dispatch_console.services import second_factor

    actor, db = ctx.operator, ctx.db
    holder: list[CodeDialog] = []

    def check(code: str) -> list[str]:
        policy = policy_for(ctx)
        assert holder[0].enrolment is not None
        with db.write() as session:
            return second_factor.enrol(session, actor=actor, secret=holder[0].enrolment.secret, code=code,
                                       key=policy.key)

    dialog = CodeDialog("Set up second factor", "From now on you sign in with your password and a code from your "
                        "phone (replaces any earlier setup).", check, parent, enrol_for=actor.username)
    holder.append(dialog)

    def show_codes(codes: list[str]) -> None:
        codes_dialog = RecoveryCodesDialog(codes, parent)
        dialog.setProperty("recovery", codes_dialog)
        codes_dialog.open()

    dialog.completed.connect(show_codes)
    dialog.open()
    return dialog
