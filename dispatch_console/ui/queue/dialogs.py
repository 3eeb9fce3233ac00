"""Small triage dialogs. Each validates before it closes and shows what is wrong next to the field, keeping what was
typed; the service checks again (it is the authority), the dialog only saves the operator a round trip."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.enums import Outcome, Priority, Status, UnitKind, Verification
from dispatch_console.ui.theme import set_role


class _Dialog(QDialog):
    """A form with an error line under it and OK/Cancel; subclasses implement ``problem()``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.column = QVBoxLayout(self)
        self.form = QFormLayout()
        self.column.addLayout(self.form)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        set_role(self.error, "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.column.addWidget(self.error)
        self.column.addWidget(self.buttons)

    def add_row(self, text: str, widget: QWidget, name: str) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        widget.setAccessibleName(name)
        self.form.addRow(label, widget)

    def problem(self) -> str:
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        super().accept()


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    return combo


class PriorityDialog(_Dialog):
    def __init__(self, current: Priority, parent: QWidget | None = None) -> None:
        super().__init__("Change priority", parent)
        self.priority = _combo([(p.value, p) for p in Priority])
        self.priority.setCurrentIndex(list(Priority).index(current))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why, e.g. photo of a gun posted")
        self.add_row("&Priority", self.priority, "Priority")
        self.add_row("&Reason", self.reason, "Reason")
        self.finish_layout()
        self.current = current

    def chosen(self) -> Priority:
        return Priority(self.priority.currentData())  # Qt hands enum data back as plain str

    def problem(self) -> str:
        if self.chosen() is self.current:
            return f"The threat is already {self.current.value}: choose another priority."
        if not self.reason.text().strip():
            return "Type a reason: it is shown with the priority and audited."
        return ""


class StatusDialog(_Dialog):
    def __init__(self, current: Status, parent: QWidget | None = None) -> None:
        super().__init__("Change status", parent)
        choices = [s for s in Status if s is not Status.CLOSED]
        self.status = _combo([(s.label, s) for s in choices])
        following = min(choices.index(current) + 1, len(choices) - 1) if current in choices else 0
        self.status.setCurrentIndex(following)
        self.add_row("&Status", self.status, "Status")
        hint = QLabel("Closing needs an outcome: use Close (Ctrl+Shift+C).")
        set_role(hint, "hint")
        self.column.addWidget(hint)
        self.finish_layout()
        self.current = current

    def chosen(self) -> Status:
        return Status(self.status.currentData())

    def problem(self) -> str:
        if self.chosen() is self.current:
            return f"The threat is already {self.current.label.lower()}: choose another status."
        return ""


class VerificationDialog(_Dialog):
    def __init__(self, current: Verification, parent: QWidget | None = None) -> None:
        super().__init__("Set verification", parent)
        self.verification = _combo([(v.label, v) for v in Verification])
        self.verification.setCurrentIndex(list(Verification).index(current))
        self.add_row("&Verification", self.verification, "Verification")
        self.finish_layout()
        self.current = current

    def chosen(self) -> Verification:
        return Verification(self.verification.currentData())

    def problem(self) -> str:
        if self.chosen() is self.current:
            return f"The threat is already {self.current.label.lower()}."
        return ""


class TextDialog(_Dialog):
    """One multi-line text (a note, or the reason to reopen)."""

    def __init__(self, title: str, label: str, empty_message: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.add_row(label, self.text, label.replace("&", ""))
        self.empty_message = empty_message
        self.finish_layout()

    def problem(self) -> str:
        return "" if self.text.toPlainText().strip() else self.empty_message


class AssignDialog(_Dialog):
    def __init__(self, division: str, parent: QWidget | None = None) -> None:
        super().__init__("Assign a unit", parent)
        self.unit = QLineEdit()
        self.unit.setPlaceholderText("call sign, e.g. 3A12")
        self.kind = _combo([(k.label, k) for k in UnitKind])
        self.division = QLineEdit(division)
        self.add_row("&Unit", self.unit, "Unit call sign")
        self.add_row("&Kind", self.kind, "Unit kind")
        self.add_row("&Division", self.division, "Division")
        self.finish_layout()

    def chosen_kind(self) -> UnitKind:
        return UnitKind(self.kind.currentData())

    def problem(self) -> str:
        return "" if self.unit.text().strip() else "Type the unit's call sign (e.g. 3A12)."


class CloseDialog(_Dialog):
    """Outcomes as checkboxes (several may apply) and a text for "Other"; refuses to close without one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Close the case", parent)
        box = QGroupBox("Outcomes (tick every one that applies)")
        grid = QGridLayout(box)
        self.checks: dict[Outcome, QCheckBox] = {}
        for i, outcome in enumerate(Outcome):
            check = QCheckBox(outcome.label)
            check.setAccessibleName(outcome.label)
            self.checks[outcome] = check
            grid.addWidget(check, i // 2, i % 2)
        self.column.addWidget(box)
        self.other = QLineEdit()
        self.add_row("&Other outcome", self.other, "Other outcome")
        self.finish_layout()

    def chosen(self) -> list[Outcome]:
        return [o for o, c in self.checks.items() if c.isChecked()]

    def problem(self) -> str:
        chosen = self.chosen()
        if not chosen:
            return "Tick at least one outcome to close the case (e.g. \"Unfounded / hoax\" or \"In custody\")."
        if Outcome.OTHER in chosen and not self.other.text().strip():
            return "You ticked \"Other\": describe the outcome in the text box."
        return ""
