"""Widgets of the detail pane that know nothing about threats: list boxes that size and scroll the way a
supervisor reading a case for twelve hours needs, and the fitting of the units panel's table into the pane."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QSizePolicy, QTableView, QWidget

from dispatch_console.ui.units.full_text import REASON_COLUMN, STATE_COLUMN, show_in_full


def fit_units_table(panel: QWidget) -> None:
    """Keep the panel's columns in a 700 px pane with "Why designated" and the notification state in full: they
    share the space left over and wrap (``units/full_text.py``). Only if the panel still has those columns, so the
    panel's own code stays free to change."""
    table = getattr(panel, "table", None)
    if not isinstance(table, QTableView) or table.model() is None:
        return
    model = table.model()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    if titles[REASON_COLUMN:STATE_COLUMN + 1] == ["Why designated", "Notification"]:
        show_in_full(table)


class FittedList(QListWidget):
    """A list box as tall as its rows (at least one, at most ``max_rows``), so a threat with one suspect does not
    push the rest of the pane below the fold behind a tall empty box."""

    def __init__(self, max_rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_rows = max_rows
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def sizeHint(self) -> QSize:
        shown = min(max(self.count(), 1), self.max_rows)
        empty = self.fontMetrics().height() + 6
        height = sum(max(self.sizeHintForRow(i), empty) if i < self.count() else empty for i in range(shown))
        return QSize(super().sizeHint().width(), height + 2 * self.frameWidth() + 4)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class TimelineList(QListWidget):
    """A list that follows its newest (last) entry until the reader scrolls away, and keeps their place after that.

    Following survives late layout: entries laid out after they were added (the list was hidden, resized or
    re-wrapped) still end at the newest one. A re-read replaces every entry; :meth:`position` before it and
    :meth:`restore` after it keep the reader where they were.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._follows = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.valueChanged.connect(self._scrolled)

    @property
    def follows(self) -> bool:
        """True while the newest entry is in view and new ones will be followed."""
        return self._follows

    def position(self) -> int | None:
        """Where the reader is: ``None`` when following the newest entry, else the scroll position."""
        return None if self._follows else self.verticalScrollBar().value()

    def restore(self, position: int | None) -> None:
        """After the entries were replaced: back to ``position`` (``None``: follow the newest entry)."""
        self._follows = position is None
        self.doItemsLayout()  # the new rows' extent now, so the old position is not clamped away
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum() if position is None else position)

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follows:
            self.verticalScrollBar().setValue(maximum)

    def _scrolled(self, value: int) -> None:
        if self.count():  # clearing for a re-read moves the bar too; that is not the reader
            self._follows = value >= self.verticalScrollBar().maximum()

