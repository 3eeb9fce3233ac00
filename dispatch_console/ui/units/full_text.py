"""The units table shows why each unit was designated and why a notification failed in full, never "desig…".

The unit's call sign takes its contents' width; division, unit status and notification state are as wide as their
headings (or usual words) and wrap; "Why designated" takes what is left and wraps, the rows growing to fit. The Kind
column is left out: the reason names the kind ("proposed: school resource officer for Northview High School"). A
threat has a handful of units, so sizing rows to their contents costs nothing here (unlike the 10,000-row queue).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

# UnitsModel.HEADERS: "Unit", "Kind", …, "Why designated", "Notification"
UNIT_COLUMN, KIND_COLUMN, REASON_COLUMN, STATE_COLUMN = 0, 1, 4, 5
PADDING = 16


def show_in_full(table: QTableView) -> None:
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(UNIT_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
    metrics = QFontMetrics(header.font())
    model = table.model()
    for column in range(UNIT_COLUMN + 1, REASON_COLUMN):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        title = str(model.headerData(column, Qt.Orientation.Horizontal)) if model is not None else ""
        table.setColumnWidth(column, max(metrics.horizontalAdvance(title), metrics.horizontalAdvance("Citywide"))
                             + PADDING)
    header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.Interactive)
    table.setColumnWidth(STATE_COLUMN, metrics.horizontalAdvance("acknowledged") + PADDING)
    table.setColumnHidden(KIND_COLUMN, True)  # the reason names the kind ("school resource officer for …")
    header.setSectionResizeMode(REASON_COLUMN, QHeaderView.ResizeMode.Stretch)  # the reason gets the most room
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrapped text never needs it
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # a wider "Why designated" needs fewer lines: row heights follow the column (after the resize settles)
    header.sectionResized.connect(lambda column, *_: column == REASON_COLUMN and QTimer.singleShot(
        0, table, rows.doItemsLayout))
