"""One suspect in the intake form: name, description, date of birth or age, school, grade, handles, weapon access.

The description (clothing, build, what the caller saw) comes right after the name, one Tab away: it is what the
caller knows first, and it was five Tabs deep. The fields sit two to a line (name | description, date of birth |
age, ...) so that at 1920×1080 the first suspect shows with the call's core. Several can be added and removed
from the keyboard. The panel only holds widgets and turns them into a
``SuspectInput``; whether the suspect is a juvenile is decided by the domain when the report is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from dispatch_console.domain.threat import SuspectInput
from dispatch_console.ui.intake.fields import labelled_cell, parse_age, parse_birth_date, show_error

TEXT_FIELDS = ("name", "description", "date_of_birth", "age", "school", "grade", "social_handles")


class SuspectPanel(QGroupBox):
    """The widgets of one suspect; ``remove_requested`` asks the form to drop it."""

    remove_requested = Signal(object)
    changed = Signal()

    def __init__(self, number: int) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        captions = {
            "name": "Name",
            "date_of_birth": "Date of birth (m/d/yyyy)",
            "age": "Age (years)",
            "school": "School",
            "grade": "Grade",
            "description": "Description",
            "social_handles": "Social-media handles",
        }
        for index, key in enumerate(TEXT_FIELDS):
            edit = QLineEdit()
            edit.textChanged.connect(self.changed)
            self.edits[key] = edit
            self.labels[key], self.errors[key] = labelled_cell(grid, 2 * (index // 2), 2 * (index % 2),
                                                               captions[key], edit, captions[key])
        self.weapon_access = QCheckBox("Known access to a weapon")
        self.weapon_access.toggled.connect(self.changed)
        last = 2 * (len(TEXT_FIELDS) // 2)
        grid.addWidget(self.weapon_access, last, 3)
        self.remove = QPushButton()
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        grid.addWidget(self.remove, last + 2, 3, Qt.AlignmentFlag.AlignRight)
        self.renumber(number)

    def renumber(self, number: int) -> None:
        """Titles and accessible names say which suspect they belong to ("Suspect 2 name")."""
        self.number = number
        self.setTitle(f"Suspect {number}")
        for key, edit in self.edits.items():
            edit.setAccessibleName(f"Suspect {number} {self.labels[key].text().split(' (')[0].lower()}")
            self.errors[key].setAccessibleName(f"Suspect {number} {key.replace('_', ' ')}: problem")
        self.weapon_access.setAccessibleName(f"Suspect {number} known access to a weapon")
        self.remove.setText(f"Remove suspect {number}")
        self.remove.setAccessibleName(f"Remove suspect {number}")

    def inputs(self) -> list[QWidget]:
        """This panel's inputs in reading order."""
        return [*self.edits.values(), self.weapon_access, self.remove]

    def to_input(self, today: date) -> tuple[SuspectInput, dict[str, str]]:
        """The suspect as typed, and the problems the form itself finds (dates and ages it cannot read)."""
        problems: dict[str, str] = {}
        dob: date | None = None
        age: int | None = None
        dob_text = self.edits["date_of_birth"].text()
        if dob_text.strip():
            try:
                dob = parse_birth_date(dob_text, today=today)
            except ValueError as error:
                problems["date_of_birth"] = f"Suspect {self.number}: {error}"
        try:
            age = parse_age(self.edits["age"].text())
        except ValueError as error:
            problems["age"] = f"Suspect {self.number}: {error}"
        suspect = SuspectInput(
            name=self.edits["name"].text(),
            date_of_birth=dob,
            age=age,
            school=self.edits["school"].text(),
            grade=self.edits["grade"].text(),
            description=self.edits["description"].text(),
            social_handles=self.edits["social_handles"].text(),
            weapon_access=self.weapon_access.isChecked(),
        )
        return suspect, problems

    def show_errors(self, errors: dict[str, str]) -> None:
        """``errors`` by field name of this suspect; fields not named are cleared."""
        for key, label in self.errors.items():
            show_error(label, errors.get(key, ""))

    def state(self) -> dict[str, Any]:
        """The panel as typed, for the draft (raw text, so nothing is lost even if it does not parse)."""
        return {**{k: e.text() for k, e in self.edits.items()}, "weapon_access": self.weapon_access.isChecked()}

    def restore(self, state: dict[str, Any]) -> None:
        for key, edit in self.edits.items():
            edit.setText(str(state.get(key) or ""))
        self.weapon_access.setChecked(bool(state.get("weapon_access")))

    def first_input(self) -> QWidget:
        return self.edits["name"]

    def is_blank(self) -> bool:
        return not any(e.text().strip() for e in self.edits.values()) and not self.weapon_access.isChecked()
