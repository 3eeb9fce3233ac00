"""The intake form read live: the threatened time said back in words, the priority and its reasons, the problems.

Why a module of its own: everything here is domain logic that takes microseconds (parsing, priority, validation),
so it runs on every keystroke; it turns the widgets into a ``ThreatInput`` and puts each problem next to its field.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from dispatch_console.domain.enums import CallerRelation, Indicator, LearnedHow, TargetKind
from dispatch_console.domain.threat import ThreatInput
from dispatch_console.domain.timeparse import Ambiguous, Parsed, Rejected, describe_countdown, parse_threatened_time
from dispatch_console.domain.validation import TARGET_FIELD, validate_threat
from dispatch_console.services import intake
from dispatch_console.ui.intake.fields import show_error
from dispatch_console.ui.intake.site_lookup import IntakeSites
from dispatch_console.ui.theme import set_role

E = TypeVar("E", CallerRelation, LearnedHow, TargetKind)

EMPTY_PRIORITY = "No priority yet: it follows the report as you type."


class IntakeReading(IntakeSites):
    """The form's live reading and its record (see the module docstring)."""

    # --- live reading -----------------------------------------------------------------------------------------
    def _update_evidence(self) -> None:
        how = _enum(LearnedHow, self.learned.currentData())
        needed = how is not None and how.needs_evidence_preservation
        form = self._evidence_form
        form.setRowVisible(self.evidence, needed)
        form.setRowVisible(self.evidence_hint, needed)
        if not needed:
            self.errors["evidence"].hide()

    def _changed(self, *_args: object) -> None:
        if self._restoring:
            return
        if self.answered.stamp is None and not self.is_blank():
            self.answered.stamp_now()  # the first keystroke into an empty report: the call was answered now
            self.result.setText("")  # the last saved case number belongs to the previous call
        self._update_site_note()
        self._read_time()
        self._update_priority()
        if self._live_errors:
            self.show_errors(self.problems())
        if not self.saving:
            self.status.setText("")
            self._draft_timer.start()
            self._duplicate_timer.start()

    def _read_time(self) -> None:
        text = self.when.text()
        reading = parse_threatened_time(text, now=self.now(), site=self.site)
        previous = self.time_reading
        self.time_reading = reading
        if isinstance(reading, Ambiguous):
            same = isinstance(previous, Ambiguous) and previous.options == reading.options
            if not same:  # new readings: none chosen, whatever was chosen for the old text
                self.when_choices.set_readings([option.description for option in reading.options])
        visible = isinstance(reading, Ambiguous) and bool(reading.options)
        self.when_choices.setVisible(visible)
        self._choices_label.setVisible(visible)
        self._update_time_words()

    def chosen_time(self) -> Parsed | None:
        """The reading in force: the parse itself, or the option the call-taker chose for an ambiguous text."""
        reading = self.time_reading
        if isinstance(reading, Parsed):
            return reading
        if isinstance(reading, Ambiguous):
            row = self.when_choices.choice
            if row is not None and 0 <= row < len(reading.options):
                return reading.options[row]
        return None

    def _choice_made(self, row: int) -> None:
        """A reading chosen on purpose (Enter or its digit): in force, marked, and the caret moves on."""
        self.when_choices.mark(row)
        self._update_time_words()
        self._update_priority()
        if self._live_errors:
            self.show_errors(self.problems())
        self._draft_timer.start()
        self.statement.setFocus(Qt.FocusReason.OtherFocusReason)

    def _answered_changed(self) -> None:
        if not self._restoring and not self.saving:
            self._draft_timer.start()

    def _update_time_words(self) -> None:
        reading = self.time_reading
        chosen = self.chosen_time()
        if chosen is not None:
            words = chosen.description
            if chosen.at is not None:
                words += f" — {describe_countdown(chosen.at, self.now())}"
                self._tick.start()
            else:
                self._tick.stop()
            set_role(self.when_words, "ok")
            self.when_words.setText(words)
            if isinstance(reading, Ambiguous):
                self.when_words.setText(f"{words} (chosen)")
            if self._tick.isActive():
                self._update_priority()
            return
        self._tick.stop()
        if isinstance(reading, Ambiguous):
            hint = " Choose a reading: Down, then Enter or its number." if reading.options else ""
            self.when_words.setText(f"Ask the caller: {reading.message}{hint}")
            set_role(self.when_words, "hint")
        elif isinstance(reading, Rejected):
            self.when_words.setText(reading.message)
            set_role(self.when_words, "error")

    def _update_priority(self) -> None:
        if self.is_blank():  # the new, empty report's own state: nothing left over from the last one
            self.priority.setText(EMPTY_PRIORITY)
            self.reasons.setText("")
            set_role(self.priority, "hint")
            return
        data, _ = self.to_input()
        assessment = intake.assess(data, now=self.now())
        self.priority.setText(assessment.reasons[0])
        self.reasons.setText(" · ".join(assessment.reasons[1:]))
        set_role(self.priority, "error" if assessment.priority.rank == 1 else "title")

    # --- the record ---------------------------------------------------------------------------------------------
    def to_input(self) -> tuple[ThreatInput, dict[str, str]]:
        """The form as a ``ThreatInput``, and the problems only the form can see (unreadable time, date, age)."""
        problems: dict[str, str] = {}
        today = self.now().date()
        suspects = []
        for index, panel in enumerate(self.suspect_panels):
            suspect, own = panel.to_input(today)
            suspects.append(suspect)
            problems.update({f"suspects[{index}].{k}": v for k, v in own.items()})
        chosen = self.chosen_time()
        reading = self.time_reading
        if isinstance(reading, Rejected):
            problems["threatened_text"] = f"{reading.message} Or clear the field to save the time as unknown."
        elif isinstance(reading, Ambiguous) and chosen is None and reading.options:
            problems["threatened_text"] = intake.unresolved_message(reading)
        elif isinstance(reading, Ambiguous) and chosen is None:
            problems["threatened_text"] = (f"{reading.message} Type the time more exactly; clear the field to save "
                                           "it as unknown.")
        how = _enum(LearnedHow, self.learned.currentData())
        data = ThreatInput(
            caller_name=self.caller_name.text(),
            callback_number=self.callback.text(),
            caller_relation=_enum(CallerRelation, self.relation.currentData()),
            confidential_reporter=self.confidential.isChecked(),
            learned_how=how,
            evidence=self.evidence.text() if how is not None and how.needs_evidence_preservation else "",
            target_kind=_enum(TargetKind, self.kind.currentData()),
            site_id=self.site.site_id if self.site is not None else None,
            target_name=self.target.text(),
            target_address=self.address.text(),
            division=self.division.text(),
            named_persons=self.named_persons.text(),
            threatened_text=self.when.text(),
            threatened_at=chosen.at if chosen is not None else None,
            statement=self.statement.toPlainText(),
            narrative=self.narrative.toPlainText(),
            weapons=frozenset(w for w, box in self.weapons.items() if box.isChecked()),
            weapon_access=self.weapon_access.isChecked(),
            indicators=frozenset(i for i, box in self.indicators.items() if box.isChecked())
            | ({Indicator.WEAPON_ACCESS} if self.weapon_access.isChecked() else set()),
            suspects=suspects,
            linked_to=self.linked_to,
            cad_number=self.cad_number.text(),
        )
        return data, problems

    def problems(self) -> dict[str, str]:
        """Every reason the form cannot be saved yet, by field."""
        data, problems = self.to_input()
        found = validate_threat(data, now=self.now())
        found.update(problems)
        return found

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message next to its field; fields without a message are cleared. Never touches typed text."""
        for key, label in self.errors.items():
            show_error(label, errors.get(key, ""))
        for index, panel in enumerate(self.suspect_panels):
            prefix = f"suspects[{index}]."
            panel.show_errors({k[len(prefix):]: v for k, v in errors.items() if k.startswith(prefix)})

    def _widget_for(self, key: str) -> QWidget | None:
        if key.startswith("suspects["):
            index = int(key[len("suspects["):key.index("]")])
            field = key.split(".", 1)[1]
            if index < len(self.suspect_panels):
                return self.suspect_panels[index].edits.get(field)
            return None
        widgets: dict[str, QWidget] = {
            "caller_name": self.caller_name, "callback_number": self.callback, "evidence": self.evidence,
            TARGET_FIELD: self.target, "target_address": self.address, "division": self.division,
            "named_persons": self.named_persons, "threatened_text": self.when, "threatened_at": self.when,
            "statement": self.statement, "narrative": self.narrative, "linked_to": self.link_button,
            "cad_number": self.cad_number, "answered_at": self.answered.edit,
        }
        return widgets.get(key)


def _enum(kind: type[E], value: object) -> E | None:
    """The enum member a combo box holds as its stored string (``None`` for the "not stated" entry)."""
    try:
        return kind(str(value)) if value else None
    except ValueError:
        return None
