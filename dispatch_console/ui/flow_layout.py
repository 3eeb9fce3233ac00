"""A row of buttons that wraps onto more rows when its box is narrow, instead of setting the box's minimum width.

Why: a ``QHBoxLayout`` or a fixed grid of buttons makes its parent at least as wide as all of them side by side.
In the queue's detail pane that was 640 px, so on a 1366 px screen (or 1920 px at 150 %) the pane pushed the queue
table narrow enough to cut the site names. This layout asks only for its widest button's width; it has a height
for every width (``heightForWidth``), so the rows below move down when the buttons wrap.

``uniform=True`` lays the buttons out as a grid of equal cells (as many columns as fit, filling the width), which
reads like the 4 × 2 grid it replaces on a wide pane; otherwise each button keeps its own width, left to right.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, *, uniform: bool = False, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.uniform = uniform
        self.setSpacing(spacing)
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # --- QLayout's item list -------------------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # --- sizes ----------------------------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """All the buttons on one row (what the layout would like)."""
        shown = self._shown()
        if not shown:
            return QSize(0, 0)
        cell = self._cell()
        widths = [cell.width() if self.uniform else item.sizeHint().width() for item in shown]
        margins = self.contentsMargins()
        return QSize(sum(widths) + self.spacing() * (len(shown) - 1) + margins.left() + margins.right(),
                     cell.height() + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        """The widest button: the one width below which a button would be cut."""
        cell, margins = self._cell(), self.contentsMargins()
        return QSize(cell.width() + margins.left() + margins.right(),
                     cell.height() + margins.top() + margins.bottom())

    # --- placing --------------------------------------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _cell(self) -> QSize:
        shown = self._shown()
        if not shown:
            return QSize(0, 0)
        return QSize(max(item.sizeHint().width() for item in shown), max(item.sizeHint().height() for item in shown))

    def _place(self, rect: QRect, *, move: bool) -> int:
        """Lay the buttons out in ``rect`` (only measure when ``move`` is false); return the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        shown = self._shown()
        if not shown:
            return 0
        gap, cell = self.spacing(), self._cell()
        if self.uniform:
            columns = max(1, min(len(shown), (area.width() + gap) // (cell.width() + gap)))
            width = max(cell.width(), (area.width() - gap * (columns - 1)) // columns)
            rows = -(-len(shown) // columns)
            if move:
                for i, item in enumerate(shown):
                    row, column = divmod(i, columns)
                    item.setGeometry(QRect(area.x() + column * (width + gap), area.y() + row * (cell.height() + gap),
                                           width, cell.height()))
            return rows * cell.height() + (rows - 1) * gap + margins.top() + margins.bottom()
        x, y, line = area.x(), area.y(), 0
        for item in shown:
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.x() + area.width():
                x, y, line = area.x(), y + line + gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(min(hint.width(), area.width()), hint.height())))
            x += hint.width() + gap
            line = max(line, hint.height())
        return y + line - area.y() + margins.top() + margins.bottom()
