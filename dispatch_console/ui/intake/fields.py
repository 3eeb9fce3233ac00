"""Small building blocks shared by the form and the suspect panels: labelled rows with an error line below.

Every input gets a visible label that is its buddy, an accessible name, and an error label right under it, because
a call-taker must see what is wrong next to the field, not in a dialog that hides the form.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtWidgets import QFormLayout, QGridLayout, QLabel, QWidget

from dispatch_console.ui.theme import set_role


def labelled_row(form: QFormLayout, text: str, widget: QWidget, accessible: str) -> tuple[QLabel, QLabel]:
    """Add ``widget`` with its buddy label and a hidden error label under it; returns (label, error)."""
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(accessible)
    form.addRow(label, widget)
    error = QLabel("")
    error.setWordWrap(True)
    error.setAccessibleName(f"{accessible}: problem")
    set_role(error, "error")
    error.hide()
    form.addRow("", error)
    return label, error


def labelled_cell(grid: QGridLayout, row: int, column: int, text: str, widget: QWidget,
                  accessible: str) -> tuple[QLabel, QLabel]:
    """Like :func:`labelled_row`, in a grid of label/field pairs: the label at ``column``, the field right of it,
    the (hidden) error under the field."""
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(accessible)
    grid.addWidget(label, row, column)
    grid.addWidget(widget, row, column + 1)
    error = QLabel("")
    error.setWordWrap(True)
    error.setAccessibleName(f"{accessible}: problem")
    set_role(error, "error")
    error.hide()
    grid.addWidget(error, row + 1, column + 1)
    return label, error


class FoldingLabel(QLabel):
    """A label that takes no room while it has nothing to say (the pinned bar must stay small at 1366×768)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setVisible(bool(text))

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


def show_error(error: QLabel, message: str) -> None:
    """Show (or, with an empty message, hide) one field's problem."""
    error.setText(message)
    error.setVisible(bool(message))


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_birth_date(text: str, *, today: date) -> date | None:
    """A date of birth as typed: ``4/12/2009``, ``4/12/09`` or ``2009-04-12`` (US month/day order).

    A two-digit year is the most recent year not after ``today`` (``09`` is 2009, ``95`` is 1995).

    Raises:
        ValueError: With a message saying how to type it, if the text is not a real date.
    """
    iso = _ISO_DATE.match(text)
    numeric = _NUMERIC_DATE.match(text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if numeric:
            year = int(numeric.group(3))
            if len(numeric.group(3)) == 2:
                year += 2000 if 2000 + year <= today.year else 1900
            return date(year, int(numeric.group(1)), int(numeric.group(2)))
    except ValueError:
        pass
    shown = text.strip()[:30]
    raise ValueError(f"'{shown}' is not a date. Type month/day/year, e.g. 4/12/2009, or leave it empty and give an "
                     "approximate age.")


def parse_age(text: str) -> int | None:
    """An age in whole years as typed; ``None`` when blank.

    Raises:
        ValueError: With a message saying how to type it.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 3:
        return int(stripped)
    raise ValueError(f"'{stripped[:20]}' is not an age. Type the age in years as a number, e.g. 15, or leave it "
                     "empty if unknown.")
