"""A supervisor at a live console: the first sign-in shows a QR code to scan, later ones ask for the code, a wrong
name, password or locked account all read the same, and an export asks for the code again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from dispatch_console.app import Console
from dispatch_console.credentials import KeyringStore
from dispatch_console.db import migrate
from dispatch_console.db.engine import open_database
from dispatch_console.domain import totp
from dispatch_console.domain.enums import Role
from dispatch_console.services import center_key, operators
from dispatch_console.services.clock import utcnow
from dispatch_console.settings import Settings

PASSWORD = "watch-commander-7"


@pytest.fixture
def live_console(qtbot: QtBot, tmp_path: Path) -> Iterator[Console]:
    """A live-mode console (no demo operators) whose database already has a supervisor, and a provisioned key."""
    url = f"sqlite+pysqlite:///{tmp_path / 'center.db'}"
    db = open_database(url)
    migrate.upgrade(db)
    with db.write() as session:
        operators.create_operator(session, username="sam", display_name="Sam Sergeant", role=Role.SUPERVISOR,
                                  password=PASSWORD)
        operators.create_operator(session, username="lee", display_name="Lee", role=Role.CALL_TAKER,
                                  password="locked-out-account")
        operators.create_operator(session, username="casey", display_name="Casey", role=Role.CALL_TAKER,
                                  password="front-desk-calls")
        for attempt in range(5):
            with pytest.raises(operators.SignInError):
                operators.sign_in(session, username="lee", password=f"guess-{attempt}", console="x")
    db.dispose()
    center_key.provision(KeyringStore(), center_key.generate())
    console = Console(settings=Settings(console_name="console-a").validated(), database_url=url, training=False,
                      start_backend=False)
    qtbot.addWidget(console.window)
    console.window.show()
    qtbot.waitUntil(lambda: console.ready and console.sign_in.button.isEnabled(), timeout=20_000)
    yield console
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)
    console.shutdown()


def _type(qtbot: QtBot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.setFocus()
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _refusal(qtbot: QtBot, console: Console, user: str, password: str) -> str:
    page = console.sign_in
    page.error.clear()
    page.username.clear()
    qtbot.keyClicks(page.username, user)
    _type(qtbot, page.password, password)
    qtbot.waitUntil(lambda: page.error.text() != "" and page.button.isEnabled(), timeout=10_000)
    return page.error.text()


def test_wrong_name_wrong_password_and_locked_account_read_the_same(qtbot: QtBot, live_console: Console) -> None:
    messages = {_refusal(qtbot, live_console, user, "not-the-password") for user in ("nobody", "sam", "lee")}
    assert messages == {"Wrong user name or password. Check Caps Lock and try again."}


def test_first_sign_in_enrols_with_a_qr_code_and_later_ones_ask_for_the_code(qtbot: QtBot,
                                                                             live_console: Console) -> None:
    page = live_console.sign_in
    qtbot.keyClicks(page.username, "sam")
    _type(qtbot, page.password, PASSWORD)
    qtbot.waitUntil(lambda: page.enrolment.isVisible() and page.code.isVisible(), timeout=10_000)
    assert page.error.text() == "Set up your second factor to sign in."

    (decoded,) = zxingcpp.read_barcodes(page.enrolment.qr.image())  # what a phone's camera reads
    uri = urlparse(decoded.text)
    secret = parse_qs(uri.query)["secret"][0]
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/Threat%20dispatch%20console:sam")
    assert secret == page.enrolment.secret and page.enrolment.secret_text.text().replace(" ", "") == f"Key:{secret}"

    _type(qtbot, page.code, totp.code_at(secret, utcnow()))
    qtbot.waitUntil(lambda: live_console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: live_console.workspace.complete, timeout=10_000)  # the tabs after Intake
    assert page.recovery_dialog is not None and page.recovery_dialog.isVisible()
    assert len(page.recovery_dialog.codes) == 10
    page.recovery_dialog.accept()

    live_console.window.sign_out_requested.emit()
    qtbot.waitUntil(lambda: live_console.ctx.actor is None)
    qtbot.keyClicks(page.username, "sam")
    _type(qtbot, page.password, PASSWORD)
    qtbot.waitUntil(lambda: page.code.isVisible(), timeout=10_000)
    assert not page.enrolment.isVisible()
    _type(qtbot, page.code, "000000")
    qtbot.waitUntil(lambda: "not right" in page.error.text(), timeout=10_000)
    assert page.error.text() == ("That code is not right (or was already used). Type the current code from your "
                                 "authenticator app.")
    _type(qtbot, page.code, totp.code_at(secret, utcnow() + timedelta(seconds=30)))  # the enrolment code is used
    qtbot.waitUntil(lambda: live_console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: live_console.workspace.complete, timeout=10_000)  # the tabs after Intake
    assert live_console.ctx.operator.username == "sam"


def test_a_console_without_the_center_key_says_so(qtbot: QtBot, live_console: Console, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.values.clear()
    page = live_console.sign_in
    qtbot.keyClicks(page.username, "sam")
    _type(qtbot, page.password, PASSWORD)
    qtbot.waitUntil(lambda: page.error.text() != "", timeout=10_000)
    assert page.error.text() == center_key.MISSING
    assert live_console.ctx.actor is None and not page.code.isVisible()


def _enrol(qtbot: QtBot, console: Console) -> str:
    page = console.sign_in
    qtbot.keyClicks(page.username, "sam")
    _type(qtbot, page.password, PASSWORD)
    qtbot.waitUntil(lambda: page.enrolment.isVisible(), timeout=10_000)
    secret = page.enrolment.secret
    _type(qtbot, page.code, totp.code_at(secret, utcnow()))
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: console.workspace.complete, timeout=10_000)  # the tabs after Intake
    assert page.recovery_dialog is not None
    page.recovery_dialog.accept()
    return secret


def test_an_export_and_a_reveal_ask_for_the_code_again(qtbot: QtBot, live_console: Console, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from dispatch_console.db.models import AuditEntry
    from dispatch_console.ui.reports.tab import ReportsTab
    from dispatch_console.ui.second_factor import CodeDialog
    from tests.ui.conftest import tab_of

    secret = _enrol(qtbot, live_console)
    tab = tab_of(live_console, ReportsTab)
    qtbot.waitUntil(lambda: tab.report is not None, timeout=20_000)
    tab.export_csv(tmp_path / "cases.csv")
    dialog = tab.findChild(CodeDialog)
    assert dialog is not None and dialog.isVisible() and not (tmp_path / "cases.csv").exists()
    _type(qtbot, dialog.code, "000000")
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10_000)
    assert dialog.error.text() == ("That code is not right (or was already used). Type the current code from your "
                                   "authenticator app.")
    with qtbot.waitSignal(tab.exported, timeout=20_000):
        _type(qtbot, dialog.code, totp.code_at(secret, utcnow() + timedelta(seconds=30)))
    assert (tmp_path / "cases.csv").exists()
    with live_console.db.read() as session:
        steps = [(e.outcome, e.detail.get("purpose")) for e in session.execute(
            select(AuditEntry).where(AuditEntry.action == "step_up").order_by(AuditEntry.id)).scalars()]
    assert steps == [("denied", None), ("success", "export")]

    later = utcnow() + timedelta(minutes=2)  # the next code, two minutes on (the clock moved, not the test's time)
    monkeypatch.setattr("dispatch_console.services.second_factor.utcnow", lambda: later)
    reveal = tab.open_reveal()  # revealing a juvenile's identity: the code first, then the case and the reason
    code_dialog = next(d for d in tab.findChildren(CodeDialog) if d.isVisible())
    assert not reveal.isVisible()
    _type(qtbot, code_dialog.code, totp.code_at(secret, later))
    qtbot.waitUntil(reveal.isVisible, timeout=10_000)


def test_a_call_taker_may_set_up_a_second_factor_and_then_needs_it(qtbot: QtBot, live_console: Console) -> None:
    from PySide6.QtWidgets import QApplication

    from dispatch_console.ui.second_factor import CodeDialog, RecoveryCodesDialog

    page = live_console.sign_in
    qtbot.keyClicks(page.username, "casey")
    _type(qtbot, page.password, "front-desk-calls")  # optional for call-takers: the password alone
    qtbot.waitUntil(lambda: live_console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: live_console.workspace.complete, timeout=10_000)  # the tabs after Intake

    qtbot.keyClick(QApplication.focusWidget() or live_console.window, Qt.Key.Key_T,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    dialog = live_console.window.findChild(CodeDialog)
    assert dialog is not None and dialog.enrolment is not None
    (decoded,) = zxingcpp.read_barcodes(dialog.enrolment.qr.image())
    secret = parse_qs(urlparse(decoded.text).query)["secret"][0]
    assert secret == dialog.enrolment.secret
    _type(qtbot, dialog.code, totp.code_at(secret, utcnow()))
    qtbot.waitUntil(lambda: live_console.window.findChild(RecoveryCodesDialog) is not None, timeout=10_000)
    codes = live_console.window.findChild(RecoveryCodesDialog).codes  # type: ignore[union-attr]
    assert len(codes) == 10

    live_console.window.sign_out_requested.emit()
    qtbot.waitUntil(lambda: live_console.ctx.actor is None)
    qtbot.keyClicks(page.username, "casey")
    _type(qtbot, page.password, "front-desk-calls")
    qtbot.waitUntil(lambda: page.code.isVisible(), timeout=10_000)  # enrolled: now always asked
    _type(qtbot, page.code, codes[0])  # the phone is at home: a recovery code
    qtbot.waitUntil(lambda: live_console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: live_console.workspace.complete, timeout=10_000)  # the tabs after Intake


def test_exporting_a_case_as_eido_asks_for_the_code_again(qtbot: QtBot, live_console: Console,
                                                          tmp_path: Path) -> None:
    """Threat → Export as EIDO (Ctrl+Alt+X) writes a whole case to a file for another agency: exporting a case, so
    the current code is asked first, like the CSV and PDF exports. It used to write the file at once."""
    from sqlalchemy import select

    from dispatch_console.db.models import AuditEntry, ThreatRow
    from dispatch_console.ui.queue.tab import QueueTab
    from dispatch_console.ui.second_factor import CodeDialog
    from tests.queue.factories import add_threat
    from tests.queue.test_live_queue import shown_ids
    from tests.ui.conftest import tab_of

    secret = _enrol(qtbot, live_console)
    with live_console.db.write() as session:
        threat_id = add_threat(session, priority="P1")
        case_number = session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]
    tab: QueueTab = tab_of(live_console, QueueTab)
    live_console.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: threat_id in shown_ids(tab), timeout=10_000)
    tab.select_threat(threat_id)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=10_000)
    target = tmp_path / "case.eido.json"
    tab.pane.eido_export.choose_path = lambda _suggested: str(target)

    from PySide6.QtWidgets import QApplication

    live_console.window.activateWindow()
    qtbot.waitUntil(live_console.window.isActiveWindow, timeout=5_000)  # back from the recovery codes dialog
    qtbot.keyClick(QApplication.focusWidget() or live_console.window, Qt.Key.Key_X,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    dialogs = [d for d in live_console.window.findChildren(CodeDialog) if d.isVisible()]
    assert len(dialogs) == 1 and not target.exists()
    with qtbot.waitSignal(tab.pane.message, timeout=20_000) as said:
        _type(qtbot, dialogs[0].code, totp.code_at(secret, utcnow() + timedelta(seconds=30)))
    assert said.args == [f"Exported {case_number} as EIDO to {target} (the export is in the audit log).", True]
    with live_console.db.read() as session:
        steps = [(e.operator, e.outcome, e.detail.get("purpose")) for e in session.execute(
            select(AuditEntry).where(AuditEntry.action == "step_up")).scalars()]
    assert steps == [("sam", "success", "export")]
