"""A compact row of tick boxes that is one Tab stop: a letter key toggles each box, and the letter is on the box.

Why: the weapons and indicators were fourteen check boxes, one per line and one Tab each; walking them cost the
April 12 call eleven keys and half a screen at 1366×768. As a row, they take two lines, the whole group is one Tab
stop, and "F" ticks Firearm without counting Tabs. The boxes stay ordinary ``QCheckBox`` es (clickable, with their
accessible names), they just never take the focus themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QCheckBox, QFrame, QGridLayout

from dispatch_console.ui.theme import set_role


class ToggleRow(QFrame):
    """Boxes laid out ``columns`` to a line; ``letter`` keys toggle them while the row has the focus.

    Signals:
        unknown_key: A letter that toggles nothing here was pressed (the argument); the form says which letters do.
    """

    unknown_key = Signal(str)

    def __init__(self, items: Sequence[tuple[str, str, str]], *, accessible: str, columns: int = 4) -> None:
        """``items``: (letter, label, accessible name) per box, in reading order."""
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        set_role(self, "toggles")
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        self.boxes: list[QCheckBox] = []
        self.by_letter: dict[str, QCheckBox] = {}
        for index, (letter, label, name) in enumerate(items):
            box = QCheckBox(f"[{letter}] {label}")
            box.setAccessibleName(name)
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            grid.addWidget(box, index // columns, index % columns)
            self.boxes.append(box)
            self.by_letter[letter.upper()] = box
        letters = ", ".join(self.by_letter)
        self.setAccessibleName(accessible)
        self.setAccessibleDescription(f"Press {letters} to tick or untick; Tab goes on.")
        self.setToolTip(f"Press a letter ({letters}) to tick or untick; Tab goes on.")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text().upper()
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if plain and len(text) == 1 and text.isalpha():
            box = self.by_letter.get(text)
            if box is not None:
                box.toggle()
            else:
                self.unknown_key.emit(text)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        set_role(self, "toggles-focus")
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        set_role(self, "toggles")
        super().focusOutEvent(event)
