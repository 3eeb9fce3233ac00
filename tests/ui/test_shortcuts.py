"""Keyboard first: every action of a fully built workspace has its own shortcut, and no key is shared.

Qt fires neither of two actions that share a key ("ambiguous shortcut"), so a clash silently disables both.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.conftest import sign_in


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
