"""User stories of the detail pane on a long shift: what a supervisor sees without scrolling, and with the keyboard."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from dispatch_console.db.engine import Database
from dispatch_console.ui import worker
from dispatch_console.ui.queue.detail import EMPTY_HINT, SECTION_DETAILS, SECTION_TIMELINE, SECTION_UNITS
from dispatch_console.ui.queue.model import COL_PRIORITY, COL_TARGET
from tests.queue.conftest import sign_in
from tests.queue.factories import add_threat
from tests.queue.test_live_queue import MakeTab, make_tab
from tests.queue.test_triage_ui import queue_tab

__all__ = ["make_tab"]


def fully_inside(widget: QWidget, outer: QWidget) -> bool:
    """True when ``widget`` is shown and its whole rectangle lies inside ``outer`` (nothing to scroll to)."""
    top_left = widget.mapTo(outer, QPoint(0, 0))
    return widget.isVisible() and outer.rect().contains(QRect(top_left, widget.size()))


def test_with_no_threat_selected_the_pane_shows_only_a_hint_and_no_empty_fields(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s)
    tab = make_tab(str(sqlite_db.url))
    pane = tab.pane
    assert pane.hint.isVisible() and pane.hint.text() == EMPTY_HINT
    assert not pane.sections.isVisible() and not pane.button_box.isVisible()
    assert not any(value.isVisible() for value in pane.fields.values())

    tab.select_threat(tid)
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=3000)
    assert not pane.hint.isVisible() and pane.sections.isVisible() and pane.button_box.isVisible()

    tab.view.selectionModel().clearCurrentIndex()  # the operator leaves the threat: back to the hint
    pane.set_threat(None)
    assert pane.hint.isVisible() and not pane.sections.isVisible()


def test_the_units_panel_and_its_notify_button_are_visible_without_scrolling_once_a_threat_is_selected(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s, priority="P1", suspects=[{"name": "A B", "age": 15, "grade": "9"}])
    tab = make_tab(str(sqlite_db.url))
    tab.resize(1920, 1000)
    tab.select_threat(tid)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=3000)
    panel = tab.pane.units_panel
    assert panel is not None
    assert tab.pane.sections.currentIndex() == SECTION_UNITS
    assert fully_inside(panel.notify_button, tab.pane)
    assert fully_inside(panel.table, tab.pane)
    for name in ("priority", "close", "note"):  # the actions stay on top, above the sections
        assert fully_inside(tab.pane.buttons[name], tab.pane)


def test_a_short_suspects_list_is_as_tall_as_its_rows_and_empty_optional_fields_are_hidden(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s, suspects=[{"name": "A B", "age": 15, "grade": "9"}])
    tab = make_tab(str(sqlite_db.url))
    tab.select_threat(tid)
    pane = tab.pane
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=3000)
    pane.show_section(SECTION_DETAILS)
    assert pane.suspects.count() == 1
    assert pane.suspects.height() < 3 * pane.suspects.sizeHintForRow(0)
    assert pane.units.item(0).text() == "none assigned yet"
    form: QFormLayout = pane.form
    assert not form.isRowVisible(pane.fields["outcomes"])  # an open case has no outcome: no empty "Outcomes" row
    assert form.isRowVisible(pane.fields["statement"])
    for key, value in pane.fields.items():  # every field keeps a visible label bound to it and a name
        label = form.labelForField(value)
        assert isinstance(label, QLabel) and label.buddy() is value, key
        assert value.accessibleName()


def test_the_threatened_time_reads_in_minutes_and_ticks_with_the_queue_clock_without_reading_the_database(
    make_tab: MakeTab, sqlite_db: Database, qtbot: QtBot
) -> None:
    with sqlite_db.write() as s:
        tid = add_threat(s, threatened_in=timedelta(hours=3, minutes=10))  # said as "after school"
    tab = make_tab(str(sqlite_db.url))
    tab.select_threat(tid)
    pane = tab.pane
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=3000)
    at = pane.detail.row.threatened_at  # type: ignore[union-attr]
    tab.live.timer.stop()  # only the clock may run now
    if tab.pane.units_panel is not None:
        tab.pane.units_panel.timer.stop()
    qtbot.waitUntil(lambda: worker.pending() == 0, timeout=3000)  # a read already under way is not the clock's
    queries: list[str] = []
    event.listen(tab.ctx.db.read_engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    event.listen(tab.ctx.db.write_engine, "before_cursor_execute", lambda *a: queries.append(a[2]))

    pane.tick(at - timedelta(hours=5, seconds=30))  # as if it were earlier in the day
    text = pane.fields["threatened"].text()
    assert text == f"{at.astimezone(UTC).strftime('%a %d %b %H:%M')} — in 5 h (after school)"
    assert text.count(":") == 1  # hours and minutes, no seconds
    assert "in 5 h (after school)" in pane.summary.text()

    with qtbot.waitSignal(tab.clock.timeout, timeout=2500):  # the queue's one-second clock brings it to now
        pass
    assert pane.fields["threatened"].text().endswith(" — in 3 h 9 min (after school)")
    assert "in 3 h 9 min" in pane.summary.text()
    assert queries == []


def signed_in_queue(make_console: Any, qtbot: QtBot) -> tuple[Any, Any]:
    """A console with a demo supervisor signed in, and its Queue tab."""
    console = make_console()
    sign_in(qtbot, console)
    return console, queue_tab(console)


def test_alt_1_2_3_bring_the_pane_sections_to_the_front_with_the_focus_in_them(
    make_console: Any, qtbot: QtBot
) -> None:
    console, tab = signed_in_queue(make_console, qtbot)
    with console.db.write() as s:
        tid = add_threat(s, priority="P1")
    console.window.tabs.setCurrentWidget(console.window.tabs.widget(0))  # working elsewhere (Intake)
    qtbot.waitUntil(lambda: tab.model.find(tid) is not None, timeout=5000)
    tab.select_threat(tid)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=3000)
    console.window.activateWindow()

    def press(digit: Qt.Key) -> None:
        qtbot.keyClick(QApplication.focusWidget() or console.window, digit, Qt.KeyboardModifier.AltModifier)

    press(Qt.Key.Key_2)
    assert console.window.tabs.currentWidget() is tab
    assert tab.pane.sections.currentIndex() == SECTION_DETAILS
    assert tab.pane.sections.currentWidget().hasFocus()
    press(Qt.Key.Key_3)
    assert tab.pane.sections.currentIndex() == SECTION_TIMELINE and tab.pane.timeline.hasFocus()
    press(Qt.Key.Key_1)
    assert tab.pane.sections.currentIndex() == SECTION_UNITS
    assert tab.pane.units_panel.table.hasFocus()  # Tab from here reaches "Notify designated units"


def test_the_section_keys_are_listed_with_the_queue_shortcuts() -> None:
    from dispatch_console.ui.queue.tab import SHORTCUTS

    assert ("Detail pane: Units and notification", "Alt+1") in SHORTCUTS
    assert [key for _name, key in SHORTCUTS].count("Alt+2") == 1



def test_no_alt_letter_is_used_twice_on_the_queue_screen(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    """Alt+letter on a label or button must reach exactly one control (menus included), or Qt only cycles focus."""
    import re
    from collections import Counter

    from PySide6.QtWidgets import QAbstractButton, QLabel

    from dispatch_console.ui.queue.tab import QueueTab
    from tests.ui.conftest import sign_in

    console = make_console()
    sign_in(qtbot, console)
    window = console.window
    queue = next(window.tabs.widget(i) for i in range(window.tabs.count())
                 if isinstance(window.tabs.widget(i), QueueTab))
    letters: Counter[str] = Counter()
    for menu in window.menuBar().actions():
        found = re.search(r"&(\w)", menu.text())
        if found:
            letters[found.group(1).lower()] += 1
    for widget in queue.findChildren(QLabel) + queue.findChildren(QAbstractButton):
        found = re.search(r"&(\w)", widget.text().replace("&&", ""))
        if found:
            letters[found.group(1).lower()] += 1
    assert [letter for letter, n in letters.items() if n > 1] == []


def test_a_supervisor_sorts_the_queue_from_the_keyboard_and_returns_to_triage_order(
    make_console: Any, qtbot: QtBot
) -> None:
    console, tab = signed_in_queue(make_console, qtbot)
    with console.db.write() as s:
        zeta = add_threat(s, priority="P2", target_name="Zeta Academy")
        alpha = add_threat(s, priority="P3", target_name="Alpha Elementary")
        midway = add_threat(s, priority="P1", target_name="Midway Middle School")
    console.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=5000)
    console.window.activateWindow()
    tab.view.setFocus()
    tab.view.setCurrentIndex(tab.proxy.index(0, COL_PRIORITY))

    def ids() -> list[int]:
        return [tab.proxy.threat_id_at(r) for r in range(tab.proxy.rowCount())]  # type: ignore[misc]

    def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        qtbot.keyClick(QApplication.focusWidget() or console.window, key, modifiers)

    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    assert ids() == [midway, zeta, alpha]
    for _ in range(COL_TARGET):  # arrow keys to the Target column
        press(Qt.Key.Key_Right)
    assert tab.view.currentIndex().column() == COL_TARGET
    press(Qt.Key.Key_K, ctrl_shift)
    assert ids() == [alpha, midway, zeta]
    assert tab.view.horizontalHeader().sortIndicatorSection() == COL_TARGET  # the header shows it too
    press(Qt.Key.Key_K, ctrl_shift)  # again: reversed
    assert ids() == [zeta, midway, alpha]
    assert tab.model.sort_order == (COL_TARGET, Qt.SortOrder.DescendingOrder)
    press(Qt.Key.Key_G, ctrl_shift)
    assert ids() == [midway, zeta, alpha]
    assert tab.model.sort_order == (COL_PRIORITY, Qt.SortOrder.AscendingOrder)
    assert tab.view.horizontalHeader().sortIndicatorSection() == COL_PRIORITY
