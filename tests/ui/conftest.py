"""A console on a fresh, isolated machine: its own home folder, SQLite and (when wanted) the training backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from dispatch_console.app import Console
from dispatch_console.settings import Settings


@pytest.fixture
def make_console(qtbot: QtBot) -> Iterator:  # type: ignore[type-arg]
    consoles: list[Console] = []

    def make(*, database_url: str | None = None, start_backend: bool = False, **settings: object) -> Console:
        console = Console(settings=Settings(console_name="console-a", **settings).validated(),  # type: ignore[arg-type]
                          database_url=database_url, start_backend=start_backend)
        qtbot.addWidget(console.window)
        console.window.show()
        qtbot.waitUntil(lambda: console.ready, timeout=20_000)
        consoles.append(console)
        return console

    yield make
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(10_000)
    for console in consoles:
        console.shutdown()


def sign_in(qtbot: QtBot, console: Console, user: str = "supervisor", password: str = "training-sv") -> None:
    """Type the credentials the way an operator does and wait until the workspace is shown."""
    page = console.sign_in
    page.username.setFocus()
    qtbot.keyClicks(page.username, user)
    qtbot.keyClicks(page.password, password)
    from PySide6.QtCore import Qt

    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.ctx.actor is not None, timeout=10_000)
    qtbot.waitUntil(lambda: console.workspace.complete, timeout=10_000)  # the tabs after Intake come a turn later


def tab_of(console: Console, kind: type) -> Any:
    """The console's workspace tab of type ``kind`` (Intake, Queue, …)."""
    tabs = console.window.tabs
    for i in range(tabs.count()):
        if isinstance(tabs.widget(i), kind):
            return tabs.widget(i)
    raise AssertionError(f"no {kind.__name__} tab")


def answer(dialog_type: type, fill: Callable[[Any], None]) -> Callable[[Any], int]:
    """Stand in for the operator in front of a dialog: fill it in and press OK (as Enter would)."""

    def run(dialog: Any) -> int:
        assert isinstance(dialog, dialog_type)
        fill(dialog)
        dialog.accept()
        return int(dialog.result())

    return run
