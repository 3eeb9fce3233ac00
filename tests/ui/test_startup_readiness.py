"""The sign-in page is usable the moment it shows, and sign-in lands the operator in the intake form.

Story: a call-taker starts the console and, before the database has finished opening, types their name and
password and presses Enter. The press used to do nothing (the button looked enabled, the click was dropped); now
it is kept, the page says so, and the sign-in happens the moment the database is open. The workspace then opens
on the Intake tab with the cursor in its first field, so the operator types without pressing F2; the other tabs
follow a moment later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_console.app import WORKSPACE_TABS, Console
from dispatch_console.settings import Settings


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
