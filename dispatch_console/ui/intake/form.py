"""The intake form: one call, typed while the caller talks, saved with Ctrl+S (or Ctrl+Enter).

Three promises shape it:

* **Ready at once, keyboard only.** Opening a form focuses the first field; Tab walks the fields in reading order
  (set explicitly, because suspects added later would otherwise land at the end of the focus chain); the statement
  and narrative take Tab as "next field", not as a tab character.
* **Never lose a word.** Every change restarts a 500 ms timer that stores the whole form as a draft in the database
  (on a one-thread pool, so a draft write can never land after the save that deletes it). A failed save keeps every
  character and shows what is wrong next to the field.
* **Show the consequences live.** The threatened time is read as it is typed and said back in words with a countdown
  ticking every second; the priority and its reasons, and possible duplicates of open threats, follow the typing.

Database work runs off the GUI thread through ``worker.run_in_background``; everything else here is domain logic
that takes microseconds (parsing, priority, validation), so it runs on every keystroke.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import QStringListModel, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.duplicates import DuplicateMatch
from dispatch_console.domain.enums import CallerRelation, Indicator, LearnedHow, TargetKind, Weapon
from dispatch_console.domain.sites import WEEKDAYS, Site
from dispatch_console.domain.threat import ThreatInput
from dispatch_console.domain.timeparse import (
    Ambiguous,
    Parsed,
    Rejected,
    TimeParse,
    describe_countdown,
    parse_threatened_time,
)
from dispatch_console.domain.validation import TARGET_FIELD, validate_threat
from dispatch_console.services import drafts, intake
from dispatch_console.services import sites as site_service
from dispatch_console.services.intake import SavedThreat, ValidationFailed
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.intake.fields import labelled_row, show_error
from dispatch_console.ui.intake.suspects import SuspectPanel
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

DRAFT_DELAY_MS = 500
DUPLICATE_DELAY_MS = 600
DRAFT_FORMAT = 1
E = TypeVar("E", CallerRelation, LearnedHow, TargetKind)
NOT_IN_DIRECTORY = "Not in the site directory: the name and address are kept as typed."


class IntakeForm(QWidget):
    """One threat report being typed.

    Signals:
        saved: A report was saved (``SavedThreat``); the form is already reset for the next call.
        draft_saved: The draft with this id was committed (used by tests and the crash-recovery check).
        save_failed: Saving failed; the argument is the message shown.
        sites_loaded: The site directory arrived from the database (the type-ahead works from then on).
    """

    saved = Signal(object)
    draft_saved = Signal(str)
    save_failed = Signal(str)
    sites_loaded = Signal()
    duplicates_checked = Signal()

    def __init__(
        self, ctx: ConsoleContext, *, now: Callable[[], datetime] | None = None, sites: list[Site] | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(ctx.tz))
        self.sites: list[Site] = []
        self._by_completion: dict[str, Site] = {}
        self.site: Site | None = None
        self._filled: dict[str, str] = {}  # values the directory filled in (they may be replaced by another site)
        self.time_reading: TimeParse | None = None
        self.linked_to: str | None = None
        self.matches: list[DuplicateMatch] = []
        self.suspect_panels: list[SuspectPanel] = []
        self.errors: dict[str, QLabel] = {}
        self.saving = False
        self._restoring = False
        self._live_errors = False
        self._duplicate_query = 0
        self._writes = QThreadPool(self)  # one thread: drafts and the save are written in the order they were made
        self._writes.setMaxThreadCount(1)

        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft_now)
        self._duplicate_timer = QTimer(self, singleShot=True, interval=DUPLICATE_DELAY_MS)
        self._duplicate_timer.timeout.connect(self.check_duplicates)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._update_time_words)

        self._build()
        self.new_report()
        if sites is not None:
            self.set_sites(sites)
        else:
            run_in_background(self._load_sites, self.set_sites, lambda _e: None)

    # --- building ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.body = body
        column = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 3)
        self._fixed_order: list[QWidget] = []

        _call, form = self._section(column, "Call")
        self.received_label = QLabel("")
        self.received_label.setAccessibleName("Received at")
        form.addRow(QLabel("Received at"), self.received_label)
        self.caller_name = self._line(form, "Caller &name", "Caller name", "caller_name")
        self.callback = self._line(form, "Callback number", "Callback number", "callback_number")
        self.relation = self._combo(form, "Caller's relation", "Caller's relation", "caller_relation",
                                    "— not stated —", list(CallerRelation))
        self.confidential = QCheckBox("Confidential reporter (identity never leaves the record)")
        self.confidential.setAccessibleName("Confidential reporter")
        self.confidential.toggled.connect(self._changed)
        form.addRow("", self.confidential)
        self._fixed_order.append(self.confidential)

        _, form = self._section(column, "How the threat was learned")
        self.learned = self._combo(form, "Learned how", "How the threat was learned", "learned_how",
                                   "— not stated —", list(LearnedHow))
        self.evidence = self._line(form, "Evidence (screenshot, URL, account)", "Evidence", "evidence")
        self.evidence_hint = QLabel("Preserve the evidence: ask the caller to keep a screenshot, and note the URL "
                                    "and the account name.")
        self.evidence_hint.setWordWrap(True)
        set_role(self.evidence_hint, "hint")
        form.addRow("", self.evidence_hint)
        self._evidence_form = form
        self.learned.currentIndexChanged.connect(self._update_evidence)

        _, form = self._section(column, "Target")
        self.kind = self._combo(form, "Target kind", "Target kind", "target_kind", "— choose —", list(TargetKind))
        self.target = self._line(form, "Ta&rget (site, name or address)", "Target site or name", TARGET_FIELD)
        self.site_note = QLabel("")
        self.site_note.setWordWrap(True)
        self.site_note.setAccessibleName("Site directory note")
        form.addRow("", self.site_note)
        self.address = self._line(form, "Address", "Target address", "target_address")
        self.division = self._line(form, "Division", "Division", "division")
        self.named_persons = self._line(form, "Named persons", "Named persons", "named_persons")
        self.completer = QCompleter(self)
        self.completer.setModel(QStringListModel(self))
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(8)
        self.target.setCompleter(self.completer)
        self.completer.activated.connect(self._completion_chosen)
        self.target.editingFinished.connect(self._match_typed_site)

        _, form = self._section(column, "Threatened time")
        self.when = self._line(form, "Threatened ti&me (as said)", "Threatened time", "threatened_text")
        self.when_words = QLabel("Unknown (not stated)")
        self.when_words.setWordWrap(True)
        self.when_words.setAccessibleName("Threatened time read as")
        form.addRow("", self.when_words)
        self.when_choices = QListWidget()
        self.when_choices.setAccessibleName("Threatened time: choose a reading")
        self.when_choices.setMaximumHeight(90)
        self.when_choices.currentRowChanged.connect(self._choice_made)
        choices_label = QLabel("Readings")
        choices_label.setBuddy(self.when_choices)
        form.addRow(choices_label, self.when_choices)
        self._choices_label = choices_label
        self._fixed_order.append(self.when_choices)

        _, form = self._section(column, "Threat statement")
        self.statement = QPlainTextEdit()
        self.statement.setTabChangesFocus(True)
        self.statement.setPlaceholderText("The words as the caller reported them (verbatim)")
        self.statement.setMaximumHeight(110)
        self.statement.textChanged.connect(self._changed)
        self._labelled(form, "&Statement (verbatim)", self.statement, "Threat statement", "statement")

        _, form = self._section(column, "Weapons and access")
        self.weapons: dict[Weapon, QCheckBox] = {}
        for weapon in Weapon:
            box = QCheckBox(weapon.label)
            box.setAccessibleName(f"Weapon: {weapon.label}")
            box.toggled.connect(self._changed)
            form.addRow("", box)
            self.weapons[weapon] = box
            self._fixed_order.append(box)
        self.weapon_access = QCheckBox("Weapon seen or access known")
        self.weapon_access.setAccessibleName("Weapon seen or access known")
        self.weapon_access.toggled.connect(self._changed)
        form.addRow("", self.weapon_access)
        self._fixed_order.append(self.weapon_access)

        _, form = self._section(column, "Indicators")
        self.indicators: dict[Indicator, QCheckBox] = {}
        for indicator in Indicator:
            if indicator is Indicator.WEAPON_ACCESS:
                continue  # the same fact as "Weapon seen or access known" above: one box, not two
            box = QCheckBox(indicator.label)
            box.setAccessibleName(f"Indicator: {indicator.label}")
            box.toggled.connect(self._changed)
            form.addRow("", box)
            self.indicators[indicator] = box
            self._fixed_order.append(box)

        suspects_box = QGroupBox("Suspects")
        self.suspects_column = QVBoxLayout(suspects_box)
        self.add_suspect_button = QPushButton("Add suspect (Ctrl+Shift+A)")
        self.add_suspect_button.setAccessibleName("Add suspect")
        self.add_suspect_button.clicked.connect(self.add_suspect)
        self.suspects_column.addWidget(self.add_suspect_button)
        column.addWidget(suspects_box)

        _, form = self._section(column, "Narrative")
        self.narrative = QPlainTextEdit()
        self.narrative.setTabChangesFocus(True)
        self.narrative.setMaximumHeight(110)
        self.narrative.textChanged.connect(self._changed)
        self._labelled(form, "Narrative", self.narrative, "Narrative", "narrative")
        column.addStretch(1)

        outer.addWidget(self._build_side(), 2)

    def _build_side(self) -> QWidget:
        side = QWidget()
        side.setMaximumWidth(460)
        column = QVBoxLayout(side)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Last saved case")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_role(self.result, "title")
        column.addWidget(self.result)
        self.priority = QLabel("")
        self.priority.setWordWrap(True)
        self.priority.setAccessibleName("Priority")
        set_role(self.priority, "title")
        column.addWidget(self.priority)
        self.reasons = QLabel("")
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Priority reasons")
        column.addWidget(self.reasons)
        self.duplicate_note = QLabel("")
        self.duplicate_note.setWordWrap(True)
        self.duplicate_note.setAccessibleName("Possible duplicate")
        set_role(self.duplicate_note, "hint")
        column.addWidget(self.duplicate_note)
        self.link_button = QPushButton("Link to the open case (Alt+L)")
        self.link_button.setAccessibleName("Link to the possible duplicate")
        self.link_button.clicked.connect(self.toggle_link)
        self.link_button.hide()
        column.addWidget(self.link_button)
        self.errors["linked_to"] = QLabel("")
        set_role(self.errors["linked_to"], "error")
        self.errors["linked_to"].setWordWrap(True)
        self.errors["linked_to"].hide()
        column.addWidget(self.errors["linked_to"])
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Form status")
        column.addWidget(self.status)
        self.save_button = QPushButton("Save (Ctrl+S or Ctrl+Enter)")
        self.save_button.setAccessibleName("Save threat")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        column.addWidget(self.save_button)
        column.addStretch(1)
        return side

    def _section(self, column: QVBoxLayout, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        column.addWidget(box)
        return box, form

    def _labelled(self, form: QFormLayout, text: str, widget: QWidget, accessible: str, key: str) -> None:
        _, error = labelled_row(form, text, widget, accessible)
        self.errors[key] = error
        self._fixed_order.append(widget)

    def _line(self, form: QFormLayout, text: str, accessible: str, key: str) -> QLineEdit:
        edit = QLineEdit()
        edit.textChanged.connect(self._changed)
        self._labelled(form, text, edit, accessible, key)
        return edit

    def _combo(self, form: QFormLayout, text: str, accessible: str, key: str, blank: str,
               values: list[Any]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(blank, None)
        for value in values:
            combo.addItem(value.label, value.value)  # the stored string: Qt would turn an enum into a plain str
        combo.currentIndexChanged.connect(self._changed)
        self._labelled(form, text, combo, accessible, key)
        return combo

    # --- focus and reading order ------------------------------------------------------------------------------
    def reading_order(self) -> list[QWidget]:
        """Every input in the order it is read on screen; Tab follows exactly this order."""
        fixed = self._fixed_order
        split = fixed.index(self.narrative)
        suspects = [w for panel in self.suspect_panels for w in panel.inputs()]
        return [*fixed[:split], *suspects, self.add_suspect_button, *fixed[split:], self.link_button,
                self.save_button]

    def _apply_tab_order(self) -> None:
        order = self.reading_order()
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def first_field(self) -> QWidget:
        return self.caller_name

    def focus_first_field(self) -> None:
        self.caller_name.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- sites ---------------------------------------------------------------------------------------------------
    def _load_sites(self) -> list[Site]:
        with self.ctx.db.read() as session:
            return site_service.all_sites(session)

    def set_sites(self, sites: list[Site]) -> None:
        """Fill the type-ahead: each entry shows name, address and aliases so any of them finds the site."""
        self.sites = list(sites)
        self._by_completion = {}
        for site in self.sites:
            text = f"{site.name} — {site.address}"
            if site.aliases:
                text += f" ({'; '.join(site.aliases)})"
            self._by_completion[text] = site
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(list(self._by_completion))
        self.sites_loaded.emit()

    def _completion_chosen(self, text: str) -> None:
        site = self._by_completion.get(text)
        if site is not None:
            QTimer.singleShot(0, lambda: self.choose_site(site))  # after the completer has written its text

    def _match_typed_site(self) -> None:
        """A typed name or alias that is exactly a directory entry selects it (no popup needed)."""
        if self.site is not None or self._restoring:
            return
        typed = self.target.text().strip().casefold()
        if not typed:
            return
        found = [s for s in self.sites if typed in (s.name.casefold(), *(a.casefold() for a in s.aliases))]
        if len(found) == 1:
            self.choose_site(found[0])

    def choose_site(self, site: Site) -> None:
        """Take the site from the directory: kind, name, address, division and the dismissal times."""
        self.site = site
        if self.target.text() != site.name:
            self.target.setText(site.name)
        if self.kind.currentIndex() <= 0 or self._filled.get("kind") == self.kind.currentData():
            self.kind.setCurrentIndex(max(self.kind.findData(site.kind.value), 0))
            self._filled["kind"] = site.kind.value
        for key, edit, value in (("address", self.address, site.address), ("division", self.division, site.division)):
            if not edit.text().strip() or edit.text() == self._filled.get(key):  # never overwrite what was typed
                edit.setText(value)
                self._filled[key] = value
        self._update_site_note()
        self._changed()

    def _update_site_note(self) -> None:
        typed = self.target.text().strip()
        if self.site is not None and typed != self.site.name:
            self.site = None  # the call-taker typed over the chosen site: it is a free target now
        if self.site is None and typed and not self._restoring:
            exact = [s for s in self.sites if s.name.casefold() == typed.casefold()]
            if len(exact) == 1 and exact[0].name == typed:
                self.choose_site(exact[0])  # the full name typed out is the directory's site
                return
        if self.site is not None:
            self.site_note.setText(f"From the directory: {self.site.division} division. {_schedule(self.site)}")
            set_role(self.site_note, "ok")
        elif self.target.text().strip():
            self.site_note.setText(NOT_IN_DIRECTORY)
            set_role(self.site_note, "hint")
        else:
            self.site_note.setText("")

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
            if not same:
                self.when_choices.blockSignals(True)
                self.when_choices.clear()
                for option in reading.options:
                    self.when_choices.addItem(option.description)
                self.when_choices.setCurrentRow(-1)
                self.when_choices.blockSignals(False)
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
            row = self.when_choices.currentRow()
            if 0 <= row < len(reading.options):
                return reading.options[row]
        return None

    def _choice_made(self, _row: int) -> None:
        self._update_time_words()
        self._update_priority()
        if self._live_errors:
            self.show_errors(self.problems())
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
            hint = " Choose a reading below (arrow keys)." if reading.options else ""
            self.when_words.setText(f"Ask the caller: {reading.message}{hint}")
            set_role(self.when_words, "hint")
        elif isinstance(reading, Rejected):
            self.when_words.setText(reading.message)
            set_role(self.when_words, "error")

    def _update_priority(self) -> None:
        data, _ = self.to_input()
        assessment = intake.assess(data, now=self.now())
        self.priority.setText(assessment.reasons[0])
        self.reasons.setText("\n".join(f"• {r}" for r in assessment.reasons[1:]))
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
        elif isinstance(reading, Ambiguous) and chosen is None:
            ask = "Choose one of the readings below, or type" if reading.options else "Type"
            problems["threatened_text"] = (f"{reading.message} {ask} the time more exactly; clear the field to "
                                           "save it as unknown.")
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
        }
        return widgets.get(key)

    # --- saving -------------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Check, then save in the background; the form stays as typed until the database says it is saved."""
        if self.saving:
            return
        problems = self.problems()
        if problems:
            self._refuse(problems)
            return
        data, _ = self.to_input()
        self.saving = True
        self._draft_timer.stop()
        self.status.setText("Saving …")
        set_role(self.status, "hint")
        actor = self.ctx.operator
        now = self.now()
        received = self.received_at
        draft_id = self.draft_id
        tz = self.ctx.tz

        def write() -> SavedThreat:
            with self.ctx.db.write() as session:
                return intake.save_threat(session, actor=actor, data=data, now=now, tz=tz, received_at=received,
                                          draft_id=draft_id)

        run_in_background(write, self._saved, self._save_failed, pool=self._writes)

    def _refuse(self, problems: dict[str, str]) -> None:
        self._live_errors = True
        self.show_errors(problems)
        count = len(problems)
        message = (f"Not saved: {count} problem{'s' if count != 1 else ''} — see the messages next to the fields. "
                   "Nothing you typed was changed.")
        self.status.setText(message)
        set_role(self.status, "error")
        order = self.reading_order()
        widgets = [w for w in (self._widget_for(k) for k in problems) if w is not None]
        if widgets:
            min(widgets, key=lambda w: order.index(w) if w in order else len(order)).setFocus()
        self.save_failed.emit(message)

    def _saved(self, result: SavedThreat) -> None:
        self.saving = False
        linked = f", linked to {result.linked_to}" if result.linked_to else ""
        self.result.setText(f"Saved {result.case_number} — {result.priority.value}{linked}")
        self.result.setAccessibleDescription(result.reasons[0])
        self.new_report(keep_result=True)
        self.status.setText(f"{result.reasons[0]}. Ready for the next call.")
        set_role(self.status, "ok")
        self.focus_first_field()
        self.saved.emit(result)

    def _save_failed(self, error: BaseException) -> None:
        self.saving = False
        if isinstance(error, ValidationFailed):
            self._refuse(error.errors)
            return
        message = (f"Not saved: the database did not accept it ({type(error).__name__}). Everything you typed is "
                   "kept and saved as a draft; press Ctrl+S to try again.")
        self.status.setText(message)
        set_role(self.status, "error")
        self._draft_timer.start()
        self.save_failed.emit(message)

    # --- a new report, drafts -----------------------------------------------------------------------------------
    def is_blank(self) -> bool:
        texts = (self.caller_name, self.callback, self.evidence, self.target, self.address, self.division,
                 self.named_persons, self.when)
        return (
            not any(e.text().strip() for e in texts)
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
                         self.named_persons, self.when):
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
        self.received_at = self.now()
        self.received_label.setText(self.received_at.strftime("%a %d %b %Y %H:%M:%S"))
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
            "received_at": self.received_at.isoformat(),
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
            "time_choice": self.when_choices.currentRow(),
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
            self.received_at = _aware(state.get("received_at")) or self.received_at
            self.received_label.setText(self.received_at.strftime("%a %d %b %Y %H:%M:%S"))
            for edit, key in ((self.caller_name, "caller_name"), (self.callback, "callback_number"),
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
            self.when_choices.setCurrentRow(choice)
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

    # --- suspects -----------------------------------------------------------------------------------------------
    def add_suspect(self, *, focus: bool = True) -> SuspectPanel:
        panel = SuspectPanel(len(self.suspect_panels) + 1)
        panel.changed.connect(self._changed)
        panel.remove_requested.connect(self.remove_suspect)
        self.suspects_column.insertWidget(len(self.suspect_panels), panel)
        self.suspect_panels.append(panel)
        self._apply_tab_order()
        if focus:
            panel.first_input().setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._changed()
        return panel

    def remove_suspect(self, panel: SuspectPanel) -> None:
        index = self.suspect_panels.index(panel)
        self._drop_suspect(panel)
        for number, other in enumerate(self.suspect_panels, start=1):
            other.renumber(number)
        self._apply_tab_order()
        following = self.suspect_panels[index].first_input() if index < len(self.suspect_panels) else None
        (following or self.add_suspect_button).setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._changed()

    def _drop_suspect(self, panel: SuspectPanel) -> None:
        self.suspect_panels.remove(panel)
        self.suspects_column.removeWidget(panel)
        panel.hide()
        panel.deleteLater()

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


def _aware(text: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _enum(kind: type[E], value: object) -> E | None:
    """The enum member a combo box holds as its stored string (``None`` for the "not stated" entry)."""
    try:
        return kind(str(value)) if value else None
    except ValueError:
        return None


def _schedule(site: Site) -> str:
    """``"Dismissal Mon–Thu 15:10, Fri 13:30; lunch 11:45"``: what "after school" and "lunch" will mean."""
    if not site.dismissal:
        return "No dismissal times on file."
    runs: list[tuple[int, int, str]] = []
    for day in sorted(site.dismissal):
        text = site.dismissal[day].strftime("%H:%M")
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    names = [d.capitalize() for d in WEEKDAYS]
    parts = [f"{names[a]}–{names[b]} {t}" if a != b else f"{names[a]} {t}" for a, b, t in runs]
    lunch = f"; lunch {site.lunch:%H:%M}" if site.lunch else ""
    return f"Dismissal {', '.join(parts)}{lunch}."
