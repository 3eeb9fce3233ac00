"""A console people with any eyesight can use: contrast measured on the running widgets, a high-contrast theme, a
text size that the layouts follow, a name for every control, and an F1 list that fits the screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dispatch_console.ui.contrast import contrast_ratio
from dispatch_console.ui.queue.model import COLUMNS
from dispatch_console.ui.theme import apply_theme
from tests.queue.factories import add_notification, add_threat
from tests.queue.test_triage_ui import queue_tab
from tests.ui.conftest import sign_in

AA_TEXT = 4.5


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Any]:
    """Apply a theme for one test and put the application back as it was."""
    before = qapp.styleSheet(), qapp.property("theme"), qapp.property("text_scale")

    def use(name: str) -> None:
        apply_theme(qapp, name, 1.0)

    yield use
    qapp.setStyleSheet(before[0])
    qapp.setProperty("theme", before[1])
    qapp.setProperty("text_scale", before[2])


def busy_console(make_console: Any, qtbot: QtBot) -> tuple[Any, Any]:
    """A supervisor's console whose queue shows every kind of alert."""
    console = make_console()
    sign_in(qtbot, console)
    with console.db.write() as s:
        add_threat(s, priority="P1", received_ago=timedelta(minutes=30), threatened_in=timedelta(minutes=20))
        overdue = add_threat(s, priority="P1", ack_overdue=True)
        add_notification(s, threat_id=overdue, unit_id="SRO-7", state="failed")
        add_threat(s, priority="P2", received_ago=timedelta(minutes=1))
    tab = queue_tab(console)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=5000)
    return console, tab


def background_of(widget: QWidget) -> QColor:
    """The colour behind a widget's text: its own background, or the first opaque one among its parents."""
    current: QWidget | None = widget
    while current is not None:
        color = current.palette().color(current.backgroundRole())
        if color.alpha() == 255:
            return color
        current = current.parentWidget()
    return QColor("#000000")


def text_pairs(root: QWidget) -> Iterator[tuple[str, QColor, QColor]]:
    """(what, text colour, background) for every visible enabled text widget and every table cell colour."""
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or not widget.isEnabled():
            continue
        if isinstance(widget, QLabel) and widget.text():
            yield (f"label {widget.text()[:30]!r}", widget.palette().color(widget.foregroundRole()),
                   background_of(widget))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            base = widget.palette().color(QPalette.ColorRole.Base)
            text = widget.palette().color(QPalette.ColorRole.Text)
            for row in range(min(model.rowCount(), 50)):
                for column in range(model.columnCount()):
                    index = model.index(row, column)
                    fore = index.data(Qt.ItemDataRole.ForegroundRole)
                    back = index.data(Qt.ItemDataRole.BackgroundRole)
                    back_color = back.color() if isinstance(back, QBrush) else base
                    fore_color = fore.color() if isinstance(fore, QBrush) else text
                    yield (f"{widget.accessibleName() or type(widget).__name__} cell {row},{column} "
                           f"{index.data()!r}", fore_color, back_color)


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast"])
def test_every_text_colour_of_the_queue_the_form_and_the_units_panel_reaches_wcag_aa(
    make_console: Any, qtbot: QtBot, themed: Any, theme: str
) -> None:
    themed(theme)
    console, tab = busy_console(make_console, qtbot)
    tab.select_threat(tab.model.row_at(0).threat_id)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=5000)
    failures = []
    for index in range(console.window.tabs.count()):  # the intake form, the queue with its pane, the others
        console.window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        for what, fore, back in text_pairs(console.window.tabs.currentWidget()):
            ratio = contrast_ratio(fore, back)
            if ratio < AA_TEXT:
                failures.append(f"{what}: {fore.name()} on {back.name()} = {ratio:.2f}")
    assert failures == [], "\n".join(failures)


