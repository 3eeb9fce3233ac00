"""Keyboard first: every action of a fully built workspace has its own shortcut, and no key is shared.

Qt fires neither of two actions that share a key ("ambiguous shortcut"), so a clash silently disables both. That
holds for mnemonics too: "Retry fai&led" in the units panel (Alt+L) disabled "Link to possible duplicate" (Alt+L).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from dispatch_console.ui.queue.tab import QueueTab
from dispatch_console.ui.units.panel import UnitsPanel
from tests.ui.conftest import sign_in, tab_of


def _window_keys(window: QWidget) -> dict[str, list[str]]:
    """Every key that works anywhere in the window: action shortcuts and the menu bar's Alt+letter."""
    owners: dict[str, list[str]] = defaultdict(list)
    for action in window.actions():
        for key in action.shortcuts():
            owners[key.toString()].append(action.text().replace("&", ""))
    for menu in window.menuBar().actions():  # type: ignore[attr-defined]
        mnemonic = QKeySequence.mnemonic(menu.text()).toString()
        if mnemonic:
            owners[mnemonic].append(f"{menu.text().replace('&', '')} menu")
    return owners


def _mnemonics(page: QWidget) -> dict[str, list[str]]:
    """The Alt+letter of every button, group box and buddied label on ``page`` (they work while it is shown)."""
    owners: dict[str, list[str]] = defaultdict(list)
    texts = [w.text() for w in page.findChildren(QAbstractButton)]
    texts += [w.title() for w in page.findChildren(QGroupBox)]
    texts += [w.text() for w in page.findChildren(QLabel) if w.buddy() is not None]
    for text in texts:
        mnemonic = QKeySequence.mnemonic(text).toString()
        if mnemonic:
            owners[mnemonic].append(text.replace("&", ""))
    return owners


@pytest.mark.parametrize(("user", "password"), [("admin", "training-ad"), ("calltaker", "training-ct")])
def test_no_two_actions_share_a_key_once_every_tab_is_built(qtbot: QtBot, make_console, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console, user, password)
    window = console.window
    assert window.tabs.count() >= 4  # intake, queue, reports, audit
    owners: dict[str, list[str]] = defaultdict(list)
    for action in window.actions():
        for key in action.shortcuts():
            owners[key.toString()].append(action.text().replace("&", ""))
    clashes = {key: names for key, names in owners.items() if len(names) > 1}
    assert clashes == {}
    without_key = [a.text() for a in window.actions() if a.text() and not a.shortcuts()]
    assert without_key == []


@pytest.mark.parametrize(("user", "password"), [("supervisor", "training-sv"), ("calltaker", "training-ct")])
def test_no_mnemonic_of_the_queue_and_its_units_panel_shares_a_key_with_the_window(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_console, user: str, password: str
) -> None:
    console = make_console()
    sign_in(qtbot, console, user, password)
    queue: QueueTab = tab_of(console, QueueTab)
    panel = queue.pane.units_panel
    assert isinstance(panel, UnitsPanel) and queue.isAncestorOf(panel)
    assert _mnemonics(panel)  # the panel's own accelerators are among those checked
    owners = _window_keys(console.window)
    for key, names in _mnemonics(queue).items():
        owners[key].extend(names)
    clashes = {key: names for key, names in owners.items() if len(names) > 1}
    assert clashes == {}
    retry = console.window.actions_by_name["retry_failed"]  # F1 lists the window's named actions
    assert (retry.text().replace("&", ""), retry.shortcut().toString()) == ("Retry failed notifications", "Ctrl+Shift+Y")
