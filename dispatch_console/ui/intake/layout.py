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

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
from dispatch_console.ui.intake.answered_clock import AnsweredClock
from dispatch_console.ui.intake.fields import FoldingLabel, labelled_row
from dispatch_console.ui.intake.readings import ReadingsList
from dispatch_console.ui.intake.suspects import SuspectPanel
from dispatch_console.ui.intake.toggles import ToggleRow
from dispatch_console.ui.theme import set_role

WEAPON_LETTERS = {Weapon.FIREARM: "F", Weapon.KNIFE: "K", Weapon.EXPLOSIVE: "E", Weapon.VEHICLE: "V",
                  Weapon.OTHER: "O", Weapon.NONE_STATED: "N"}
ACCESS_LETTER = "A"
INDICATOR_LETTERS = {Indicator.SPECIFIC_TARGET: "T", Indicator.SPECIFIC_TIME: "I", Indicator.SPECIFIC_MEANS: "M",
                     Indicator.PLAN_OR_PREPARATION: "P", Indicator.WEAPON_ACCESS: ACCESS_LETTER,
                     Indicator.PRIOR_THREATS: "R", Indicator.REPEATED_SPREADING: "S", Indicator.MENTAL_HEALTH: "H"}
"""The letter that toggles each box while its row has the focus (shown on the box: "[F] Firearm")."""


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

    # --- behaviour the widgets are connected to, defined by the subclasses -------------------------------------
    def _changed(self, *_args: object) -> None:
        raise NotImplementedError

    def _choice_made(self, _row: int) -> None:
        raise NotImplementedError

    def _answered_changed(self) -> None:
        raise NotImplementedError

    def is_blank(self) -> bool:
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
        """Two columns for the call's core, suspects and narrative below, and the pinned bar under the scroll area.

        Left column: the call (caller, callback, relation, CAD number, how learned) and the target; right column:
        threatened time, statement, weapons, indicators. At 1366×768 the whole core shows without scrolling (tested
        in ``tests/intake/test_intake_geometry.py``); the bar with the live priority, its reasons and Save is
        outside the scroll area, so it never scrolls away.
        """
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        scroll = QScrollArea()
        scroll.setAccessibleName("Threat report form")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area = scroll
        body = QWidget()
        self.body = body
        page = QVBoxLayout(body)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(4)
        columns = QHBoxLayout()
        columns.setSpacing(10)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.setSpacing(4)
        right.setSpacing(4)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        page.addLayout(columns)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self._fixed_order: list[QWidget] = []

        _call, form = self._section(left, "Call")
        self.caller_name = self._line(form, "Caller &name", "Caller name", "caller_name")
        self.callback = self._line(form, "Callback number", "Callback number", "callback_number")
        self.relation = self._combo(form, "Caller's relation", "Caller's relation", "caller_relation",
                                    "— not stated —", list(CallerRelation))
        self.confidential = QCheckBox("Confidential reporter")
        self.confidential.setToolTip("The reporter's identity never leaves the record")
        self.confidential.setAccessibleName("Confidential reporter")
        self.confidential.toggled.connect(self._changed)
        self._beside(form, self.relation, self.confidential)
        self._fixed_order.append(self.confidential)
        self.cad_number = self._line(form, "CAD event number", "CAD event number", "cad_number")
        self.cad_number.setPlaceholderText("optional: the CAD's event / incident number")
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

        _, form = self._section(left, "Target")
        self.kind = self._combo(form, "Target kind", "Target kind", "target_kind", "— choose —", list(TargetKind))
        self.target = self._line(form, "Ta&rget (site, name or address)", "Target site or name", TARGET_FIELD)
        self.site_note = FoldingLabel("")
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
        left.addStretch(1)

        _, form = self._section(right, "Threatened time")
        self.when = self._line(form, "Threatened ti&me (as said)", "Threatened time", "threatened_text")
        self.when_words = QLabel("Unknown (not stated)")
        self.when_words.setWordWrap(True)
        self.when_words.setAccessibleName("Threatened time read as")
        form.addRow("", self.when_words)
        self.when_choices = ReadingsList()
        self.when_choices.setAccessibleName("Threatened time: choose a reading")
        self.when_choices.setMaximumHeight(70)
        self.when_choices.chosen.connect(self._choice_made)
        self.when_choices.back.connect(self._back_to_time)
        choices_label = QLabel("Readings")
        choices_label.setBuddy(self.when_choices)
        form.addRow(choices_label, self.when_choices)
        self._choices_label = choices_label
        self.when.installEventFilter(self)

        _, form = self._section(right, "Threat statement")
        self.statement = QPlainTextEdit()
        self.statement.setTabChangesFocus(True)
        self.statement.setPlaceholderText("The words as the caller reported them (verbatim)")
        self.statement.setMinimumHeight(60)
        self.statement.setMaximumHeight(90)
        self.statement.textChanged.connect(self._changed)
        self._labelled(form, "&Statement (verbatim)", self.statement, "Threat statement", "statement")

        weapons_box = QGroupBox("Weapons and access (press the letter)")
        weapons_column = QVBoxLayout(weapons_box)
        weapons_column.setContentsMargins(6, 4, 6, 4)
        items = [(WEAPON_LETTERS[w], w.label, f"Weapon: {w.label}") for w in Weapon]
        items.append((ACCESS_LETTER, "Seen / access known", "Weapon seen or access known"))
        self.weapons_row = ToggleRow(items, accessible="Weapons and access", columns=3)
        weapons_column.addWidget(self.weapons_row)
        right.addWidget(weapons_box)
        self.weapons: dict[Weapon, QCheckBox] = dict(zip(Weapon, self.weapons_row.boxes, strict=False))
        self.weapon_access = self.weapons_row.boxes[-1]
        self._fixed_order.append(self.weapons_row)

        indicators_box = QGroupBox("Indicators (press the letter)")
        indicators_column = QVBoxLayout(indicators_box)
        indicators_column.setContentsMargins(6, 4, 6, 4)
        # "Weapon seen or access known" is the same fact as the box above: one box, not two
        shown = [i for i in Indicator if i is not Indicator.WEAPON_ACCESS]
        self.indicators_row = ToggleRow([(INDICATOR_LETTERS[i], i.label, f"Indicator: {i.label}") for i in shown],
                                        accessible="Indicators", columns=3)
        indicators_column.addWidget(self.indicators_row)
        right.addWidget(indicators_box)
        self.indicators: dict[Indicator, QCheckBox] = dict(zip(shown, self.indicators_row.boxes, strict=True))
        for box in (*self.weapons_row.boxes, *self.indicators_row.boxes):
            box.toggled.connect(self._changed)
        self._fixed_order.append(self.indicators_row)
        right.addStretch(1)

        suspects_box = QGroupBox("Suspects")
        self.suspects_column = QVBoxLayout(suspects_box)
        self.suspects_column.setContentsMargins(6, 4, 6, 4)
        self.add_suspect_button = QPushButton("Add suspect (Ctrl+Shift+A)")
        self.add_suspect_button.setAccessibleName("Add suspect")
        self.add_suspect_button.clicked.connect(self.add_suspect)
        self.suspects_column.addWidget(self.add_suspect_button, 0, Qt.AlignmentFlag.AlignLeft)
        page.addWidget(suspects_box)

        _, form = self._section(page, "Narrative")
        self.narrative = QPlainTextEdit()
        self.narrative.setTabChangesFocus(True)
        self.narrative.setMaximumHeight(110)
        self.narrative.textChanged.connect(self._changed)
        self._labelled(form, "Narrative", self.narrative, "Narrative", "narrative")
        page.addStretch(1)

        outer.addWidget(self._build_bar())

    def _build_bar(self) -> QWidget:
        """The pinned bar: answered time, live priority and reasons, duplicates, status, Save."""
        bar = QFrame()
        set_role(bar, "intake-bar")
        self.bar = bar
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 4, 4, 2)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        row.addLayout(texts, 1)
        self.priority = QLabel("")
        self.priority.setWordWrap(True)
        self.priority.setAccessibleName("Priority")
        set_role(self.priority, "title")
        texts.addWidget(self.priority)
        self.reasons = FoldingLabel("")
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Priority reasons")
        texts.addWidget(self.reasons)
        self.duplicate_note = FoldingLabel("")
        self.duplicate_note.setWordWrap(True)
        self.duplicate_note.setAccessibleName("Possible duplicate")
        set_role(self.duplicate_note, "hint")
        texts.addWidget(self.duplicate_note)
        self.errors["linked_to"] = QLabel("")
        set_role(self.errors["linked_to"], "error")
        self.errors["linked_to"].setWordWrap(True)
        self.errors["linked_to"].hide()
        texts.addWidget(self.errors["linked_to"])
        self.status = FoldingLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Form status")
        texts.addWidget(self.status)
        self.result = FoldingLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Last saved case")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_role(self.result, "case-number")
        texts.addWidget(self.result)

        clock = QVBoxLayout()
        clock.setSpacing(2)
        row.addLayout(clock)
        self.answered = AnsweredClock(lambda: self.now(), self)
        self.answered.changed.connect(self._answered_changed)
        clock.addWidget(self.answered.label)
        correct = QHBoxLayout()
        correct_label = QLabel("Ans&wered at")
        correct_label.setBuddy(self.answered.edit)
        correct.addWidget(correct_label)
        correct.addWidget(self.answered.edit)
        clock.addLayout(correct)
        clock.addWidget(self.answered.error)
        self.errors["answered_at"] = self.answered.error

        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        row.addLayout(buttons)
        self.link_button = QPushButton("Link to the open case (Alt+L)")
        self.link_button.setAccessibleName("Link to the possible duplicate")
        self.link_button.clicked.connect(self.toggle_link)
        self.link_button.hide()
        buttons.addWidget(self.link_button)
        self.save_button = QPushButton("Save (Ctrl+S or Ctrl+Enter)")
        self.save_button.setAccessibleName("Save threat")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        return bar

    def _beside(self, form: QFormLayout, anchor: QWidget, extra: QWidget) -> None:
        """Put ``extra`` on the same line as ``anchor``'s row (saves a line of height at 1366×768)."""
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        position: Any = form.getWidgetPosition(anchor)
        index = int(position[0])
        form.takeRow(index)  # keeps the widgets; the label is re-added with the pair
        label = next(lbl for lbl in self.findChildren(QLabel) if lbl.buddy() is anchor)
        line.addWidget(anchor, 1)
        line.addWidget(extra)
        form.insertRow(index, label, line)

    def _section(self, column: QVBoxLayout, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setContentsMargins(6, 4, 6, 4)
        form.setVerticalSpacing(3)
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
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """``Down`` in the threatened-time field enters its readings (highlighting one, choosing none)."""
        if (watched is self.when and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Down and not self.when_choices.isHidden()):
            self.when_choices.enter()
            return True
        return super().eventFilter(watched, event)

    def _back_to_time(self, key: QKeyEvent | None) -> None:
        """Leave the readings for the time field; a key typed in the list is typed there (it shows the caret)."""
        self.when.setFocus(Qt.FocusReason.OtherFocusReason)
        if key is not None:
            QApplication.sendEvent(self.when, key)

    def reading_order(self) -> list[QWidget]:
        """Every input in the order it is read on screen; Tab follows exactly this order."""
        fixed = self._fixed_order
        split = fixed.index(self.narrative)
        suspects = [w for panel in self.suspect_panels for w in panel.inputs()]
        return [*fixed[:split], *suspects, self.add_suspect_button, *fixed[split:], self.link_button,
                self.save_button]

    def _apply_tab_order(self) -> None:
        order = self.reading_order()
        # the readings sit after the time field in the chain but take no Tab focus: Tab goes on to the statement
        order.insert(order.index(self.when) + 1, self.when_choices)
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def first_field(self) -> QWidget:
        return self.caller_name

    def focus_first_field(self) -> None:
        """The caret in the first field, scrolled into view (after a save the form was scrolled down)."""
        self.scroll_area.verticalScrollBar().setValue(0)
        self.scroll_area.horizontalScrollBar().setValue(0)
        self.caller_name.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scroll_area.ensureWidgetVisible(self.caller_name)

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
