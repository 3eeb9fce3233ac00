"""The queue's table: the row the keyboard cursor is on is the row that is selected, so the pane never disagrees.

Why a subclass: a plain ``QTableView`` that gains the focus by Tab puts its cursor on a row WITHOUT selecting it (the
row is outlined, the pane shows it, but nothing is "the current threat" for Notify or Reports). Here, arriving by
Tab selects the row the cursor lands on; arriving any other way (F3) with no row under the cursor chooses nothing,
so the first ↓ selects the most urgent threat (the top row) instead of skipping it.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QTableView

SELECT_ROW = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


class QueueView(QTableView):
    def focusInEvent(self, event: QFocusEvent) -> None:
        selection = self.selectionModel()
        by_tab = event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        if selection is None or self.currentIndex().isValid() or by_tab:
            super().focusInEvent(event)
        else:  # Qt would put the cursor on the first row, unselected: keep "nothing chosen" until ↓
            blocked = selection.blockSignals(True)
            try:
                super().focusInEvent(event)
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            finally:
                selection.blockSignals(blocked)
            return
        current = self.currentIndex()
        if selection is not None and current.isValid() and not selection.isRowSelected(current.row(), QModelIndex()):
            selection.setCurrentIndex(current, SELECT_ROW)