def test_contrast_ratio_follows_the_wcag_formula() -> None:
    assert round(contrast_ratio(QColor("#000000"), QColor("#ffffff")), 2) == 21.0
    assert round(contrast_ratio(QColor("#777777"), QColor("#ffffff")), 2) == 4.48


def test_every_focusable_control_has_an_accessible_name(make_console: Any, qtbot: QtBot) -> None:
    console, tab = busy_console(make_console, qtbot)
    tab.select_threat(tab.model.row_at(0).threat_id)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=5000)
    unnamed = []
    for index in range(console.window.tabs.count()):
        console.window.tabs.setCurrentIndex(index)
        for widget in console.window.findChildren(QWidget):
            if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(console.window):
                continue
            if isinstance(widget.parentWidget(), QAbstractScrollArea) and widget is widget.parentWidget().viewport():
                continue  # a scroll area's viewport is the area itself to assistive technology
            if isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
                continue  # the editor inside a date, spin or combo box: the box carries the name
            interface = QAccessible.queryAccessibleInterface(widget)
            name = interface.text(QAccessible.Text.Name) if interface is not None else ""
            if not name.strip():
                unnamed.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parentWidget()).__name__}")
    assert sorted(set(unnamed)) == [], "\n".join(sorted(set(unnamed)))


def test_f1_lists_every_shortcut_by_task_fits_the_screen_scrolls_and_esc_closes(
    make_console: Any, qtbot: QtBot
) -> None:
    from dispatch_console.ui.shortcut_help import GROUPS, ShortcutHelp

    console = make_console()
    sign_in(qtbot, console)
    qtbot.keyClick(console.window, Qt.Key.Key_F1)
    dialog = console.window.shortcut_help
    assert isinstance(dialog, ShortcutHelp)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    area = dialog.screen().availableGeometry()
    assert dialog.frameGeometry().height() <= area.height() and dialog.width() <= area.width()
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    headings = [t for t in texts if t in GROUPS]
    assert headings == ["Call-taking", "Queue and triage", "Notification", "Reports", "Admin", "Console"]
    assert "Detail pane: Units & notification" in texts  # "&&" reads "&", and no mnemonic "&" shows
    assert "Save threat report" in texts and not any("&" in t and "& " not in t for t in texts)
    assert dialog.list_area.verticalScrollBar().maximum() > 0  # longer than the screen: it scrolls
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_ctrl_plus_makes_the_text_larger_the_queue_follows_and_the_size_is_kept_for_that_operator(
    make_console: Any, qtbot: QtBot, themed: Any
) -> None:
    themed("dark")
    console, tab = busy_console(make_console, qtbot)
    case_width = tab.view.columnWidth(COLUMNS.index("Case"))
    for _ in range(2):
        qtbot.keyClick(console.window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert console.window.text_size.point_size == 13.5
    assert QApplication.instance().property("text_scale") == 13.5 / 10.5  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: tab.view.columnWidth(COLUMNS.index("Case")) > case_width * 1.2, timeout=3000)
    qtbot.keyClick(console.window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert console.window.text_size.point_size == 12.0

    console.window.sign_out_requested.emit()
    sign_in(qtbot, console)  # the same operator again: their size comes back
    assert console.window.text_size.point_size == 12.0
    qtbot.keyClick(console.window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert console.window.text_size.point_size == 10.5


def test_the_contrast_check_sees_the_alert_colours_of_the_queue(make_console: Any, qtbot: QtBot, themed: Any) -> None:
    """The walk above measures real colours: the queue's alert cells are among them, and a bad one is caught."""
    themed("light")
    console, tab = busy_console(make_console, qtbot)
    console.window.tabs.setCurrentWidget(tab)
    pairs = list(text_pairs(tab.view))
    assert any("ACK OVERDUE" in what for what, _f, _b in pairs)
    assert contrast_ratio(QColor("#e8a200"), QColor("#ffffff")) < AA_TEXT  # the old "soon" orange on white
