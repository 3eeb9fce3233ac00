"""The intake form's widgets: sections, labelled fields, the side column, reading order and the suspect list.

Why a module of its own: laying the form out (labels as buddies, accessible names, error lines under each field,
Tab in reading order) is one job; what the fields mean, how drafts are kept, duplicates found and the report saved
live in the modules built on top of :class:`IntakeLayout` (``site_lookup``, ``live``, ``duplicate_check``,
``draft_state``, ``form``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

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
from dispatch_console.domain.sites import Site
from dispatch_console.domain.timeparse import TimeParse
from dispatch_console.domain.validation import TARGET_FIELD
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.intake.fields import labelled_row
from dispatch_console.ui.intake.suspects import SuspectPanel
from dispatch_console.ui.theme import set_role


class IntakeLayout(QWidget):
    """The form's widgets and signals; the behaviour behind them is added by the subclasses, ending in ``IntakeForm``.

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

    # The form's state, set up by ``IntakeForm.__init__`` and ``new_report`` (declared here so every part can use it).
    ctx: ConsoleContext
    now: Callable[[], datetime]
    sites: list[Site]
    _by_completion: dict[str, Site]
    site: Site | None
    _filled: dict[str, str]
    time_reading: TimeParse | None
    linked_to: str | None
    matches: list[DuplicateMatch]
    suspect_panels: list[SuspectPanel]
    errors: dict[str, QLabel]
    saving: bool
    _restoring: bool
    _live_errors: bool
    _duplicate_query: int
    _writes: QThreadPool
    _draft_timer: QTimer
    _duplicate_timer: QTimer
    _tick: QTimer
    draft_id: str
    received_at: datetime

    # --- behaviour the widgets are connected to, defined by the subclasses -------------------------------------
    def _changed(self, *_args: object) -> None:
        raise NotImplementedError

    def _choice_made(self, _row: int) -> None:
        raise NotImplementedError

    def _completion_chosen(self, text: str) -> None:
        raise NotImplementedError

    def _match_typed_site(self) -> None:
        raise NotImplementedError

    def _update_evidence(self) -> None:
        raise NotImplementedError

    def toggle_link(self) -> None:
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError

    # --- building ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        scroll = QScrollArea()
        scroll.setAccessibleName("Threat report form")
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
