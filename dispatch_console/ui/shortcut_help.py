"""F1: every keyboard shortcut, grouped by task, in a window that fits the screen and scrolls (Esc closes).

Built from the window's actions, so a shortcut added anywhere appears here without a list to keep in step. The
menu texts' mnemonics are removed the way Qt shows them: "&Save" reads "Save", "Units && details" reads
"Units & details".
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.ui.theme import set_role

GROUPS = ("Call-taking", "Queue and triage", "Notification", "Reports", "Admin", "Console")
_CALL_TAKING = ("new_threat", "save_threat", "link_duplicate", "add_suspect", "recover_drafts", "tab_intake")
_NOTIFICATION = ("notify_units", "tab_queue_mute", "backend_settings")


def shown_text(text: str) -> str:
    """A menu text as the operator reads it: "&&" is a literal "&", a single "&" only marks the mnemonic."""
    return re.sub(r"&(&?)", r"\1", text).rstrip(" …").rstrip("…").strip()


def group_of(name: str, menu: str) -> str:
    if name.startswith(_CALL_TAKING):
        return "Call-taking"
    if name.startswith(_NOTIFICATION):
        return "Notification"
    if name.startswith("tab_queue"):
        return "Queue and triage"
    if name.startswith("tab_reports"):
        return "Reports"
    if menu == "Admin" or name.startswith("tab_audit"):
        return "Admin"
    return "Console"


def shortcut_groups(actions: dict[str, QAction], menus: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """{group: [(keys, what it does)]} for every action with a shortcut, in menu order within a group."""
    menu_of = {id(action): title for title, menu in menus.items() for action in menu.actions()}
    groups: dict[str, list[tuple[str, str]]] = {group: [] for group in GROUPS}
    for name, action in actions.items():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if keys:
            group = group_of(name, menu_of.get(id(action), ""))
            groups[group].append((" or ".join(keys), shown_text(action.text())))
    return {group: rows for group, rows in groups.items() if rows}


class ShortcutHelp(QDialog):
    """The F1 window: a heading per task, keys on the left, what they do on the right."""

    def __init__(self, parent: QWidget, groups: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        body = QWidget()
        grid = QGridLayout(body)
        grid.setColumnStretch(1, 1)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        row = 0
        for group, entries in groups.items():
            heading = QLabel(group)
            set_role(heading, "section")
            bold = heading.font()
            bold.setBold(True)
            heading.setFont(bold)
            grid.addWidget(heading, row, 0, 1, 2)
            row += 1
            for keys, text in entries:
                key_label = QLabel(keys)
                key_label.setFont(mono)
                what = QLabel(text)
                what.setWordWrap(True)
                grid.addWidget(key_label, row, 0)
                grid.addWidget(what, row, 1)
                row += 1
        self.list_area = QScrollArea()
        self.list_area.setAccessibleName("Shortcut list")
        self.list_area.setWidgetResizable(True)
        self.list_area.setWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close the shortcut list")
        column = QVBoxLayout(self)
        column.addWidget(self.list_area, 1)
        column.addWidget(buttons)
        self._fit_screen(body)

    def _fit_screen(self, body: QWidget) -> None:
        """As large as the list needs, never larger than 90 % of the screen's available area (then it scrolls)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        wanted = body.sizeHint()
        width = min(wanted.width() + 60, int(area.width() * 0.9))
        height = min(wanted.height() + 90, int(area.height() * 0.9))
        self.resize(width, height)


def show_shortcuts(window: Any) -> ShortcutHelp:
    """F1 from the main window: opens (non-blocking) and returns the dialog."""
    dialog = ShortcutHelp(window, shortcut_groups(window.actions_by_name, window.menus))
    window.shortcut_help = dialog
    dialog.open()
    return dialog
