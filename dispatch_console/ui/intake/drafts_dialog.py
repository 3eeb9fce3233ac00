"""Offering drafts back after a crash: a short list, operated from the keyboard.

Enter restores the selected draft, Delete (or the Discard button) throws it away, Escape leaves them for later
(Threat > Recover drafts brings the list back). Restoring and discarding are audited by the service; the dialog only
asks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.services.drafts import DraftView


class DraftsDialog(QDialog):
    """Lists the operator's drafts; emits ``restore_requested`` / ``discard_requested`` with a ``DraftView``."""

    restore_requested = Signal(object)
    discard_requested = Signal(object)

    def __init__(self, views: list[DraftView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unsaved reports")
        self.setAccessibleName("Unsaved reports")
        column = QVBoxLayout(self)
        intro = QLabel("These reports were being typed and never saved (the console closed or crashed). Restore one "
                       "into the form, or discard it.")
        intro.setWordWrap(True)
        column.addWidget(intro)
        label = QLabel("&Drafts")
        self.list = QListWidget()
        self.list.setAccessibleName("Unsaved drafts")
        label.setBuddy(self.list)
        column.addWidget(label)
        column.addWidget(self.list)
        for view in views:
            stamp = view.updated_at.astimezone().strftime("%a %d %b %H:%M")
            item = QListWidgetItem(f"{stamp} on {view.console}: {view.summary}")
            item.setData(Qt.ItemDataRole.UserRole, view)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        row = QHBoxLayout()
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setDefault(True)
        self.restore_button.setAccessibleName("Restore the selected draft")
        self.discard_button = QPushButton("Dis&card")
        self.discard_button.setAccessibleName("Discard the selected draft")
        self.later_button = QPushButton("&Later")
        self.later_button.setAccessibleName("Keep the drafts for later")
        for button in (self.restore_button, self.discard_button, self.later_button):
            row.addWidget(button)
        column.addLayout(row)
        self.restore_button.clicked.connect(self._restore)
        self.discard_button.clicked.connect(self._discard)
        self.later_button.clicked.connect(self.reject)
        self.list.itemActivated.connect(lambda _item: self._restore())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self._discard,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.list.setFocus()

    def _current(self) -> DraftView | None:
        item = self.list.currentItem()
        view = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return view if isinstance(view, DraftView) else None

    def _restore(self) -> None:
        view = self._current()
        if view is not None:
            self.restore_requested.emit(view)
            self.accept()

    def _discard(self) -> None:
        view = self._current()
        if view is None:
            return
        self.discard_requested.emit(view)
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.accept()
