"""The readings of an ambiguous threatened time ("tomorrow 3:00": 03:00 or 15:00), chosen only on purpose.

Why a widget of its own: as a plain list in the Tab chain, one Tab after "tomorrow 3:00" landed in it, the current
row became "chosen" at once, and the statement typed next was eaten by the list's type-ahead. So here:

* the list is **not a Tab stop**: Tab from the time field goes to the statement; ``Down`` in the time field enters
  the list (the form wires that);
* moving the highlight (``Up``/``Down``) chooses nothing; ``Enter`` chooses the highlighted reading, a digit chooses
  that reading (``1``, ``2`` …), and the choice is marked "(chosen)";
* there is no type-ahead: any other text typed here goes back to the time field, which then shows the caret, so
  typed text always lands in a field that shows it; ``Esc`` goes back without choosing.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListWidget

CHOSEN_MARK = "(chosen)"


class ReadingsList(QListWidget):
    """The numbered readings; ``chosen`` carries the row picked on purpose, ``back`` a key meant for the field.

    Signals:
        chosen: The row the call-taker chose (Enter on the highlight, or its digit).
        back: Leave the list without choosing; the argument is the key event to replay in the time field, or
            ``None`` (Esc).
    """

    chosen = Signal(int)
    back = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # never reached by Tab
        self.descriptions: list[str] = []
        self.choice: int | None = None

    def set_readings(self, descriptions: Sequence[str]) -> None:
        """New readings: nothing is highlighted and nothing chosen."""
        self.blockSignals(True)
        self.descriptions = list(descriptions)
        self.choice = None
        self.clear()
        self.addItems(self._texts())
        self.setCurrentRow(-1)
        self.blockSignals(False)

    def mark(self, choice: int | None) -> None:
        """Show ``choice`` (a row, or ``None``) as the chosen reading."""
        self.choice = choice if choice is not None and 0 <= choice < len(self.descriptions) else None
        for row, text in enumerate(self._texts()):
            item = self.item(row)
            if item is not None:
                item.setText(text)

    def _texts(self) -> list[str]:
        return [f"{n}  {d}" + (f"  {CHOSEN_MARK}" if n - 1 == self.choice else "")
                for n, d in enumerate(self.descriptions, start=1)]

    def enter(self) -> None:
        """Focus the list with the chosen reading (else the first) highlighted; nothing is chosen by this."""
        self.setCurrentRow(self.choice if self.choice is not None else 0)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyboardSearch(self, search: str) -> None:
        return

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        text = event.text()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.currentRow() >= 0:
                self.chosen.emit(self.currentRow())
            event.accept()
        elif text.isdigit() and len(text) == 1 and 1 <= int(text) <= self.count():
            self.setCurrentRow(int(text) - 1)
            self.chosen.emit(int(text) - 1)
            event.accept()
        elif key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and self.currentRow() <= 0):
            self.back.emit(None)
            event.accept()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End):
            super().keyPressEvent(event)
        elif (text and text.isprintable()) or key == Qt.Key.Key_Backspace:
            self.back.emit(QKeyEvent(event.type(), key, event.modifiers(), text))
            event.accept()
        else:
            super().keyPressEvent(event)
