"""The "Apply again" button of the detail pane: a change refused as stale, kept so that one key applies it again.

Why it exists: when another console changed the threat while a dialog was open, the service refuses the write
("… was changed by … at …"), so nothing is overwritten. The operator has read who changed what; making them re-open
the dialog and choose again would invite a different choice by mistake. The refused operation and its arguments are
kept here, the button takes the focus, and Enter (or a click) sends the same choice against the version the refusal
showed. Choosing another threat, or any other action, forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from dispatch_console.services.queue import QueueRow

APPLY_AGAIN = "Apply again"
AGAIN_HINT = "Press Enter (Apply again) to apply your choice on top of it."
HINT = "Enter (the button has the focus after a refusal): send the same choice again, on top of the change shown"


@dataclass(frozen=True)
class KeptChange:
    """A refused triage call: ``triage.<operation>(**arguments)``, to be decided on ``row`` (the fresh version)."""

    row: QueueRow
    operation: str
    arguments: dict[str, Any]


class ApplyAgainButton(QPushButton):
    """Hidden until a change is refused as stale; Enter on it (auto-default) applies the kept change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(APPLY_AGAIN, parent)
        self.setAccessibleName("Apply my change again")
        self.setToolTip(HINT)
        self.setAutoDefault(True)  # Enter clicks it while it has the focus, as in a dialog
        self.kept: KeptChange | None = None
        self.hide()

    def offer(self, row: QueueRow, operation: str, arguments: dict[str, Any]) -> None:
        """Keep the refused change, show the button and give it the focus."""
        self.kept = KeptChange(row, operation, dict(arguments))
        self.show()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def take(self) -> KeptChange | None:
        """The kept change (forgotten at once, so a double press cannot send it twice)."""
        kept = self.kept
        self.forget()
        return kept

    def forget(self) -> None:
        self.kept = None
        self.hide()
