"""IT sets up a new console PC: the first start asks training or live, tests the database and the backend, and
writes nothing until Finish.

Everything is real: the dialog is driven with key events, the databases are real SQLite files and a real PostgreSQL
server, the backend is the reference backend on loopback, and the keyring is the tests' in-memory keyring backend.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import open_database
from dispatch_console.domain.enums import Role
from dispatch_console.gateway.demo_units import DEMO_UNITS
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import center_key, operators
from dispatch_console.services.first_run import NO_CENTER_KEY
from dispatch_console.services.second_factor import Policy
from dispatch_console.settings import Settings, config_dir, load_settings
from dispatch_console.ui.first_run import FirstRunDialog, first_run_if_needed
from tests.conftest import MemoryKeyring

TOKEN = "first-run-token-4Rk9wQz7LmP2xVb8NcT5"  # 32+ characters, as the hardened gateway requires
SETTINGS = Settings(console_name="dispatch-07")


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ReferenceBackend]:
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "backend.sqlite3", deliver_after=0.05, ack_after=None)
    server.start()
    yield server
    server.close()


@pytest.fixture
def dialog(qtbot: QtBot) -> Iterator[FirstRunDialog]:
    shown = FirstRunDialog(SETTINGS)
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)


def retype(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Select what is in the field and type over it, as a technician does."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def press(qtbot: QtBot, button: QWidget) -> None:
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def choose_live(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    press(qtbot, dialog.live)
    assert dialog.live.isChecked() and dialog.live_page.isVisible()


def wait_text(qtbot: QtBot, label: object, *, not_: str) -> str:
    qtbot.waitUntil(lambda: label.text() not in ("", not_), timeout=15_000)  # type: ignore[attr-defined]
    return str(label.text())  # type: ignore[attr-defined]


def fill_backend(qtbot: QtBot, dialog: FirstRunDialog, url: str, token: str) -> str:
    retype(qtbot, dialog.backend_url, url)
    retype(qtbot, dialog.token, token)
    dialog.backend_message.clear()
    press(qtbot, dialog.test_backend)
    return wait_text(qtbot, dialog.backend_message, not_="Calling the backend …")


def fill_admin(qtbot: QtBot, dialog: FirstRunDialog, password: str, repeat: str) -> None:
    retype(qtbot, dialog.admin_username, "chief")
    retype(qtbot, dialog.admin_name, "Chief Admin")
    retype(qtbot, dialog.admin_password, password)
    retype(qtbot, dialog.admin_repeat, repeat)


def finish(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    """Enter presses the default button, Finish; wait until the dialog closed or said why it could not."""
    dialog.console_name.setFocus()  # Enter on a focused "Test" button would press that button instead
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.finish_button.isEnabled() or dialog.result() == QDialog.DialogCode.Accepted,
                    timeout=20_000)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.status.text()


def nothing_written(home: Path, keyring: MemoryKeyring, *files: Path) -> None:
    assert not (config_dir() / "settings.json").exists()
    assert keyring.values == {}
    assert [f for f in files if f.exists()] == []


def test_training_is_one_key_away_and_the_dialog_is_not_asked_again(
    qtbot: QtBot, dialog: FirstRunDialog, memory_keyring: MemoryKeyring
) -> None:
    assert dialog.training.isChecked() and not dialog.live_page.isVisible()
    retype(qtbot, dialog.console_name, "front-desk-2")
    finish(qtbot, dialog)
    saved = load_settings()
    assert (saved.backend_url, saved.console_name, saved.training) == ("", "front-desk-2", True)
    assert memory_keyring.values == {}
    assert first_run_if_needed(SETTINGS) is SETTINGS  # a settings file exists now: no dialog


def test_live_setup_on_sqlite_tests_both_connections_then_creates_the_first_admin(
    qtbot: QtBot, dialog: FirstRunDialog, backend: ReferenceBackend, tmp_path: Path,
    memory_keyring: MemoryKeyring, console_home: Path,
) -> None:
    center_db = tmp_path / "center" / "console.db"
    choose_live(qtbot, dialog)
    retype(qtbot, dialog.database, str(center_db))
    press(qtbot, dialog.test_database)
    assert wait_text(qtbot, dialog.database_message, not_="Connecting …") == (
        f"A new SQLite database will be created at {center_db} on Finish.")

    assert fill_backend(qtbot, dialog, backend.url, "x" * 40) == (
        "The backend is up but refused the token; check that it is this console's token and that it has not "
        "been revoked.")
    assert fill_backend(qtbot, dialog, backend.url, TOKEN) == (
        f"The backend is healthy and the token works: {len(DEMO_UNITS)} units on the roster.")
    nothing_written(console_home, memory_keyring, center_db)  # testing only looked

    press(qtbot, dialog.generate_key)  # the center's first console makes the key the others will be given
    new_key = dialog.center_key.text()
    assert dialog.center_key.echoMode() == QLineEdit.EchoMode.Normal and len(center_key.parse(new_key)) == 32
    assert dialog.key_message.text() == ("A new center key, stored on Finish. Copy it now: every other console of "
                                         "this center needs it (its first-run dialog, or provision-center-key).")
    nothing_written(console_home, memory_keyring, center_db)

    fill_admin(qtbot, dialog, "a-long-admin-password", "a-long-admin-password")
    retype(qtbot, dialog.console_name, "dispatch-07")
    finish(qtbot, dialog)

    saved = json.loads((config_dir() / "settings.json").read_text())
    assert (saved["database_url"], saved["backend_url"], saved["console_name"]) == (
        f"sqlite+pysqlite:///{center_db}", backend.url, "dispatch-07")
    assert TOKEN not in (config_dir() / "settings.json").read_text()
    assert new_key not in (config_dir() / "settings.json").read_text()
    assert memory_keyring.values == {("dispatch-console", "backend-token"): TOKEN,
                                     ("dispatch-console", "center-key"): new_key}
    db = open_database(saved["database_url"])
    try:  # the first admin signs in: the password is right, and the console can enrol their second factor
        with db.write() as session, pytest.raises(operators.SecondFactorNeeded) as next_step:
            operators.sign_in(session, username="chief", password="a-long-admin-password", console="dispatch-07",
                              policy=Policy(key=center_key.parse(new_key)))
        assert next_step.value.enrol
        with db.read() as session:
            (chief,) = operators.list_operators(session)
        assert (chief.display_name, chief.role) == ("Chief Admin", Role.ADMIN)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_live_setup_on_postgresql_keeps_the_password_in_the_keyring_and_skips_a_needless_admin(
    qtbot: QtBot, dialog: FirstRunDialog, backend: ReferenceBackend, pg_server, memory_keyring: MemoryKeyring,  # type: ignore[no-untyped-def]
) -> None:
    url = pg_server.create_database()
    name = url.rsplit("/", 1)[1]
    existing = open_database(url)
    from dispatch_console.db import migrate

    migrate.upgrade(existing)
    with existing.write() as session:
        operators.create_operator(session, username="boss", display_name="Boss", role=Role.ADMIN,
                                  password="boss-password-1")
    existing.dispose()

    choose_live(qtbot, dialog)
    retype(qtbot, dialog.database, url.replace("+psycopg", ""))
    retype(qtbot, dialog.database_password, "pg-secret-on-the-keyring")
    press(qtbot, dialog.test_database)
    assert wait_text(qtbot, dialog.database_message, not_="Connecting …") == (
        f"Connected to PostgreSQL database '{name}' on 127.0.0.1; it already has operators, so no first admin "
        "is needed.")
    assert not dialog.admin_box.isEnabled()
    fill_backend(qtbot, dialog, backend.url, TOKEN)
    the_centers_key = center_key.generate()  # shown by the center's first console
    retype(qtbot, dialog.center_key, the_centers_key)
    finish(qtbot, dialog)

    assert load_settings().database_url == url  # the driver is spelled out; the password is not in the URL
    assert memory_keyring.values == {
        ("dispatch-console", f"database:postgres@127.0.0.1/{name}"): "pg-secret-on-the-keyring",
        ("dispatch-console", "backend-token"): TOKEN,
        ("dispatch-console", "center-key"): the_centers_key,
    }
    db = open_database(url)
    try:
        with db.read() as session:
            assert [o.username for o in operators.list_operators(session)] == ["boss"]
    finally:
        db.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_step_says_what_is_wrong_and_nothing_is_written_until_finish_succeeds(
    qtbot: QtBot, dialog: FirstRunDialog, backend: ReferenceBackend, tmp_path: Path,
    memory_keyring: MemoryKeyring, console_home: Path,
) -> None:
    center_db = tmp_path / "console.db"
    choose_live(qtbot, dialog)
    retype(qtbot, dialog.database, "postgresql://dispatch:hunter2@db.example.org/cad")
    press(qtbot, dialog.test_database)
    assert wait_text(qtbot, dialog.database_message, not_="Connecting …") == (
        "Leave the password out of the URL and type it in the password field: it is kept in the OS keyring, "
        "never in the settings file.")

    assert fill_backend(qtbot, dialog, "http://cad.example.org/api", TOKEN) == (
        "Use https: the token must never cross the network in clear text (http only for this computer).")
    down = f"http://127.0.0.1:{_closed_port()}"
    assert fill_backend(qtbot, dialog, down, TOKEN).startswith(f"The backend at {down} did not answer: ")
    assert fill_backend(qtbot, dialog, backend.url, "") == (
        "Type the backend token your CAD team issued for this console.")

    retype(qtbot, dialog.database, str(center_db))
    fill_backend(qtbot, dialog, backend.url, TOKEN)
    fill_admin(qtbot, dialog, "a-long-admin-password", "a-long-admin-passwort")
    dialog.console_name.setFocus()
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    assert dialog.status.text() == "The two passwords differ; type the same password twice."

    retype(qtbot, dialog.admin_username, "")
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    assert wait_text(qtbot, dialog.status, not_="Setting up …") == (
        "Setup did not finish: The database has no operators yet: type a user name and password for the first "
        "admin.")
    assert dialog.result() != QDialog.DialogCode.Accepted
    nothing_written(console_home, memory_keyring, center_db)


def test_a_live_console_without_the_center_key_is_told_where_to_get_it_and_nothing_is_written(
    qtbot: QtBot, dialog: FirstRunDialog, backend: ReferenceBackend, tmp_path: Path,
    memory_keyring: MemoryKeyring, console_home: Path,
) -> None:
    """Admins and supervisors sign in with a second factor, which a console without the center key refuses: a live
    setup that finished without the key would leave the new first admin unable to sign in."""
    center_db = tmp_path / "console.db"
    choose_live(qtbot, dialog)
    retype(qtbot, dialog.database, str(center_db))
    fill_backend(qtbot, dialog, backend.url, TOKEN)
    fill_admin(qtbot, dialog, "a-long-admin-password", "a-long-admin-password")
    dialog.console_name.setFocus()
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    assert wait_text(qtbot, dialog.status, not_="Setting up …") == f"Setup did not finish: {NO_CENTER_KEY}"

    retype(qtbot, dialog.center_key, "not-a-key")
    dialog.console_name.setFocus()
    qtbot.keyClick(dialog.console_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "base64" in dialog.status.text(), timeout=15_000)
    assert dialog.status.text() == ("Setup did not finish: That is not a center key (expected the base64 text "
                                    "another console printed).")
    assert dialog.result() != QDialog.DialogCode.Accepted
    nothing_written(console_home, memory_keyring, center_db)


def test_a_console_set_up_again_keeps_the_center_key_it_already_holds(
    qtbot: QtBot, dialog: FirstRunDialog, backend: ReferenceBackend, tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    """A PC whose settings file was lost still has its key in the keyring: the empty field keeps it."""
    held = center_key.generate()
    memory_keyring.values[("dispatch-console", "center-key")] = held
    choose_live(qtbot, dialog)
    retype(qtbot, dialog.database, str(tmp_path / "console.db"))
    fill_backend(qtbot, dialog, backend.url, TOKEN)
    fill_admin(qtbot, dialog, "a-long-admin-password", "a-long-admin-password")
    finish(qtbot, dialog)
    assert memory_keyring.values[("dispatch-console", "center-key")] == held


def test_quitting_the_first_run_dialog_starts_nothing(qtbot: QtBot) -> None:
    def quit_when_shown() -> None:
        shown = QApplication.activeModalWidget()
        if not isinstance(shown, FirstRunDialog):
            QTimer.singleShot(20, quit_when_shown)
            return
        qtbot.keyClick(shown.quit, Qt.Key.Key_Space)

    QTimer.singleShot(0, quit_when_shown)
    assert first_run_if_needed(SETTINGS) is None
    assert not (config_dir() / "settings.json").exists()
