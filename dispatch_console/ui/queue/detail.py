"""The detail and triage pane for the threat selected in the queue.

Every action sends the version the operator decided on - for a dialog, the one shown when it opened, although the
pane re-reads the record while it is open; when another console got there first the service refuses with
``StaleThreat``, and the pane shows who changed what, reloads the fresh record (never silently overwriting) and
keeps the choice behind an "Apply again" button (Enter). Call-takers see the triage actions disabled, with a
tooltip saying why; if one still reaches the service (a role changed meanwhile) the refusal is audited there and
explained here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import LearnedHow, Outcome, Priority, Status, UnitKind, Verification
from dispatch_console.domain.timeparse import describe_countdown
from dispatch_console.services import queue, triage
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.queue import QueueRow, ThreatDetail
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.flow_layout import FlowLayout
from dispatch_console.ui.queue.apply_again import AGAIN_HINT, ApplyAgainButton
from dispatch_console.ui.queue.dialogs import (
    AssignDialog,
    CloseDialog,
    PriorityDialog,
    StatusDialog,
    TextDialog,
    VerificationDialog,
)
from dispatch_console.ui.queue.model import age_text
from dispatch_console.ui.queue.pane_widgets import FittedList, TimelineList, fit_units_table
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.units.panel import UnitsPanel
from dispatch_console.ui.worker import run_in_background

# (name, button text, shortcut, supervisor only)
ACTIONS: tuple[tuple[str, str, str, bool], ...] = (
    ("priority", "Change &priority…", "Ctrl+Shift+P", True),
    ("status", "Chan&ge status…", "Ctrl+Shift+S", True),
    ("verification", "Set v&erification…", "Ctrl+Shift+V", True),
    ("note", "Add &note…", "Ctrl+Shift+O", False),
    ("assign", "Assign &unit…", "Ctrl+Shift+U", True),
    ("unassign", "Unass&ign unit", "Ctrl+Shift+X", True),
    ("close", "&Close case…", "Ctrl+Shift+C", True),
    ("reopen", "&Reopen…", "Ctrl+Shift+R", True),
)
WHY_DISABLED = "Only a supervisor can do this; call-takers view threats and add notes. You are signed in as {role}."


# (section title, shortcut): the pane's sections below the header, in reading order
MARGIN_LEFT = 6  # between the splitter's handle and the pane
TAB_PADDING = 40  # a section tab's margins and border around its text (the stylesheet's padding, both sides)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("Units && notification", "Alt+1"),
    ("Details", "Alt+2"),
    ("Timeline", "Alt+3"),
)
SECTION_UNITS, SECTION_DETAILS, SECTION_TIMELINE = range(len(SECTIONS))
EMPTY_HINT = "Select a threat with ↑/↓ to see it and act on it."
# Fields hidden while empty: optional parts of the record that most threats do not have.
OPTIONAL_FIELDS = frozenset({"evidence", "narrative", "named", "outcomes", "linked"})


def threatened_words(at: datetime | None, typed: str, now: datetime, tz: Any) -> str:
    """The threatened time read at a glance, e.g. "Mon 30 Nov 15:10 — in 3 h 9 min (after school)".

    Minutes, not seconds: the countdown already says how close it is, and a ticking seconds field in a pane read for
    twelve hours is noise. The words the call-taker typed are kept in brackets because "after school" is what the
    caller said; the date is only our reading of it.
    """
    if at is None:
        return f"unknown ({typed})" if typed else "unknown"
    text = f"{at.astimezone(tz).strftime('%a %d %b %H:%M')} — {describe_countdown(at, now)}"
    return f"{text} ({typed})" if typed else text



def _label(kind: Any, value: str) -> str:
    """An enum value as the pane shows it: its label ("Social worker"), never the stored code ("social_worker")."""
    try:
        return str(kind(value).label) if value else ""
    except ValueError:  # a value a newer console stored: still words, not a code
        return value.replace("_", " ")

class DetailPane(QWidget):
    """The selected threat: a header (case, key facts, actions) over three sections (units, details, timeline).

    The header stays on top so the actions and the countdown are always in view; the sections are pages of a tab
    widget (Alt+1/2/3) so the units and the Notify button are visible without scrolling past the record.

    Signals:
        row_changed(object): a ``QueueRow`` this pane just wrote or learned is fresher (apply it to the queue).
        loaded(object): the ``ThreatDetail`` now shown (or None).
        message(str, bool): what happened, ``False`` for a problem.
    """

    row_changed = Signal(object)
    loaded = Signal(object)
    message = Signal(str, bool)

    def __init__(self, db: Database, actor: Actor, *, tz: Any, ctx: ConsoleContext | None = None, window: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.tz = tz
        self.detail: ThreatDetail | None = None
        self.threat_id: int | None = None
        self.now = datetime.now(UTC)
        self._request = 0
        self.dialog_factory: Callable[[QDialog], int] = lambda d: d.exec()  # tests replace it to answer dialogs

        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN_LEFT, 0, 0, 0)
        self.case_label = QLabel("No threat selected")
        set_role(self.case_label, "case-number")
        self.case_label.setAccessibleName("Case")
        outer.addWidget(self.case_label)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Target and threatened time")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.summary)
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("How to start")
        set_role(self.hint, "hint")
        outer.addWidget(self.hint)
        self.feedback = QLabel("")
        self.feedback.setWordWrap(True)
        self.feedback.setAccessibleName("Result of the last action")
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.feedback.hide()
        feedback_row = QHBoxLayout()
        feedback_row.addWidget(self.feedback, 1)
        self.retry = ApplyAgainButton()
        self.retry.clicked.connect(self.apply_again)
        feedback_row.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(feedback_row)

        self.button_box = QWidget()
        buttons = FlowLayout(self.button_box, uniform=True)  # 4 × 2 on a wide pane, fewer columns on a narrow one
        self.buttons: dict[str, QPushButton] = {}
        for name, text, shortcut, supervisor_only in ACTIONS:
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            allowed = actor.is_supervisor or not supervisor_only
            button.setToolTip(f"{shortcut}" if allowed else WHY_DISABLED.format(role=actor.role.label.lower()))
            button.setProperty("allowed", allowed)
            button.clicked.connect(lambda _c=False, n=name: self.trigger(n))
            self.buttons[name] = button
            buttons.addWidget(button)
        outer.addWidget(self.button_box)

        self.sections = QTabWidget()
        self.sections.setAccessibleName("Threat sections")
        self.sections.setDocumentMode(True)
        outer.addWidget(self.sections, 1)

        # Section 1: the units panel (or, for a pane built without a console context, a pointer to the Units list).
        self.units_panel: UnitsPanel | None = None
        if ctx is not None:
            self.units_panel = UnitsPanel(ctx, window)
            self.units_panel.notified.connect(lambda *_: self.refresh())  # show the new pages in the timeline
            fit_units_table(self.units_panel)
            # A short window (1366×768, or 150 %) scrolls the section rather than squeezing the units list flat
            units_scroll = QScrollArea()
            units_scroll.setWidgetResizable(True)
            units_scroll.setFrameShape(QFrame.Shape.NoFrame)
            units_scroll.setWidget(self.units_panel)
            units_page: QWidget = units_scroll
        else:
            units_page = QLabel("The notification panel is not available here; the designated units are listed "
                                "under Details (Alt+2).")
            units_page.setWordWrap(True)
            units_page.setAlignment(Qt.AlignmentFlag.AlignTop)

        # Section 2: every field of the record; optional fields hide while empty, lists are as tall as their rows.
        body = QWidget()
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, title in (
            ("priority", "Priority"), ("status", "Status"), ("verification", "Verification"),
            ("target", "Target"), ("division", "Division"), ("threatened", "Threatened time"),
            ("received", "Received"), ("call_taker", "Call-taker"), ("caller", "Caller"),
            ("learned", "Learned how"), ("evidence", "Evidence"), ("statement", "Statement"),
            ("narrative", "Narrative"), ("weapons", "Weapons"), ("indicators", "Indicators"),
            ("reasons", "Priority reasons"), ("named", "Named persons"), ("outcomes", "Outcomes"),
            ("linked", "Linked to"),
        ):
            value = QLabel("")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(title)
            label = QLabel(title)
            label.setBuddy(value)
            self.form.addRow(label, value)
            self.fields[key] = value
        self.suspects = FittedList(max_rows=5)
        self.suspects.setAccessibleName("Suspects")
        self.form.addRow(self._buddy("Suspects", self.suspects), self.suspects)
        self.units = FittedList(max_rows=6)
        self.units.setAccessibleName("Designated units")
        self.units.setToolTip("Select a unit here, then Ctrl+Shift+X to unassign it.")
        self.form.addRow(self._buddy("Units", self.units), self.units)
        details_page = QScrollArea()
        details_page.setWidgetResizable(True)
        details_page.setFrameShape(QFrame.Shape.NoFrame)
        details_page.setWidget(body)

        # Section 3: audit entries, notes, notifications and acknowledgements, oldest first.
        self.timeline = TimelineList()
        self.timeline.setAccessibleName("Timeline")

        for page, (title, shortcut) in zip((units_page, details_page, self.timeline), SECTIONS, strict=True):
            page.setAccessibleName(title.replace("&&", "and"))
            index = self.sections.addTab(page, f"{title}  [{shortcut}]")
            self.sections.setTabToolTip(index, shortcut)
        if window is None:  # a bare pane (tests, another host): the section keys work while it has the focus
            for index, (_title, shortcut) in enumerate(SECTIONS):
                section_key = QShortcut(QKeySequence(shortcut), self)
                section_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                section_key.activated.connect(lambda i=index: self.show_section(i))
        self._show_empty(True)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_section_tabs()

    def _fit_section_tabs(self) -> None:
        """Section tabs read "Timeline  [Alt+3]" when they fit side by side, "Timeline" (key in the tooltip) when the
        pane is narrow, so no section hides behind the tab bar's scroll arrows."""
        bar = self.sections.tabBar()
        long = [f"{title}  [{shortcut}]" for title, shortcut in SECTIONS]
        wide = sum(bar.fontMetrics().horizontalAdvance(text.replace("&&", "&")) + TAB_PADDING for text in long)
        for index, (text, (title, _shortcut)) in enumerate(zip(long, SECTIONS, strict=True)):
            wanted = text if wide <= self.width() - MARGIN_LEFT else title
            if bar.tabText(index) != wanted:
                bar.setTabText(index, wanted)

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def show_section(self, index: int) -> None:
        """Bring section ``index`` (``SECTION_UNITS`` …) to the front and put the focus in it (Alt+1/2/3)."""
        self.sections.setCurrentIndex(index)
        page: QWidget = self.sections.widget(index) or self.sections
        if index == SECTION_UNITS and self.units_panel is not None:
            page = self.units_panel.table  # the designated units, where Delete and Tab to "Notify" work
        page.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _show_empty(self, empty: bool) -> None:
        """No threat: a one-line hint instead of a header of disabled buttons over a column of empty fields."""
        self.hint.setVisible(empty)
        self.summary.setVisible(not empty)
        self.button_box.setVisible(not empty)
        self.sections.setVisible(not empty)

    # --- loading -----------------------------------------------------------------------------------------------
    def set_threat(self, threat_id: int | None, *, audit_view: bool = True) -> None:
        """Show ``threat_id`` (loaded in the background); a first look is audited as a view of the case."""
        if threat_id != self.threat_id:
            self.retry.forget()  # a change kept for another threat is never applied to this one
        self.threat_id = threat_id
        self._request += 1
        request = self._request
        if self.units_panel is not None:
            self.units_panel.set_threat(threat_id)
        if threat_id is None:
            self._show(None)
            return
        db, actor, tz = self.db, self.actor, self.tz

        def work() -> ThreatDetail:
            if audit_view:
                with db.write() as session:
                    return queue.threat_detail(session, actor=actor, threat_id=threat_id, tz=tz)
            with db.read() as session:
                return queue.threat_detail(session, actor=actor, threat_id=threat_id, audit_view=False, tz=tz)

        def done(detail: ThreatDetail) -> None:
            if shiboken6.isValid(self) and request == self._request:  # the pane may be gone (signed out)
                self._show(detail)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self) and request == self._request:
                self._show(None)
                self._say(str(error), False)

        run_in_background(work, done, failed)

    def refresh(self) -> None:
        """Re-read the shown threat (another console changed it); not a new view, so not audited again."""
        self.set_threat(self.threat_id, audit_view=False)

    def tick(self, now: datetime) -> None:
        """Move the countdown and the received age on (the queue's one-second clock); nothing is read."""
        self.now = now
        detail = self.detail
        if detail is None:
            return
        row = detail.row
        threatened = threatened_words(row.threatened_at, row.threatened_text, now, self.tz)
        self.fields["threatened"].setText(threatened)
        received = detail.received_at
        age = age_text((now - received).total_seconds())
        self.fields["received"].setText(f"{received.astimezone(self.tz).strftime('%a %d %b %H:%M')} — {age} ago")
        self.summary.setText(f"{row.target_name}{f' ({row.division})' if row.division else ''}  ·  "
                             f"threatened: {threatened}")

    def _show(self, detail: ThreatDetail | None) -> None:
        kept_unit, kept_scroll = self._place_in(detail)
        self.detail = detail
        self.suspects.clear()
        self.units.clear()
        self.timeline.clear()
        self._show_empty(detail is None)
        if detail is None:
            self.case_label.setText("No threat selected")
            self.summary.setText("")
            for value in self.fields.values():
                value.setText("")
            self._update_buttons()
            self.loaded.emit(None)
            return
        row = detail.row
        local = self.tz

        def when(moment: Any) -> str:
            return moment.astimezone(local).strftime("%a %d %b %H:%M:%S") if moment is not None else ""

        self.case_label.setText(f"{row.case_number}  ·  {row.priority.value}  ·  {row.status.label}")
        caller = ", ".join(x for x in (detail.caller_name, detail.callback_number, detail.caller_relation) if x)
        if detail.confidential_reporter:
            caller = f"{caller} (CONFIDENTIAL reporter — never sent to units)"
        values = {
            "priority": f"{row.priority.value}{' (overridden)' if detail.priority_overridden else ''}",
            "status": row.status.label,
            "verification": row.verification.label,
            "target": f"{row.target_name} — {detail.target_address}".strip(" —"),
            "division": row.division,
            "call_taker": row.call_taker,
            "caller": caller,
            "learned": _label(LearnedHow, detail.learned_how),
            "evidence": detail.evidence,
            "statement": f"“{detail.statement}”",
            "narrative": detail.narrative,
            "weapons": ", ".join(sorted(w.label for w in detail.weapons)),
            "indicators": ", ".join(sorted(i.label for i in detail.indicators)),
            "reasons": "\n".join(detail.priority_reasons),
            "named": detail.named_persons,
            "outcomes": ", ".join(o.label for o in Outcome if o in detail.outcomes)
            + (f": {detail.outcome_other}" if detail.outcome_other else ""),
            "linked": detail.linked_to or "",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
            if key in OPTIONAL_FIELDS:
                self.form.setRowVisible(self.fields[key], bool(text))
        self.tick(datetime.now(UTC))
        for suspect in detail.suspects:
            text = suspect.label if suspect.masked else f"{suspect.name} {suspect.date_of_birth}".strip()
            self.suspects.addItem(f"{text}{'  [identity masked]' if suspect.masked else ''}")
        if not detail.suspects:
            self.suspects.addItem("none recorded")
            self.suspects.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        for unit in detail.units:
            state = f" — {unit.notification_state}" if unit.notification_state else ""
            self.units.addItem(f"{unit.unit_id} ({_label(UnitKind, unit.kind)}){state}")
        if not detail.units:
            self.units.addItem("none assigned yet")
            self.units.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.suspects.updateGeometry()
        self.units.updateGeometry()
        for entry in detail.timeline:
            self.timeline.addItem(f"{when(entry.at)}  {entry.text}")  # a sentence naming who (services/timeline.py)
        self._restore_place(detail, kept_unit, kept_scroll)
        self._update_buttons()
        self.loaded.emit(detail)

    def _place_in(self, detail: ThreatDetail | None) -> tuple[str | None, int | None]:
        """What the supervisor had chosen in the pane, when ``detail`` is a re-read of the threat already shown.

        A live change (an acknowledgement, another console's note) re-reads the shown threat; the unit picked for
        Ctrl+Shift+X and the place in the timeline must survive it. ``None`` for the timeline means "follow the
        newest entry" (it was at the bottom, or this is another threat).
        """
        previous = self.detail
        if detail is None or previous is None or previous.row.threat_id != detail.row.threat_id:
            return None, None
        row = self.units.currentRow()
        unit = previous.units[row].unit_id if 0 <= row < len(previous.units) else None
        return unit, self.timeline.position()

    def _restore_place(self, detail: ThreatDetail, unit_id: str | None, scroll: int | None) -> None:
        if unit_id is not None:
            for i, unit in enumerate(detail.units):
                if unit.unit_id == unit_id:
                    self.units.setCurrentRow(i)
                    break
        self.timeline.restore(scroll)

    def _update_buttons(self) -> None:
        closed = self.detail is not None and self.detail.row.status is Status.CLOSED
        for name, button in self.buttons.items():
            enabled = bool(button.property("allowed")) and self.detail is not None
            if name == "reopen":
                enabled = enabled and closed
            elif name != "note":
                enabled = enabled and not closed
            if name == "unassign":
                enabled = enabled and bool(self.detail and self.detail.units)
            button.setEnabled(enabled)

    def _say(self, text: str, ok: bool) -> None:
        self.feedback.setText(text)
        self.feedback.setVisible(bool(text))
        set_role(self.feedback, "ok" if ok else "error")
        self.message.emit(text, ok)

    # --- actions --------------------------------------------------------------------------------------------------
    def trigger(self, name: str) -> None:
        """Run action ``name`` (from a button or a menu shortcut): ask for its details, then call the service.

        The version written is the one shown when the dialog OPENED (``decided``): a live update re-reads the pane
        while the dialog is open, and sending the re-read version would overwrite a change the operator never saw.
        """
        detail = self.detail
        if detail is None:
            self._say("Select a threat in the queue first (arrow keys, then the action's shortcut).", False)
            return
        button = self.buttons[name]
        if not button.property("allowed"):
            self._say(WHY_DISABLED.format(role=self.actor.role.label.lower()), False)
            return
        row = decided = detail.row
        if name == "priority":
            d1 = PriorityDialog(row.priority, self)
            if self.dialog_factory(d1):
                self.run("change_priority", decided=decided, priority=d1.chosen(), reason=d1.reason.text())
        elif name == "status":
            d2 = StatusDialog(row.status, self)
            if self.dialog_factory(d2):
                self.run("change_status", decided=decided, status=d2.chosen())
        elif name == "verification":
            d3 = VerificationDialog(row.verification, self)
            if self.dialog_factory(d3):
                self.run("set_verification", decided=decided, verification=d3.chosen())
        elif name == "note":
            d4 = TextDialog("Add a note", "&Note", "The note is empty: type what you want to add.", self)
            if self.dialog_factory(d4):
                self.run("add_note", decided=decided, text=d4.text.toPlainText())
        elif name == "assign":
            d5 = AssignDialog(row.division, self)
            if self.dialog_factory(d5):
                self.run("assign_unit", decided=decided, unit_id=d5.unit.text(), kind=d5.chosen_kind(),
                         division=d5.division.text())
        elif name == "unassign":
            current = self.units.currentRow()
            if current < 0 or current >= len(detail.units):
                self._say("Select the unit to unassign in the Units list first (Details, Alt+2).", False)
                self.show_section(SECTION_DETAILS)
                self.units.setFocus()
                return
            self.run("unassign_unit", decided=decided, unit_id=detail.units[current].unit_id)
        elif name == "close":
            d6 = CloseDialog(self)
            if self.dialog_factory(d6):
                self.run("close", decided=decided, outcomes=d6.chosen(), other_text=d6.other.text())
        elif name == "reopen":
            d7 = TextDialog("Reopen the case", "&Reason", "Type why the case is reopened (it is audited).", self)
            if self.dialog_factory(d7):
                self.run("reopen", decided=decided, reason=d7.text.toPlainText())

    def run(self, operation: str, *, decided: QueueRow | None = None, **arguments: Any) -> None:
        """Call ``triage.<operation>`` in the background for the threat and version the operator decided on.

        ``decided`` defaults to the row shown now. A refusal as stale keeps the operation and its arguments, and
        offers them again (:meth:`apply_again`) against the version the refusal just showed.
        """
        if decided is None:
            if self.detail is None:
                return
            decided = self.detail.row
        self.retry.forget()
        db, actor = self.db, self.actor
        threat_id, version = decided.threat_id, decided.version
        function = getattr(triage, operation)

        def work() -> triage.TriageResult:
            with db.write() as session:
                result: triage.TriageResult = function(session, actor=actor, threat_id=threat_id,
                                                       expected_version=version, **arguments)
                return result

        def done(result: triage.TriageResult) -> None:
            if not shiboken6.isValid(self):
                return
            self._say(f"Saved: {result.row.case_number} {operation.replace('_', ' ')}.", True)
            self.row_changed.emit(result.row)
            if self.threat_id == threat_id:
                self.refresh()

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self):
                return
            if isinstance(error, triage.StaleThreat):
                fresh = error.fresh
                if fresh is not None and self.threat_id == threat_id:
                    self.retry.offer(fresh, operation, arguments)
                self._say(error.describe(self.tz) + (f" {AGAIN_HINT}" if self.retry.kept else ""), False)
                if fresh is not None:
                    self.row_changed.emit(fresh)
                if self.threat_id == threat_id:
                    self.refresh()
            elif isinstance(error, PermissionDenied | triage.TriageError):
                self._say(str(error), False)
            else:
                self._say(f"The change could not be saved ({type(error).__name__}: {error}). Nothing was "
                          "changed; try again, and call for support if it keeps failing.", False)

        run_in_background(work, done, failed)

    def apply_again(self) -> None:
        """The "Apply again" button: the refused choice, unchanged, against the version the refusal showed."""
        kept = self.retry.take()
        if kept is not None and kept.row.threat_id == self.threat_id:
            self.run(kept.operation, decided=kept.row, **kept.arguments)


__all__ = ["ACTIONS", "EMPTY_HINT", "SECTIONS", "DetailPane", "FittedList", "Priority", "Verification",
           "threatened_words"]
