"""Possible duplicates in the intake form: ask the database in the background, offer Alt+L to link the report.

Why a module of its own: the duplicate check is the form's only background read while typing; it must drop
answers to older questions (typing went on) and keep the link choice apart from the rest of the record.
"""

from __future__ import annotations

from dataclasses import replace

from dispatch_console.domain.duplicates import DuplicateMatch
from dispatch_console.services import intake
from dispatch_console.ui.intake.live import IntakeReading
from dispatch_console.ui.worker import run_in_background


class IntakeDuplicates(IntakeReading):
    """The form's duplicate check and link (see the module docstring)."""

    # --- duplicates -----------------------------------------------------------------------------------------------
    def check_duplicates(self) -> None:
        """Ask the database (in the background) for open threats this report may repeat."""
        data, _ = self.to_input()
        if data.site_id is None and not data.target_name.strip() and len(data.statement.strip()) < 12:
            self.matches = []
            self._show_matches()
            return
        self._duplicate_query += 1
        query = self._duplicate_query
        now = self.now()

        def find() -> list[DuplicateMatch]:
            with self.ctx.db.read() as session:
                return intake.find_duplicates(session, data=replace(data, linked_to=None), now=now)

        def done(found: list[DuplicateMatch]) -> None:
            if query == self._duplicate_query:
                self.matches = found
                self._show_matches()
                self.duplicates_checked.emit()

        run_in_background(find, done, lambda _e: None)

    def _show_matches(self) -> None:
        if self.linked_to:
            self.duplicate_note.setText(f"This report will be linked to {self.linked_to} (counted once, no new "
                                        "case). Alt+L again to save it as a new case instead.")
            self.link_button.setText(f"Unlink from {self.linked_to} (Alt+L)")
            self.link_button.show()
        elif self.matches:
            first = self.matches[0]
            others = f" (and {len(self.matches) - 1} more)" if len(self.matches) > 1 else ""
            self.duplicate_note.setText(f"Possibly the same threat as {first.case_number}{others}: {first.reason}. "
                                        "Alt+L links this report to it instead of opening a second case.")
            self.link_button.setText(f"Link to {first.case_number} (Alt+L)")
            self.link_button.show()
        else:
            self.duplicate_note.setText("")
            self.link_button.hide()

    def toggle_link(self) -> None:
        """Link the report to the best possible duplicate, or undo the link."""
        if self.linked_to:
            self.linked_to = None
        elif self.matches:
            self.linked_to = self.matches[0].case_number
        else:
            return
        self._show_matches()
        self._changed()
