"""Which queue columns show and how wide: the words that matter are never cut off, the others give way first.

Priority, case number, alerts, target and countdown always show, at least as wide as the text they usually hold
(Alerts and Countdown as wide as their widest text among the rows in view, so an alert word is never elided; Target
as wide as the longest site name in view). When the table is too narrow (1366 px with the detail pane open, or
150 % scale) the less important columns hide, least important first, until everything fits without a horizontal
scrollbar; Target takes whatever width is left. :meth:`QueueColumns.required_width` is what the table needs for all
of that, so the Queue tab can give it that much of the splitter; the Target cell drops its kind tag before any of
the name (``target_cell.py``). The operator chooses columns from the header's context menu (or View → Queue
columns…) and resizes them; both are kept per operator (``operator_prefs``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView
from shiboken6 import isValid

from dispatch_console.ui import operator_prefs
from dispatch_console.ui.queue.model import (
    COL_AGE,
    COL_ALERTS,
    COL_CALL_TAKER,
    COL_CASE,
    COL_COUNTDOWN,
    COL_DIVISION,
    COL_NOTIFIED,
    COL_PRIORITY,
    COL_STATUS,
    COL_TARGET,
    COL_UNITS,
    COLUMNS,
    ROW_ROLE,
    QueueModel,
)
from dispatch_console.ui.queue.target_cell import TargetDelegate

# The widest text each column usually holds (bold, as P1 rows are): widths come from the font, not pixels.
SAMPLES = {
    COL_PRIORITY: "P1", COL_CASE: "TT-2026-00000", COL_ALERTS: "NOT NOTIFIED 59 min", COL_COUNTDOWN: "⚠ in 59 min",
    COL_STATUS: "Investigating", COL_AGE: "10 h 00 min", COL_UNITS: "SRO-04, NOR-P1", COL_NOTIFIED: "3/4 ack",
    COL_DIVISION: "Central", COL_CALL_TAKER: "calltaker",
}
ALWAYS = (COL_PRIORITY, COL_CASE, COL_ALERTS, COL_TARGET, COL_COUNTDOWN)
GROW = (COL_ALERTS, COL_COUNTDOWN)  # as wide as their widest text on screen: "in 1 day 23 h" is never "in 1 day 2…"
GIVE_WAY = (COL_CALL_TAKER, COL_DIVISION, COL_UNITS, COL_AGE, COL_NOTIFIED, COL_STATUS)  # first hides first
TARGET_MIN_SAMPLE = "Northview High School"  # the site's name must stay readable before any column gives way
TARGET_MAX_CHARS = 36  # a longer name does not push columns away: its generic words shorten (``target_cell.py``)
PADDING = 16  # the cell's text margins (≈ 8 px) and a little air
HEADER_EXTRA = 8  # a header section's own padding and border (the stylesheet's 3 px each side, 1 px border)


class QueueColumns(QObject):
    """Keeps ``view``'s columns fitted to its width; owns the column chooser and the operator's saved widths.

    Signals:
        required_changed(int): the width the table needs so that nothing that matters is cut changed.
    """

    required_changed = Signal(int)

    def __init__(self, view: QTableView, model: QueueModel, operator: str) -> None:
        super().__init__(view)
        self.view, self.model, self.operator = view, model, operator
        hidden = [str(c) for c in _as_list(operator_prefs.read(operator, "queue/hidden", []))]
        self.chosen_hidden: set[int] = {int(c) for c in hidden if c.isdigit() and int(c) in GIVE_WAY}
        saved = operator_prefs.read(operator, "queue/widths", {})
        pairs = [(str(k), str(v)) for k, v in dict(saved or {}).items()]
        self.saved_widths: dict[int, int] = {int(k): int(v) for k, v in pairs if k.isdigit() and v.isdigit()}
        self._fitting = False
        self.required = 0
        self._target_seen: tuple[object, int] = (None, 0)  # (viewport width and font, widest name seen at them)
        self.target_delegate = TargetDelegate(view)
        view.setItemDelegateForColumn(COL_TARGET, self.target_delegate)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(32)
        header.setSectionResizeMode(COL_TARGET, QHeaderView.ResizeMode.Stretch)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._on_resized)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)  # the name comes first; a cut tail still tells sites apart
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)  # a new text size or theme: the words' widths change
        self.fit()

    # --- widths ------------------------------------------------------------------------------------------------
    def natural_width(self, column: int) -> int:
        """Header title or usual widest text, whichever is wider (plus the cell's padding)."""
        bold = QFont(self.view.font())
        bold.setBold(True)
        cell = QFontMetrics(bold)
        head = QFontMetrics(self.view.horizontalHeader().font())
        sample, title = SAMPLES.get(column, ""), COLUMNS[column]
        width = max(cell.horizontalAdvance(sample) + PADDING, head.horizontalAdvance(title) + PADDING + HEADER_EXTRA)
        if column in GROW:
            width = max(width, self._widest_in_view(column, cell) + PADDING)
        return width

    def _widest_in_view(self, column: int, metrics: QFontMetrics) -> int:
        """The widest text of ``column`` among the rows on screen (a few dozen; never a walk over 10,000 rows)."""
        proxy = self.view.model()
        widest = 0
        for row in self._rows_in_view():
            text = proxy.index(row, column).data()
            if text:
                widest = max(widest, metrics.horizontalAdvance(str(text)))
        return widest

    def target_minimum(self) -> int:
        """The longest site name among the rows on screen (bold, as on P1 rows), up to ``TARGET_MAX_CHARS``
        average characters: Target is never narrower."""
        bold = QFont(self.view.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        floor = metrics.horizontalAdvance(TARGET_MIN_SAMPLE)
        widest = floor
        for row in self._rows_in_view():
            queue_row = self.view.model().index(row, COL_TARGET).data(ROW_ROLE)
            if queue_row is not None:
                widest = max(widest, metrics.horizontalAdvance(queue_row.target_name))
        width = min(widest, max(floor, metrics.averageCharWidth() * TARGET_MAX_CHARS)) + PADDING
        key = (self.view.viewport().width(), bold.key())
        if self._target_seen[0] == key:  # a shorter name scrolled into view: the columns stay as they are
            width = max(width, self._target_seen[1])
        self._target_seen = (key, width)
        return width

    def required_width(self, *, every_column: bool = False) -> int:
        """The table's width (frame and scroll bar included) that shows the columns that always show in full — or,
        with ``every_column``, all the columns the operator chose, at their widths."""
        view = self.view
        shown = [c for c in range(len(COLUMNS)) if c not in self.chosen_hidden] if every_column else ALWAYS
        widths = sum(max(self.natural_width(c), self.saved_widths.get(c, 0) if every_column else 0)
                     for c in shown if c != COL_TARGET)
        return widths + self.target_minimum() + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()

    def _rows_in_view(self) -> range:
        view = self.view
        first = max(view.rowAt(0), 0)
        last = view.rowAt(view.viewport().height() - 1)
        last = view.model().rowCount() - 1 if last < 0 else last
        return range(first, min(last, first + 200) + 1)

    def fit(self) -> None:
        """Show what fits, least important columns giving way first; Target stretches over what is left."""
        if self._fitting or not isValid(self.view):  # a resize while the view is being destroyed
            return
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False
        required = self.required_width()
        if required != self.required:
            self.required = required
            self.required_changed.emit(required)

    def _fit(self) -> None:
        view = self.view
        available = view.viewport().width()
        target_min = self.target_minimum()
        widths = {c: max(self.natural_width(c), self.saved_widths.get(c, 0)) for c in range(len(COLUMNS))
                  if c != COL_TARGET}
        shown = [c for c in range(len(COLUMNS)) if c not in self.chosen_hidden]
        for column in GIVE_WAY:
            if sum(widths[c] for c in shown if c != COL_TARGET) + target_min <= available:
                break
            if column in shown:
                shown.remove(column)
        for column in range(len(COLUMNS)):
            view.setColumnHidden(column, column not in shown)
            if column != COL_TARGET and column in shown and view.columnWidth(column) != widths[column]:
                view.setColumnWidth(column, widths[column])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self.fit)  # once the new font is in place (and never after the view is gone)
        return False

    def _on_resized(self, column: int, _old: int, new: int) -> None:
        """The operator dragged a column edge: keep that width for them (never narrower than its words)."""
        if self._fitting or column == COL_TARGET or new <= 0:
            return
        self.saved_widths[column] = new
        operator_prefs.write(self.operator, "queue/widths", {str(k): v for k, v in self.saved_widths.items()})
        self.fit()

    # --- the column chooser ---------------------------------------------------------------------------------------
    def set_chosen(self, column: int, visible: bool) -> None:
        """Show or hide one of the columns that may give way (the others always show)."""
        if column not in GIVE_WAY:
            return
        if visible:
            self.chosen_hidden.discard(column)
        else:
            self.chosen_hidden.add(column)
        operator_prefs.write(self.operator, "queue/hidden", sorted(self.chosen_hidden))
        self.fit()

    def chooser(self) -> QMenu:
        menu = QMenu("Queue columns", self.view)
        menu.setAccessibleName("Queue columns")
        for column in GIVE_WAY[::-1]:
            action = menu.addAction(COLUMNS[column])
            action.setCheckable(True)
            action.setChecked(column not in self.chosen_hidden)
            action.toggled.connect(lambda on, c=column: self.set_chosen(c, on))
        return menu

    def _header_menu(self, pos: QPoint) -> None:
        self.chooser().exec(self.view.horizontalHeader().mapToGlobal(pos))

    def open_chooser(self) -> None:
        """View → Queue columns…: the same menu, at the table's corner, for the keyboard."""
        self.chooser().exec(self.view.mapToGlobal(QPoint(0, 0)))


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
