"""The sign-in page is usable the moment it shows, and sign-in lands the operator in the intake form.

Story: a call-taker starts the console and, before the database has finished opening, types their name and
password and presses Enter. The press used to do nothing (the button looked enabled, the click was dropped); now
it is kept, the page says so, and the sign-in happens the moment the database is open. The workspace then opens
on the Intake tab with the cursor in its first field, so the operator types without pressing F2; the other tabs
follow a moment later.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_console.app import WORKSPACE_TABS, Console
from dispatch_console.settings import Settings
from dispatch_console.ui import workspace
from dispatch_console.ui.signin import QUEUED, SIGN_IN


@pytest.fixture
def slow_console(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Console, threading.Event]]:
    """A console whose database stays 'opening' until the test releases it."""
    release = threading.Event()
    prepare = Console._prepare_database

    def held(self: Console) -> bool:
        release.wait(20)
        return prepare(self)

    monkeypatch.setattr(Console, "_prepare_database", held)
    console = Console(settings=Settings(console_name="console-a").validated(), start_backend=False)
    qtbot.addWidget(console.window)
    console.window.show()
    yield console, release
    release.set()
    QThreadPool.globalInstance().waitForDone(10_000)
    console.shutdown()


def test_enter_pressed_while_the_database_opens_signs_in_once_it_is_open(
    qtbot: QtBot, slow_console: tuple[Console, threading.Event]
) -> None:
    console, release = slow_console
    page = console.sign_in
    assert page.subtitle.text() == "Opening the database …"
    qtbot.keyClicks(page.username, "calltaker")
    qtbot.keyClicks(page.password, "training-ct")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert page.error.text() == "Signing in as soon as the database is open …"
    assert console.ctx.actor is None

    release.set()
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=20_000)
    assert console.ctx.actor is not None and console.ctx.actor.username == "calltaker"
    assert page.error.text() == ""

    intake = console.window.tabs.widget(0)
    assert console.window.tabs.currentWidget() is intake
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and intake.isAncestorOf(QApplication.focusWidget()),
                    timeout=5_000)
    qtbot.waitUntil(lambda: console.workspace.complete, timeout=10_000)
    assert console.window.tabs.count() == len(WORKSPACE_TABS)


def test_a_click_while_the_database_opens_is_acknowledged_on_the_button_and_signs_in_once_it_is_open(
    qtbot: QtBot, slow_console: tuple[Console, threading.Event]
) -> None:
    """The issue's complaint: the button looked enabled and a click did nothing. Now the click is kept and shown."""
    console, release = slow_console
    page = console.sign_in
    assert page.button.isEnabled() and page.button.text() == SIGN_IN  # usable the moment it shows
    qtbot.keyClicks(page.username, "supervisor")
    qtbot.keyClicks(page.password, "training-sv")
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)

    assert (page.button.text(), page.button.isEnabled()) == (QUEUED, False)
    assert page.error.text() == "Signing in as soon as the database is open …"
    assert page.error.property("role") == "hint"  # news, not a fault
    assert console.ctx.actor is None

    release.set()
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=20_000)
    assert console.ctx.actor is not None and console.ctx.actor.username == "supervisor"
    assert (page.button.text(), page.error.text()) == (SIGN_IN, "")
    qtbot.waitUntil(lambda: console.workspace.complete, timeout=10_000)


def test_a_supervisor_who_types_in_the_intake_before_the_queue_is_built_stays_there(
    qtbot: QtBot, slow_console: tuple[Console, threading.Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor lands on the queue, but not by being pulled out of a report they already started."""
    console, release = slow_console
    release.set()
    qtbot.waitUntil(lambda: console.ready, timeout=20_000)
    imported = threading.Event()  # the other tabs' modules load on a worker: held here until the supervisor typed

    def held_import(name: str) -> object:
        if threading.current_thread() is not threading.main_thread():
            imported.wait(20)
        return importlib.import_module(name)

    monkeypatch.setattr(workspace, "importlib", SimpleNamespace(import_module=held_import))
    page = console.sign_in
    qtbot.keyClicks(page.username, "supervisor")
    qtbot.keyClicks(page.password, "training-sv")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=20_000)
    assert not console.workspace.complete  # the Queue tab is still on its way
    intake = console.window.tabs.widget(0)
    field = QApplication.focusWidget()
    assert field is not None and intake.isAncestorOf(field)
    qtbot.keyClicks(field, "Pat")
    imported.set()

    qtbot.waitUntil(lambda: console.workspace.complete, timeout=10_000)
    assert console.window.tabs.currentWidget() is intake
    assert QApplication.focusWidget() is field and field.text() == "Pat"  # type: ignore[attr-defined]


def test_signing_out_before_every_tab_is_built_builds_nothing_more(
    qtbot: QtBot, slow_console: tuple[Console, threading.Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    console, release = slow_console
    release.set()
    qtbot.waitUntil(lambda: console.ready, timeout=20_000)
    start = console.workspace.start
    signed_out: list[bool] = []

    def start_then_sign_out(ctx: object, tabs: object) -> None:  # the operator signs out at once (Ctrl+Shift+Q)
        start(ctx, tabs)  # type: ignore[arg-type]
        assert console.window.tabs.count() == 1
        console.window.sign_out_requested.emit()
        signed_out.append(True)

    monkeypatch.setattr(console.workspace, "start", start_then_sign_out)
    page = console.sign_in
    qtbot.keyClicks(page.username, "calltaker")
    qtbot.keyClicks(page.password, "training-ct")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(signed_out), timeout=20_000)
    assert console.ctx.actor is None and console.window.stack.currentWidget() is page
    for _ in range(len(WORKSPACE_TABS) + 2):
        QApplication.processEvents()
    assert console.window.tabs.count() == 0
    assert not console.workspace.complete
