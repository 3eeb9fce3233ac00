"""Small case-action dialogs: reveal with a reason, seal/unseal with a reason, add a follow-up.

Each dialog names the case, labels every field (with a buddy and an accessible name), shows errors next to the
field and never clears what was typed. The work itself runs off the GUI thread (``submit`` is given a callable).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from dispatch_console.ui.qtdates import qdatetime
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker_dialog import WorkerDialog


def _row(form: QFormLayout, text: str, widget: QWidget, name: str) -> None:
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(name)
    form.addRow(label, widget)


class CaseDialog(WorkerDialog):
    """Base: a case-number field, the kind's own fields, an error line and OK/Cancel.

    ``work(values)`` runs on a worker thread; its result is emitted as ``completed``; its error is shown
    in the dialog.
    """

    def __init__(self, title: str, intro: str, work: Callable[[dict[str, Any]], Any], parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self._work = work
        hint = QLabel(intro)
        hint.setWordWrap(True)
        set_role(hint, "hint")
        self.column.addWidget(hint)
        self.form = QFormLayout()
        self.column.addLayout(self.form)
        self.case = QLineEdit()
        self.case.setPlaceholderText("TT-2026-00042")
        _row(self.form, "&Case number", self.case, "Case number")
        self.add_error_and_buttons()

    def values(self) -> dict[str, Any]:
        return {"case_number": self.case.text().strip()}

    def check(self, values: dict[str, Any]) -> tuple[QWidget, str] | None:
        if not values["case_number"]:
            return self.case, "Enter the case number (e.g. TT-2026-00042), or select the case in the queue first."
        return None

    def submit(self) -> None:
        values = self.values()
        problem = self.check(values)
        if problem is not None:
            self.show_problem(*problem)
            return
        self.run(lambda: self._work(values))


class ReasonDialog(CaseDialog):
    """Reveal, seal, unseal: a case and a reason (audited)."""

    def __init__(self, title: str, intro: str, work: Callable[[dict[str, Any]], Any], parent: QWidget | None) -> None:
        super().__init__(title, intro, work, parent)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. juvenile detective follow-up; court order 2026-JV-114")
        _row(self.form, "&Reason (audited)", self.reason, "Reason")
        self.reason.returnPressed.connect(self.submit)

    def values(self) -> dict[str, Any]:
        return {**super().values(), "reason": self.reason.text().strip()}

    def check(self, values: dict[str, Any]) -> tuple[QWidget, str] | None:
        if not values["reason"]:
            return self.reason, "Give a reason; it is kept in the audit log. Do not type the juvenile's name."
        return super().check(values)


class FollowUpDialog(CaseDialog):
    """A follow-up: suggestion (optional), due time, owner and what to do."""

    def __init__(self, work: Callable[[dict[str, Any]], Any], tz: tzinfo, parent: QWidget | None) -> None:
        super().__init__("Add follow-up", "A follow-up has a due time and an owner; it shows as due in the last "
                         "24 hours and as overdue after.", work, parent)
        self.tz = tz
        self.suggestion = QComboBox()
        self.suggestion.addItem("(none: type your own)", None)
        _row(self.form, "&Suggested", self.suggestion, "Suggested follow-up")
        self.due = QDateTimeEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.due.setDateTime(qdatetime(datetime.now(tz).replace(tzinfo=None, second=0, microsecond=0)
                                        + timedelta(days=7)))
        _row(self.form, "&Due", self.due, "Due")
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("e.g. Crisis Intervention Team")
        _row(self.form, "&Owner", self.owner, "Owner")
        self.text = QLineEdit()
        self.text.setPlaceholderText("e.g. CIT check-in with the family")
        _row(self.form, "&What", self.text, "What")
        self.text.returnPressed.connect(self.submit)
        self.suggestion.currentIndexChanged.connect(self._use_suggestion)

    def set_suggestions(self, proposals: list[Any]) -> None:
        for p in proposals:
            self.suggestion.addItem(f"{p.text} ({p.why})", p)

    def _use_suggestion(self, _index: int) -> None:
        p = self.suggestion.currentData()
        if p is None:
            return
        local = p.due_at.astimezone(self.tz).replace(tzinfo=None, second=0, microsecond=0)
        self.due.setDateTime(QDateTime(local))
        self.owner.setText(p.owner)
        self.text.setText(p.text)

    def values(self) -> dict[str, Any]:
        due = self.due.dateTime().toPython()
        assert isinstance(due, datetime)
        return {**super().values(), "due_at": due.replace(tzinfo=self.tz), "owner": self.owner.text().strip(),
                "text": self.text.text().strip()}

    def check(self, values: dict[str, Any]) -> tuple[QWidget, str] | None:
        if not values["text"]:
            return self.text, "Say what must be done, e.g. \"CIT check-in with the family\"."
        if not values["owner"]:
            return self.owner, "Name the owner: a unit, a team or a person."
        return super().check(values)
