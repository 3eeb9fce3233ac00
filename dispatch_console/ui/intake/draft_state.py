"""Drafts of the intake form: a new blank report, the form as a draft, restoring a draft, writing it in order.

Why a module of its own: "never lose a word" is one promise with its own rules - the draft holds raw text (what
does not parse yet is not lost), it is written on the one-thread pool so it can never land after the save that
deletes it, and a restored draft keeps its id so further typing updates the same draft.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dispatch_console.services import drafts
from dispatch_console.ui.intake.duplicate_check import IntakeDuplicates
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

DRAFT_FORMAT = 1


class IntakeDrafts(IntakeDuplicates):
    """The form's blank state and its drafts (see the module docstring)."""

    # --- a new report, drafts -----------------------------------------------------------------------------------
    def is_blank(self) -> bool:
        """Nothing typed, chosen or ticked yet (the first change stamps the call as answered)."""
        texts = (self.caller_name, self.callback, self.evidence, self.target, self.address, self.division,
                 self.named_persons, self.when, self.cad_number)
        return (
            not any(e.text().strip() for e in texts)
            and not any(c.currentIndex() > 0 for c in (self.relation, self.learned, self.kind))
            and not self.confidential.isChecked()
            and not self.statement.toPlainText().strip()
            and not self.narrative.toPlainText().strip()
            and not any(b.isChecked() for b in (*self.weapons.values(), *self.indicators.values()))
            and not self.weapon_access.isChecked()
            and all(p.is_blank() for p in self.suspect_panels)
        )

    def new_report(self, *, keep_result: bool = False) -> None:
        """Empty the form for the next call (the previous one is saved, or kept as its draft)."""
        self._draft_timer.stop()
        self._restoring = True
        try:
            for edit in (self.caller_name, self.callback, self.evidence, self.target, self.address, self.division,
                         self.named_persons, self.when, self.cad_number):
                edit.clear()
            for combo in (self.relation, self.learned, self.kind):
                combo.setCurrentIndex(0)
            for box in (*self.weapons.values(), *self.indicators.values(), self.weapon_access, self.confidential):
                box.setChecked(False)
            self.statement.clear()
            self.narrative.clear()
            for panel in list(self.suspect_panels):
                self._drop_suspect(panel)
        finally:
            self._restoring = False
        self.site = None
        self._filled = {}
        self.linked_to = None
        self.matches = []
        self._live_errors = False
        self.draft_id = str(uuid.uuid4())
        self.answered.reset()  # stamped at the first keystroke of the next call, not now
        if not keep_result:
            self.result.setText("")
        self.show_errors({})
        self._update_evidence()
        self._update_site_note()
        self._read_time()
        self._update_priority()
        self._show_matches()
        self._apply_tab_order()

    def state(self) -> dict[str, Any]:
        """The whole form as typed (raw text, so nothing that does not parse yet is lost), for the draft."""
        return {
            "format": DRAFT_FORMAT,
            "received_at": self.answered.answered.isoformat() if self.answered.answered else None,
            "answered_stamp": self.answered.stamp.isoformat() if self.answered.stamp else None,
            "cad_number": self.cad_number.text(),
            "caller_name": self.caller_name.text(),
            "callback_number": self.callback.text(),
            "caller_relation": self.relation.currentData(),
            "confidential_reporter": self.confidential.isChecked(),
            "learned_how": self.learned.currentData(),
            "evidence": self.evidence.text(),
            "target_kind": self.kind.currentData(),
            "site_id": self.site.site_id if self.site is not None else None,
            "target_name": self.target.text(),
            "target_address": self.address.text(),
            "division": self.division.text(),
            "named_persons": self.named_persons.text(),
            "threatened_text": self.when.text(),
            "time_choice": -1 if self.when_choices.choice is None else self.when_choices.choice,
            "statement": self.statement.toPlainText(),
            "narrative": self.narrative.toPlainText(),
            "weapons": sorted(w.value for w, b in self.weapons.items() if b.isChecked()),
            "weapon_access": self.weapon_access.isChecked(),
            "indicators": sorted(i.value for i, b in self.indicators.items() if b.isChecked()),
            "suspects": [p.state() for p in self.suspect_panels],
            "linked_to": self.linked_to,
        }

    def restore(self, state: dict[str, Any], draft_id: str) -> None:
        """Put a draft back into the form; it keeps the draft's id, so further typing updates the same draft."""
        self.new_report()
        self._restoring = True
        try:
            self.draft_id = draft_id
            self.answered.restore(_aware(state.get("received_at")), _aware(state.get("answered_stamp")))
            for edit, key in ((self.caller_name, "caller_name"), (self.callback, "callback_number"),
                              (self.cad_number, "cad_number"),
                              (self.evidence, "evidence"), (self.target, "target_name"),
                              (self.address, "target_address"), (self.division, "division"),
                              (self.named_persons, "named_persons"), (self.when, "threatened_text")):
                edit.setText(str(state.get(key) or ""))
            for combo, key in ((self.relation, "caller_relation"), (self.learned, "learned_how"),
                               (self.kind, "target_kind")):
                found = combo.findData(state.get(key)) if state.get(key) else 0
                combo.setCurrentIndex(max(found, 0))
            self.confidential.setChecked(bool(state.get("confidential_reporter")))
            self.weapon_access.setChecked(bool(state.get("weapon_access")))
            for weapon, box in self.weapons.items():
                box.setChecked(weapon.value in (state.get("weapons") or []))
            for indicator, box in self.indicators.items():
                box.setChecked(indicator.value in (state.get("indicators") or []))
            self.statement.setPlainText(str(state.get("statement") or ""))
            self.narrative.setPlainText(str(state.get("narrative") or ""))
            for suspect in state.get("suspects") or []:
                self.add_suspect(focus=False).restore(suspect)
            site_id = state.get("site_id")
            self.site = next((s for s in self.sites if s.site_id == site_id), None)
            self.linked_to = state.get("linked_to") or None
        finally:
            self._restoring = False
        self._update_evidence()
        self._update_site_note()
        self._read_time()
        choice = state.get("time_choice")
        if isinstance(choice, int) and choice >= 0 and self.when_choices.count() > choice:
            self.when_choices.mark(choice)
            self._update_time_words()
        self._update_priority()
        self._show_matches()
        self._apply_tab_order()
        self.status.setText("Draft restored: check it with the caller, then save.")
        set_role(self.status, "ok")
        self.check_duplicates()

    def save_draft_now(self) -> None:
        """Write the form as its draft (in the background, in order with the save)."""
        if self.saving or self.is_blank():
            return
        actor = self.ctx.operator
        draft_id = self.draft_id
        data = self.state()

        def write() -> str:
            with self.ctx.db.write() as session:
                drafts.save_draft(session, actor=actor, draft_id=draft_id, data=data)
            return draft_id

        run_in_background(write, self.draft_saved.emit, self._draft_failed, pool=self._writes)

    def _draft_failed(self, error: BaseException) -> None:
        self.status.setText(f"The draft could not be stored ({type(error).__name__}); keep typing, it is retried "
                            "on the next change. Save with Ctrl+S as soon as you can.")
        set_role(self.status, "error")


def _aware(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
