"""The units table model: translates ``UnitRow`` values for a ``QTableView``, nothing more.

Why a module of its own: the model is the one piece of the panel that ``qtmodeltester`` and the benchmarks exercise
without a console; it holds plain frozen rows (never ORM rows) and knows nothing about loading or actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from dispatch_console.domain.enums import DeliveryState
from dispatch_console.ui.queue.alert_colors import palette

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class UnitRow:
    """One line of the panel: a designated (or proposed) unit and its notification, if any."""

    unit_id: str
    kind: str
    division: str
    unit_status: str
    reason: str
    designated: bool
    proposed: bool
    notification_id: str = ""
    state: DeliveryState | None = None
    state_text: str = "not notified yet"
    round: int = 0

    @property
    def failed(self) -> bool:
        return self.state is DeliveryState.FAILED


class UnitsModel(QAbstractTableModel):
    """The panel's rows for a ``QTableView`` (through a sort proxy); it only translates ``UnitRow`` values."""

    HEADERS = ("Unit", "Kind", "Division", "Unit status", "Why designated", "Notification")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[UnitRow] = []
        self.folded = False  # a narrow pane: the unit status reads on a second line of the Unit cell

    def set_folded(self, folded: bool) -> None:
        """Show the unit status under the call sign, the division in its tooltip (their columns are hidden)."""
        if folded != self.folded:
            self.folded = folded
            if self.rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def set_rows(self, rows: list[UnitRow]) -> None:
        """Show ``rows``; a refresh that changed nothing (most of the once-a-second re-reads) touches nothing.

        When something did change, the model is reset rather than updated row by row: measured in
        ``benchmarks/notify_bench.py``, per-row ``dataChanged`` through the sort proxy and the resize-to-contents
        header cost the GUI thread more during a fan-out (≈30 ms gaps) than one reset (≈10 ms).
        """
        if rows == self.rows:
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            unit = row.unit_id if row.round == 0 else f"{row.unit_id} (escalation {row.round})"
            if self.folded and index.column() == 0:  # the division is in the reason and the tooltip
                unit = f"{unit}\n{row.unit_status}" if role == Qt.ItemDataRole.DisplayRole else (
                    f"{unit}, {row.division}, {row.unit_status}")
            values = (unit, row.kind, row.division, row.unit_status, row.reason, row.state_text)
            return values[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row.failed:
            return QBrush(palette()["unit-failed"])  # AA contrast on every theme (queue/alert_colors.py)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None
