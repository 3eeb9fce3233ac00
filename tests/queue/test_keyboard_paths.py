"""Keyboard paths through the queue that used to dead-end: F3 into the table, Tab into it after a search, and a
reveal whose names the pane did not show until the threat was selected again."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_console.ui.reports.dialogs import ReasonDialog
from dispatch_console.ui.reports.tab import ReportsTab
from tests.queue.factories import add_threat
from tests.queue.test_detail_pane_layout import signed_in_queue
from tests.ui.conftest import tab_of


def test_f3_puts_the_focus_in_the_queue_and_down_selects_the_most_urgent_threat_and_the_pane_follows(
    make_console: Any, qtbot: QtBot
) -> None:
    console, tab = signed_in_queue(make_console, qtbot)
    with console.db.write() as s:
        later = add_threat(s, priority="P3", target_name="Adams Middle School")
        urgent = add_threat(s, priority="P1", target_name="Lincoln High School")
    qtbot.waitUntil(lambda: tab.model.find(later) is not None and tab.model.find(urgent) is not None, timeout=5000)
    console.window.tabs.setCurrentWidget(console.window.tabs.widget(0))  # working in Intake
    console.window.activateWindow()
    qtbot.waitUntil(console.window.isActiveWindow)

    qtbot.keyClick(QApplication.focusWidget() or console.window, Qt.Key.Key_F3)
    assert console.window.tabs.currentWidget() is tab
    assert tab.view.hasFocus()
    assert tab.current_threat_id() is None  # F3 alone chooses nothing (and audits no view)

    qtbot.keyClick(tab.view, Qt.Key.Key_Down)
    assert tab.current_threat_id() == urgent
    qtbot.waitUntil(lambda: tab.pane.detail is not None and tab.pane.detail.row.threat_id == urgent, timeout=3000)
    qtbot.keyClick(tab.view, Qt.Key.Key_Down)
    assert tab.current_threat_id() == later
    qtbot.waitUntil(lambda: tab.pane.detail is not None and tab.pane.detail.row.threat_id == later, timeout=3000)


@pytest.mark.parametrize("chosen_before", [False, True], ids=["nothing-chosen", "chosen-one-filtered-out"])
def test_after_a_search_narrows_the_queue_tab_into_the_table_selects_the_row_it_lands_on(
    make_console: Any, qtbot: QtBot, chosen_before: bool
) -> None:
    console, tab = signed_in_queue(make_console, qtbot)
    with console.db.write() as s:
        lincoln = add_threat(s, priority="P1", target_name="Lincoln High School")
        adams = add_threat(s, priority="P3", target_name="Adams Middle School")
    qtbot.waitUntil(lambda: tab.model.find(adams) is not None and tab.model.find(lincoln) is not None, timeout=5000)
    console.window.tabs.setCurrentWidget(tab)
    console.window.activateWindow()
    qtbot.waitUntil(console.window.isActiveWindow)
    if chosen_before:
        tab.select_threat(lincoln)
        qtbot.waitUntil(lambda: tab.pane.detail is not None and tab.pane.detail.row.threat_id == lincoln, timeout=3000)

    tab.focus_search()
    qtbot.keyClicks(tab.search, "Adams")
    assert tab.proxy.rowCount() == 1
    qtbot.keyClick(tab.search, Qt.Key.Key_Tab)
    assert tab.view.hasFocus()
    assert tab.current_threat_id() == adams  # the row under the cursor is selected, not only outlined
    qtbot.waitUntil(lambda: tab.pane.detail is not None and tab.pane.detail.row.threat_id == adams, timeout=3000)


def test_after_an_audited_reveal_the_pane_shows_the_juvenile_identity_at_once(
    make_console: Any, qtbot: QtBot
) -> None:
    console, tab = signed_in_queue(make_console, qtbot)
    with console.db.write() as s:
        tid = add_threat(s, suspects=[{"name": "Jamie Doe", "age": 15, "grade": "9", "juvenile": True}])
    console.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.select_threat(tid), timeout=5000)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=3000)
    assert tab.pane.suspects.item(0).text() == "juvenile, 15, grade 9  [identity masked]"
    console.window.activateWindow()
    qtbot.waitUntil(console.window.isActiveWindow)

    reports: ReportsTab = tab_of(console, ReportsTab)
    qtbot.keyClick(QApplication.focusWidget() or console.window, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: reports.dialog is not None and reports.dialog.case.text() != "", timeout=5000)
    dialog = reports.dialog
    assert isinstance(dialog, ReasonDialog)
    qtbot.keyClicks(dialog.reason, "juvenile detective follow-up")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: tab.pane.suspects.item(0).text() == "Jamie Doe", timeout=5000)
    assert tab.current_threat_id() == tid  # nothing was re-selected to get there
