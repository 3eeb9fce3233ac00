"""The units table shows why each unit was designated and why a notification failed in full, never "desig…".

The short columns (unit, kind, division, unit status) take their contents' width; "Why designated" and
"Notification" share what is left and wrap onto more lines, the rows growing to fit. A threat has a handful of
units, so sizing rows to their contents costs nothing here (unlike the 10,000-row queue).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableView

REASON_COLUMN, STATE_COLUMN = 4, 5  # "Why designated", "Notification" (UnitsModel.HEADERS)


def show_in_full(table: QTableView) -> None:
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    for column in range(REASON_COLUMN):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    for column in (REASON_COLUMN, STATE_COLUMN):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrapped text never needs it
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
