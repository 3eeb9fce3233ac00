"""First start on an empty machine, sign-in, and the screen lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from dispatch_console.settings import data_dir
from tests.ui.conftest import sign_in


def test_first_start_creates_the_database_and_shows_the_sign_in(qtbot: QtBot, make_console, console_home: Path) -> None:  # type: ignore[no-untyped-def]
    assert not data_dir().exists()
    console = make_console()
    assert (data_dir() / "console.db").exists()
    window = console.window
    assert window.stack.currentWidget() is console.sign_in
    assert console.sign_in.button.isEnabled()
    assert "TRAINING" in window.banner.text()
    assert "calltaker / training-ct" in console.sign_in.extra.text()  # demo credentials shown in training
    assert "SQLite" in window.database_label.text()


def test_a_demo_supervisor_signs_in_by_keyboard(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    assert console.window.stack.currentWidget() is console.window.tabs
    assert "Sam Supervisor" in console.window.operator_label.text()


def test_a_wrong_password_is_explained_and_the_name_kept(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in_page = console.sign_in
    qtbot.keyClicks(sign_in_page.username, "supervisor")
    qtbot.keyClicks(sign_in_page.password, "nope")
    qtbot.keyClick(sign_in_page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong user name or password" in sign_in_page.error.text(), timeout=10_000)
    assert sign_in_page.username.text() == "supervisor"
    assert console.ctx.actor is None


def test_the_lock_screen_hides_case_data_and_keeps_what_was_typed(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    window = console.window
    typed = QLineEdit()
    window.tabs.addTab(typed, "Scratch")
    window.tabs.setCurrentWidget(typed)
    qtbot.keyClicks(typed, "caller says two students, gun, after school")

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked
    assert not window.tabs.isVisible()
    assert not window.menus["Threat"].isEnabled()

    qtbot.keyClicks(console.lock.password, "wrong-password")
    qtbot.keyClick(console.lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong password" in console.lock.error.text(), timeout=10_000)
    assert window.locked

    qtbot.keyClicks(console.lock.password, "training-sv")
    with qtbot.waitSignal(console.lock.unlocked, timeout=10_000):
        qtbot.keyClick(console.lock.password, Qt.Key.Key_Return)
    assert not window.locked and window.tabs.isVisible()
    assert typed.text() == "caller says two students, gun, after school"


def test_inactivity_locks_the_screen(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    console.window.idle.set_minutes(0.001)  # 60 ms instead of 15 minutes
    console.window.idle.set_enabled(True)
    with qtbot.waitSignal(console.window.lock_requested, timeout=5_000):
        pass
    assert console.window.locked


def test_an_admin_can_exempt_a_console_from_the_lock_audited(qtbot: QtBot, make_console, admin) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.services import audit, consoles

    console = make_console()
    with console.db.write() as session:
        consoles.set_lock_exempt(session, actor=admin, console="console-a", exempt=True)
    sign_in(qtbot, console)
    assert not console.window.idle.enabled
    with console.db.read() as session:
        (entry,) = audit.search(session, audit.AuditQuery(action="console.lock_exempt"))
    assert entry.operator == "admin" and entry.detail == {"exempt": True}


def test_lock_minutes_are_capped_at_thirty() -> None:
    from dispatch_console.settings import Settings

    assert Settings(lock_minutes=90).validated().lock_minutes == 30
    assert Settings().lock_minutes == 15


def test_an_admin_imports_a_bad_csv_and_sees_every_rejected_line(qtbot: QtBot, make_console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    bad = tmp_path / "district.csv"
    bad.write_text("name,kind,address,division\nGood School,school,1 Oak St,North\nBad,castle,2 Elm,North\n")
    console.admin_actions.import_sites(str(bad))
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in console.window.children()),
                    timeout=10_000)
    (box,) = [w for w in console.window.children() if isinstance(w, QMessageBox) and w.isVisible()]
    assert "Nothing was imported" in box.text() and "line 3:" in box.text()


def test_a_call_taker_cannot_exempt_a_console_and_is_told_why(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from dispatch_console.services import audit

    console = make_console()
    sign_in(qtbot, console, "calltaker", "training-ct")
    console.admin_actions.toggle_lock_exemption()
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in console.window.children()),
                    timeout=10_000)
    (box,) = [w for w in console.window.children() if isinstance(w, QMessageBox) and w.isVisible()]
    assert "Only an admin" in box.text()
    with console.db.read() as session:
        (entry,) = audit.search(session, audit.AuditQuery(action="console.lock_exempt"))
    assert (entry.operator, entry.outcome) == ("calltaker", "denied")


def test_signing_out_from_any_tab_leaves_the_sign_in_page_and_no_error(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    window = console.window
    for index in range(window.tabs.count()):  # visit every tab, focusing its first field, as an operator would
        window.tabs.setCurrentIndex(index)
        window.tabs.widget(index).setFocus()
        QApplication.processEvents()
    window.sign_out_requested.emit()
    assert window.stack.currentWidget() is console.sign_in and window.tabs.count() == 0
    assert console.ctx.actor is None
    sign_in(qtbot, console)
    assert window.tabs.count() >= 4


def test_guessing_at_the_lock_screen_locks_the_account_like_guessing_at_sign_in(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    """AC-7 counts every failed authentication: the lock page took unlimited guesses at the signed-in operator's
    password (audited, but never counted), so someone at an unattended console could guess on and on."""
    from dispatch_console.services import operators

    console = make_console()
    sign_in(qtbot, console)
    qtbot.keyClick(console.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    for attempt in range(5):
        console.lock.error.clear()
        qtbot.keyClicks(console.lock.password, f"guess-{attempt}")
        qtbot.keyClick(console.lock.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: console.lock.error.text() != "", timeout=10_000)
        assert console.lock.error.text() == "Wrong password. Try again, or ask a supervisor to sign you out."
    with console.db.read() as session:
        assert next(o for o in operators.list_operators(session) if o.username == "supervisor").locked

    console.lock.error.clear()
    qtbot.keyClicks(console.lock.password, "training-sv")  # the right password now tells the lock, and no more
    qtbot.keyClick(console.lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.lock.error.text() != "", timeout=10_000)
    assert console.lock.error.text() == ("This account is locked after too many failed sign-ins. An admin must "
                                         "release it.")
    assert console.window.locked
