"""The units table shows why each unit was designated and why a notification failed in full, never "desig…".

The unit's call sign takes its contents' width; division and unit status are as wide as their headings (or usual
words); "Why designated" and the notification state share what is left and wrap, the rows growing to fit. In a
narrow pane (a 1366 px screen, or 150 % scale, with the queue beside it) division and unit status give way first:
the status moves under the call sign ("SRO-14" / "available"; the division is in the reason and the cell's tooltip),
so the two columns that carry sentences keep a readable width; they share it in proportion to their longest text.
The table is never shorter than its first three rows (the section scrolls instead). The Kind column is left out: the
reason names the kind ("proposed: school resource officer for Northview High School"). A threat has a handful of
units, so sizing rows to their contents costs nothing here (unlike the 10,000-row queue).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView

# UnitsModel.HEADERS: "Unit", "Kind", "Division", "Unit status", "Why designated", "Notification"
UNIT_COLUMN, KIND_COLUMN, DIVISION_COLUMN, STATUS_COLUMN, REASON_COLUMN, STATE_COLUMN = range(6)
PADDING = 16
REASON_SAMPLE = "proposed: school resource"  # "Why designated" gets at least this much before the columns fold
STATE_SAMPLE = "✔ acknowledged by"
SHOWN_ROWS, MAX_MINIMUM = 3, 260  # the table is at least as tall as its first three rows (at most 260 px of them)


class _Arranger(QObject):
    """Re-arranges the table's columns whenever its width changes (a moved splitter, a new text size)."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self.table = table
        self._busy = False
        table.viewport().installEventFilter(self)
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self.arrange()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and watched is self.table:
            QTimer.singleShot(0, self, self.arrange)  # once the new font is in place
        return False

    def fit_height(self) -> None:
        """Never shorter than its first rows (up to three, as wrapped), so the sentences are never squeezed away."""
        table = self.table
        rows = table.verticalHeader()
        shown = sum(rows.sectionSize(r) for r in range(min(table.model().rowCount(), SHOWN_ROWS)))
        shown = max(shown, rows.defaultSectionSize())
        table.setMinimumHeight(min(shown, MAX_MINIMUM) + table.horizontalHeader().height() + 2 * table.frameWidth())

    def arrange(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            arrange(self.table)
        finally:
            self._busy = False


def _units_model(table: QTableView) -> object:
    model = table.model()
    source = getattr(model, "sourceModel", None)
    return source() if callable(source) else model


def arrange(table: QTableView) -> None:
    """Fit the columns to the table's current width: fold division and status when the sentences would be cramped."""
    model = table.model()
    if model is None:
        return
    header = table.horizontalHeader()
    metrics = QFontMetrics(table.font())
    head = QFontMetrics(header.font())
    unit_width = max(head.horizontalAdvance("Unit"), metrics.horizontalAdvance("NOR-SUP")) + PADDING
    side = {column: max(head.horizontalAdvance(str(model.headerData(column, Qt.Orientation.Horizontal))),
                        metrics.horizontalAdvance("Citywide")) + PADDING
            for column in (DIVISION_COLUMN, STATUS_COLUMN)}
    reason_min = metrics.horizontalAdvance(REASON_SAMPLE) + PADDING
    state_min = metrics.horizontalAdvance(STATE_SAMPLE) + PADDING
    available = table.viewport().width()
    folded = available < unit_width + sum(side.values()) + reason_min + state_min
    units = _units_model(table)
    if hasattr(units, "set_folded"):
        units.set_folded(folded)
    else:
        folded = False
    for column in (DIVISION_COLUMN, STATUS_COLUMN):
        table.setColumnHidden(column, folded)
        if not folded:
            table.setColumnWidth(column, side[column])
    # as wide as its contents: the call sign (and, folded, the unit's status under it)
    unit_width = max(head.horizontalAdvance("Unit") + PADDING, table.sizeHintForColumn(UNIT_COLUMN))
    table.setColumnWidth(UNIT_COLUMN, unit_width)
    fixed = unit_width + (0 if folded else sum(side.values()))
    share = max(available - fixed, 0)
    table.setColumnWidth(STATE_COLUMN, max(head.horizontalAdvance("Notification") + PADDING,
                                           int(share * _state_share(table, metrics))))


def _state_share(table: QTableView, metrics: QFontMetrics) -> float:
    """The notification state's share of the sentence columns: as long as it is beside the reason, so a long
    failure and a long reason wrap into about as many lines and no row is tall for one of them alone."""
    model = table.model()
    longest = {column: max((metrics.horizontalAdvance(str(model.index(r, column).data() or ""))
                            for r in range(model.rowCount())), default=0) for column in (REASON_COLUMN, STATE_COLUMN)}
    total = longest[REASON_COLUMN] + longest[STATE_COLUMN]
    return 0.4 if total == 0 else min(max(longest[STATE_COLUMN] / total, 0.3), 0.5)


def show_in_full(table: QTableView) -> None:
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    for column in (UNIT_COLUMN, DIVISION_COLUMN, STATUS_COLUMN, STATE_COLUMN):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    table.setColumnHidden(KIND_COLUMN, True)  # the reason names the kind ("school resource officer for …")
    header.setSectionResizeMode(REASON_COLUMN, QHeaderView.ResizeMode.Stretch)  # the reason gets the most room
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # wrapped text never needs it
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # a wider "Why designated" needs fewer lines: row heights follow the column (after the resize settles)
    header.sectionResized.connect(lambda column, *_: column in (REASON_COLUMN, STATE_COLUMN) and QTimer.singleShot(
        0, table, rows.doItemsLayout))
    arranger = _Arranger(table)
    table.model().modelReset.connect(lambda: QTimer.singleShot(0, arranger, arranger.arrange))  # new call signs
    rows.sectionResized.connect(lambda *_: QTimer.singleShot(0, arranger, arranger.fit_height))
    arranger.arrange()
