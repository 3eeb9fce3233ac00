"""An admin manages the center's operators from the console: Admin → Operators (Ctrl+Alt+M), no command line."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry
from dispatch_console.domain.enums import Role
from dispatch_console.services import operators
from dispatch_console.ui.operators_dialog import NewOperatorDialog, OperatorsDialog
from tests.ui.conftest import answer, sign_in

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _open(qtbot: QtBot, console) -> OperatorsDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget() or console.window, Qt.Key.Key_M, CTRL_ALT)
    dialog = console.window.findChild(OperatorsDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.rows) == 3, timeout=10_000)  # the three demo operators
    return dialog


def _do(qtbot: QtBot, dialog: OperatorsDialog, action, *args) -> str:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.changed, timeout=10_000) as done:
        action(*args)
    return str(done.args[0])


def test_an_admin_creates_an_operator_who_then_chooses_their_own_password(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    dialog = _open(qtbot, console)

    def fill(form: NewOperatorDialog) -> None:
        qtbot.keyClicks(form.username, "dana")
        qtbot.keyClicks(form.display_name, "Dana Dispatcher")
        form.role.setCurrentIndex(form.role.findData(Role.CALL_TAKER))

    dialog.run_dialog = answer(NewOperatorDialog, fill)
    message = _do(qtbot, dialog, qtbot.mouseClick, dialog.buttons["new"], Qt.MouseButton.LeftButton)
    one_time = message.split("One-time password: ")[1].split(" ")[0]
    assert message == (f"Created call taker 'dana'. One-time password: {one_time} — tell it to them; they choose "
                       "their own at the first sign-in.")
    qtbot.waitUntil(lambda: "dana" in [op.username for op in dialog.rows])
    dialog.select("dana")
    assert _do(qtbot, dialog, dialog.change_role, Role.SUPERVISOR) == "'dana' is now supervisor."
    assert _do(qtbot, dialog, dialog.toggle_active) == "'dana' is disabled."
    dialog.select("dana")
    assert _do(qtbot, dialog, dialog.toggle_active) == "'dana' is enabled."
    dialog.select("dana")
    assert _do(qtbot, dialog, dialog.change_role, Role.CALL_TAKER) == "'dana' is now call taker."
    dialog.select("dana")
    reset = _do(qtbot, dialog, dialog.reset_password)
    one_time = reset.split(": ")[1].split(" ")[0]
    assert reset == (f"One-time password for 'dana': {one_time} — tell it to them; they choose their own at the next "
                     "sign-in.")
    dialog.reject()

    console.window.sign_out_requested.emit()
    qtbot.waitUntil(lambda: console.ctx.actor is None)
    page = console.sign_in
    qtbot.keyClicks(page.username, "dana")
    qtbot.keyClicks(page.password, one_time)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.new_password.isVisible(), timeout=10_000)
    assert page.error.text() == "Your password was reset by an admin. Choose a new password to continue."
    qtbot.keyClicks(page.new_password, "password1234")  # on the common-password list
    qtbot.keyClicks(page.repeat_password, "password1234")
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "too easy" in page.error.text(), timeout=10_000)
    assert page.error.text() == ("This password is too easy to guess (it is on the list of commonly used "
                                 "passwords). Choose another.")
    qtbot.keyClicks(page.new_password, "lantern orbit cactus")
    qtbot.keyClicks(page.repeat_password, "lantern orbit cactus")
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=10_000)
    assert console.ctx.operator.username == "dana"

    with console.db.read() as session:
        actions = [a for a in session.execute(select(AuditEntry.action).where(AuditEntry.record_id == "dana")
                                              .order_by(AuditEntry.id)).scalars() if a != "sign_in"]
    assert actions == ["operator.create", "operator.role", "operator.disable", "operator.enable", "operator.role",
                       "operator.password_reset", "operator.password_change"]


def test_an_admin_releases_a_lock_and_resets_a_second_factor_with_a_reason(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    with console.db.write() as session:
        for attempt in range(5):
            with contextlib.suppress(operators.SignInError):
                operators.sign_in(session, username="calltaker", password=f"guess-{attempt}", console="x")
    sign_in(qtbot, console, "admin", "training-ad")
    dialog = _open(qtbot, console)
    dialog.select("calltaker")
    assert dialog.selected() is not None and dialog.selected().locked  # type: ignore[union-attr]
    assert dialog.table.item(dialog.table.currentRow(), 3).text() == "Locked"
    assert _do(qtbot, dialog, dialog.release) == "'calltaker' can sign in again."
    dialog.select("calltaker")
    assert _do(qtbot, dialog, dialog.reset_second_factor, "phone lost, ticket 4711") == (
        "The second factor of 'calltaker' is reset; they set up a new one at the next sign-in.")
    dialog.select("calltaker")
    dialog.reset_second_factor("")
    qtbot.waitUntil(lambda: "reason" in dialog.status.text(), timeout=10_000)
    with console.db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "second_factor.reset")).scalar_one()
    assert (entry.operator, entry.detail["reason"]) == ("admin", "phone lost, ticket 4711")


def test_a_supervisor_cannot_manage_operators(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    qtbot.keyClick(QApplication.focusWidget() or console.window, Qt.Key.Key_M, CTRL_ALT)
    assert console.window.findChild(OperatorsDialog) is None


def test_a_center_with_a_long_minimum_length_still_creates_operators_in_the_console(qtbot: QtBot,  # type: ignore[no-untyped-def]
                                                                                  make_console) -> None:
    """With ``min_passphrase_length`` above 24 the console's own one-time password (24 characters, 80 random bits)
    was refused as too short, so no operator could be created in Admin → Operators. The setting is for the
    password the operator chooses at the first sign-in, and that one is held to it."""
    console = make_console(min_passphrase_length=32)
    sign_in(qtbot, console, "admin", "training-ad")
    dialog = _open(qtbot, console)

    def fill(form: NewOperatorDialog) -> None:
        qtbot.keyClicks(form.username, "dana")
        qtbot.keyClicks(form.display_name, "Dana Dispatcher")

    dialog.run_dialog = answer(NewOperatorDialog, fill)
    qtbot.mouseClick(dialog.buttons["new"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text() != "", timeout=10_000)
    one_time = dialog.status.text().split("One-time password: ")[-1].split(" ")[0]
    assert dialog.status.text() == (f"Created call taker 'dana'. One-time password: {one_time} — tell it to them; "
                                    "they choose their own at the first sign-in.")
    dialog.reject()

    console.window.sign_out_requested.emit()
    qtbot.waitUntil(lambda: console.ctx.actor is None)
    page = console.sign_in
    qtbot.keyClicks(page.username, "dana")
    qtbot.keyClicks(page.password, one_time)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.new_password.isVisible(), timeout=10_000)
    qtbot.keyClicks(page.new_password, "lantern orbit cactus")  # 20 characters: enough elsewhere, not here
    qtbot.keyClicks(page.repeat_password, "lantern orbit cactus")
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "at least" in page.error.text(), timeout=10_000)
    assert page.error.text() == ("The password must have at least 32 characters. A few unrelated words make a long "
                                 "password that is easy to remember.")
    qtbot.keyClicks(page.new_password, "lantern orbit cactus harbour violet")
    qtbot.keyClicks(page.repeat_password, "lantern orbit cactus harbour violet")
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=10_000)
    assert console.ctx.operator.username == "dana"
