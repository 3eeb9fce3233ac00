"""The designated-units panel widget: the proposal with its reasons, the supervisor's edits, and the one click.

Why a module of its own: this is the widget - its layout, its background reads and its actions; the table model
(:mod:`.model`), the pure snapshot-to-rows logic (:mod:`.snapshot`) and the window's menu action
(:mod:`.menu_action`) live beside it.

Everything slow happens off the GUI thread through ``worker.run_in_background``: the roster comes from the backend
(``GET /v1/units``), the threat's facts, assignments and notification states from the database. The panel re-reads
every second while a threat is shown, so states written by the background sender and the status feed (on this or
any other console) appear without a click.

States are words with a marker, never colour alone: failed rows read "✖ failed: <reason>" (and are red),
acknowledged rows read "✔ acknowledged by …". When the backend is unreachable or refuses the token, a banner names
the units not reached and says what is being done, so a page can never silently go missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.enums import DeliveryState, UnitKind
from dispatch_console.domain.routing import UnitView
from dispatch_console.domain.text import plural
from dispatch_console.services.clock import utcnow
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.flow_layout import FlowLayout
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.units.menu_action import NOTIFY_SHORTCUT, RETRY_SHORTCUT, register_panel_actions
from dispatch_console.ui.units.model import UnitRow, UnitsModel
from dispatch_console.ui.units.snapshot import (
    PREVIEW_REASON,
    UnitsSnapshot,
    banner_text,
    pending_proposals,
    preview_text,
    rows_for,
)
from dispatch_console.ui.worker import run_in_background

if TYPE_CHECKING:
    from dispatch_console.gateway.client import NotifyClient
    from dispatch_console.services.outbox_sender import OutboxDispatcher

REFRESH_MS = 1000
ROSTER_TTL = timedelta(seconds=60)


class UnitsPanel(QWidget):
    """Designated units of one threat, with the "Notify designated units" click.

    Args:
        ctx: The console context (database, operator, backend URL and token provider, long-lived services).
        window: The main window, to register the Threat-menu action (``None`` in a bare widget test).

    Signals:
        refreshed: A new snapshot is shown.
        notified: A click was written (carries the ``NotifyResult``).
        failed: An action failed (carries the message shown).
    """

    refreshed = Signal()
    notified = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: ConsoleContext, window: Any = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._threat_id: int | None = None
        self._snapshot: UnitsSnapshot | None = None
        self._roster: list[UnitView] | None = None
        self._roster_at: datetime | None = None
        self._loading = False
        self._again = False  # a re-read was asked for while one was running: run it when that one is back
        self._client: NotifyClient | None = None
        self.setAccessibleName("Designated units")

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Designated units")
        self.title.setAccessibleName("Designated units title")
        column.addWidget(self.title)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Notification problem")
        set_role(self.banner, "error")
        self.banner.hide()
        column.addWidget(self.banner)

        self.model = UnitsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setDynamicSortFilter(True)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Designated units and their notification state")
        table_label = QLabel("Units (Delete removes the selected unit; Alt+1 comes here)")
        table_label.setWordWrap(True)
        table_label.setBuddy(self.table)
        column.addWidget(table_label)
        column.addWidget(self.table, 1)

        picker_row = QHBoxLayout()
        self.picker = QLineEdit()
        self.picker.setPlaceholderText("type a call sign, kind or division, then Enter")
        self.picker.setAccessibleName("Add unit")
        self.completer = QCompleter([], self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.picker.setCompleter(self.completer)
        picker_label = QLabel("Unit to add (t&ype-ahead):")
        picker_label.setBuddy(self.picker)
        self.add_button = QPushButton("Add")  # Enter in the type-ahead adds too
        self.add_button.setAccessibleName("Add the unit")
        picker_row.addWidget(picker_label)
        picker_row.addWidget(self.picker, 1)
        picker_row.addWidget(self.add_button)
        column.addLayout(picker_row)

        buttons = FlowLayout()  # wraps onto a second row in a narrow pane instead of widening it
        self.remove_button = QPushButton("Re&move unit")
        self.remove_button.setAccessibleName("Remove the selected unit")
        self.retry_button = QPushButton(f"Retry failed ({RETRY_SHORTCUT})")  # no mnemonic: Alt+L links duplicates
        self.retry_button.setAccessibleName("Retry failed notifications")
        self.notify_button = QPushButton(f"Notify designated units ({NOTIFY_SHORTCUT})")
        self.notify_button.setAccessibleName("Notify designated units")
        for button in (self.remove_button, self.retry_button, self.notify_button):
            buttons.addWidget(button)
        column.addLayout(buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Units panel message")
        column.addWidget(self.message)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("What the units will receive")
        self.preview.setMaximumHeight(150)
        preview_label = QLabel("What the units will receive (names typed in the statement are masked):")
        preview_label.setWordWrap(True)
        preview_label.setBuddy(self.preview)
        column.addWidget(preview_label)
        column.addWidget(self.preview)

        QWidget.setTabOrder(self.table, self.picker)
        QWidget.setTabOrder(self.picker, self.add_button)
        QWidget.setTabOrder(self.add_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.retry_button)
        QWidget.setTabOrder(self.retry_button, self.notify_button)
        QWidget.setTabOrder(self.notify_button, self.preview)

        self.picker.returnPressed.connect(self.add_typed_unit)
        self.add_button.clicked.connect(lambda: self.add_typed_unit())
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.retry_button.clicked.connect(lambda: self.retry_failed())
        self.notify_button.clicked.connect(lambda: self.notify())
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)

        self._register_action(window)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._poll)
        self._update_buttons()

    # --- wiring ----------------------------------------------------------------------------------------------

    def _register_action(self, window: Any) -> None:
        """The Threat-menu actions (or, with no window, panel shortcuts); see :mod:`.menu_action`."""
        register_panel_actions(self, self, self.ctx, window)

    def notify_from_menu(self) -> None:
        """Ctrl+Shift+N: notify the units of the threat shown here, else of the queue's current threat."""
        threat_id = self._threat_id
        if threat_id is None:
            threat_id = self.ctx.current_threat_id()
        if threat_id is None:
            self._show_message("Select a threat in the queue first, then notify its units.", error=True)
            return
        if threat_id != self._threat_id:
            self.set_threat(threat_id)
        self.notify(threat_id)

    def _dispatcher(self) -> OutboxDispatcher | None:
        return self.ctx.outbox_dispatcher

    def _notify_client(self) -> NotifyClient | None:
        factory = self.ctx.notify_client_factory
        if self._client is None and factory is not None:
            self._client = factory()
        return self._client

    # --- loading ---------------------------------------------------------------------------------------------

    def set_threat(self, threat_id: int | None) -> None:
        """Show the designated units of ``threat_id`` (``None`` clears the panel).

        The same threat again (the pane re-reads it after a live change) is only re-read: the rows stay until the
        fresh ones replace them, and the supervisor's last message ("Notifying 7 units …") stays readable.
        """
        if threat_id is not None and threat_id == self._threat_id:
            self.refresh()
            return
        self._threat_id = threat_id
        self._snapshot = None
        self.model.set_rows([])
        self.message.clear()
        self.preview.clear()
        self.banner.hide()
        if threat_id is None:
            self.timer.stop()
            self.title.setText("Designated units")
        else:
            self.title.setText("Designated units (loading …)")
            self.refresh()
            self.timer.start()
        self._update_buttons()

    @property
    def threat_id(self) -> int | None:
        """The threat shown."""
        return self._threat_id

    def refresh(self) -> None:
        """Re-read the threat's units and notifications (and the roster when stale) in the background."""
        threat_id = self._threat_id
        if threat_id is None:
            return
        if self._loading:  # the read under way may predate the change that asked for this one
            self._again = True
            return
        self._loading = True
        db = self.ctx.db
        roster = self._roster
        stale = self._roster_at is None or utcnow() - self._roster_at > ROSTER_TTL
        client = self._notify_client() if stale else None

        def work() -> UnitsSnapshot:
            from dispatch_console.services import outbox, units

            fresh = roster
            error = ""
            if client is not None:
                try:
                    fresh = [UnitView(u.unit_id, u.call_sign, u.kind, u.division, u.status)
                             for u in client.list_units()]
                except Exception as exc:  # NotifyError carries safe words; anything else only its class
                    error = getattr(exc, "reason", type(exc).__name__)
            with db.read() as session:
                facts = units.routing_facts(session, threat_id=threat_id)
                assigned = units.assignments(session, threat_id=threat_id)
                notes = outbox.notifications_for(session, threat_id=threat_id)
                request = outbox.preview(session, threat_id=threat_id, reason=PREVIEW_REASON)
            return UnitsSnapshot(threat_id, facts, assigned, notes, fresh, error,
                                 request.to_json() if request is not None else None)

        run_in_background(work, self._loaded, self._load_failed)

    def _poll(self) -> None:
        """The once-a-second re-read skips a beat while a read is under way, rather than queueing behind it."""
        if not self._loading:
            self.refresh()

    def _loaded(self, snapshot: UnitsSnapshot) -> None:
        self._loading = False
        self._show_snapshot(snapshot)
        self._read_again_if_asked()

    def _read_again_if_asked(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _show_snapshot(self, snapshot: UnitsSnapshot) -> None:
        if snapshot.roster is not None and snapshot.roster is not self._roster:
            self._roster = snapshot.roster
            self._roster_at = utcnow()
            self.completer.setModel(QStringListModel([self._roster_entry(u) for u in self._roster], self.completer))
        if snapshot.threat_id != self._threat_id:
            return
        self._snapshot = snapshot
        self.model.set_rows(rows_for(snapshot, self.ctx.tz))
        facts = snapshot.facts
        self.title.setText(f"Designated units — {facts.case_number} ({facts.priority.value})" if facts else
                           "Designated units (threat not found)")
        self._update_banner(snapshot)
        text = preview_text(snapshot.preview)
        if text != self.preview.toPlainText():
            self.preview.setPlainText(text)
        self._update_buttons()
        self.refreshed.emit()

    def _load_failed(self, error: BaseException) -> None:
        self._loading = False
        self._show_message(f"Could not read the units ({type(error).__name__}); retrying.", error=True)
        self._read_again_if_asked()

    @staticmethod
    def _roster_entry(unit: UnitView) -> str:
        return f"{unit.unit_id} — {unit.kind.label}, {unit.division}, {unit.status.label.lower()}"

    def _update_banner(self, snapshot: UnitsSnapshot) -> None:
        dispatcher = self._dispatcher()
        health = dispatcher.health() if dispatcher is not None else None
        text = banner_text(snapshot, health)
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _update_buttons(self) -> None:
        actor = self.ctx.actor
        supervisor = actor is not None and actor.is_supervisor
        shown = self._snapshot is not None
        for button in (self.add_button, self.remove_button, self.retry_button, self.notify_button):
            button.setEnabled(supervisor and shown)
        self.picker.setEnabled(supervisor and shown)
        hint = "" if supervisor else "Only a supervisor can designate and notify units."
        self.notify_button.setToolTip(hint or f"Notify every designated unit once ({NOTIFY_SHORTCUT})")

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        set_role(self.message, "error" if error else "ok")
        if error:
            self.failed.emit(text)

    # --- actions ---------------------------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def failed(error: BaseException) -> None:
            text = str(error) if isinstance(error, ValueError | PermissionError) or _is_refusal(error) else (
                f"The action failed ({type(error).__name__}); nothing was changed. Try again.")
            self._show_message(text, error=True)

        run_in_background(work, done, failed)

    def add_typed_unit(self) -> None:
        """Designate the unit typed (or picked) in the unit picker."""
        text = self.picker.text().strip()
        threat_id, snapshot = self._threat_id, self._snapshot
        if not text or threat_id is None or snapshot is None:
            self._show_message("Type a unit's call sign (the list suggests the roster), then press Enter.",
                               error=True)
            return
        unit_id = text.split(" — ", 1)[0].strip()
        roster = {u.unit_id.casefold(): u for u in self._roster or []}
        unit = roster.get(unit_id.casefold())
        if unit is None:
            self._show_message(f"{unit_id} is not on the backend's roster; check the call sign.", error=True)
            return
        proposals = [] if snapshot.assignments else pending_proposals(snapshot)
        actor = self.ctx.operator
        db = self.ctx.db

        def work() -> str:
            from dispatch_console.services import triage, units

            with db.write() as session:
                version = self._materialize(session, actor, threat_id, proposals)
                if unit.unit_id not in {a.unit_id for a in units.assignments(session, threat_id=threat_id)}:
                    triage.assign_unit(session, actor=actor, threat_id=threat_id, expected_version=version,
                                       unit_id=unit.unit_id, kind=unit.kind, division=unit.division,
                                       reason=f"added by {actor.display_name}")
            return unit.unit_id

        def done(added: str) -> None:
            self.picker.clear()  # only after success: a refused add keeps what was typed
            self._show_message(f"{added} designated.")
            self.refresh()

        self._run(work, done)

    @staticmethod
    def _materialize(session: Any, actor: Any, threat_id: int,
                     proposals: list[tuple[str, UnitKind, str, str]]) -> int:
        """Store the proposal as assignments (first edit or click); returns the threat's current version."""
        from dispatch_console.services import triage, units

        facts = units.routing_facts(session, threat_id=threat_id)
        if facts is None:
            raise ValueError("This threat no longer exists; refresh the queue.")
        version = facts.version
        if units.assignments(session, threat_id=threat_id):
            return version
        for unit_id, kind, division, reason in proposals:
            result = triage.assign_unit(session, actor=actor, threat_id=threat_id, expected_version=version,
                                        unit_id=unit_id, kind=kind, division=division, reason=reason)
            version = result.version
        return version

    def _selected(self) -> UnitRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.proxy.mapToSource(index).row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def remove_selected(self) -> None:
        """Remove the selected unit from the designated units (a page already sent stays in the record)."""
        row, threat_id, snapshot = self._selected(), self._threat_id, self._snapshot
        if row is None or threat_id is None or snapshot is None or not row.designated:
            self._show_message("Select a designated unit in the list first.", error=True)
            return
        proposals = [] if snapshot.assignments else pending_proposals(snapshot)
        actor, db = self.ctx.operator, self.ctx.db

        def work() -> str:
            from dispatch_console.services import triage

            with db.write() as session:
                version = self._materialize(session, actor, threat_id, proposals)
                triage.unassign_unit(session, actor=actor, threat_id=threat_id, expected_version=version,
                                     unit_id=row.unit_id)
            return row.unit_id

        def done(removed: str) -> None:
            self._show_message(f"{removed} removed from the designated units.")
            self.refresh()

        self._run(work, done)

    def retry_failed(self) -> None:
        """Re-queue the selected failed notification, or every failed one of this threat (same keys)."""
        snapshot = self._snapshot
        if snapshot is None:
            self._show_message("Select a threat first; its failed notifications can then be retried.", error=True)
            return
        selected = self._selected()
        targets = [selected.notification_id] if selected is not None and selected.failed else [
            v.notification_id for v in snapshot.notifications if v.state is DeliveryState.FAILED]
        if not targets:
            self._show_message("No failed notification to retry.", error=True)
            return
        actor, db = self.ctx.operator, self.ctx.db

        def work() -> int:
            from dispatch_console.services import outbox

            with db.write() as session:
                for nid in targets:
                    outbox.retry_failed(session, actor=actor, notification_id=nid, now=utcnow())
            return len(targets)

        def done(count: int) -> None:
            dispatcher = self._dispatcher()
            if dispatcher is not None:
                dispatcher.wake()
            self._show_message(f"{plural(count, 'notification')} queued again with the same id; the unit is never "
                               "paged twice.")
            self.refresh()

        self._run(work, done)

    def notify(self, threat_id: int | None = None) -> None:
        """The one click: store the designated units (the proposal if untouched) and queue one page per unit."""
        threat_id = self._threat_id if threat_id is None else threat_id
        if threat_id is None:
            self._show_message("Select a threat first.", error=True)
            return
        snapshot = self._snapshot if self._snapshot and self._snapshot.threat_id == threat_id else None
        proposals = pending_proposals(snapshot) if snapshot and not snapshot.assignments else []
        need_roster = snapshot is None
        actor, db = self.ctx.operator, self.ctx.db
        client = self._notify_client() if need_roster else None
        self.notify_button.setEnabled(False)

        def work() -> Any:
            from dispatch_console.services import outbox, units

            pending = proposals
            if need_roster:
                with db.read() as session:
                    facts = units.routing_facts(session, threat_id=threat_id)
                    assigned = units.assignments(session, threat_id=threat_id)
                if facts is not None and not assigned and client is not None:
                    roster = [UnitView(u.unit_id, u.call_sign, u.kind, u.division, u.status)
                              for u in client.list_units()]
                    by_id = {u.unit_id: u for u in roster}
                    pending = [(p.unit_id, p.kind, by_id[p.unit_id].division, p.reason)
                               for p in units.propose(facts, roster)]
            with db.write() as session:
                if not actor.is_supervisor:  # refused as what was asked (notify), before any unit is stored
                    raise outbox.refuse_notify(session, actor, threat_id)
                self._materialize(session, actor, threat_id, pending)
                designated = [a.unit_id for a in units.assignments(session, threat_id=threat_id)]
                return outbox.notify_designated_units(session, actor=actor, threat_id=threat_id,
                                                      unit_ids=designated, now=utcnow())

        def done(result: Any) -> None:
            dispatcher = self._dispatcher()
            if dispatcher is not None:
                dispatcher.wake()
            if result.queued:
                text = f"Notifying {plural(len(result.queued), 'unit')}: {', '.join(result.queued)}."
            else:
                text = "Every designated unit was already notified; nobody is paged twice."
            if result.skipped and result.queued:
                text += f" Already notified, not paged again: {', '.join(result.skipped)}."
            self._show_message(text)
            self._update_buttons()
            self.notified.emit(result)
            self.refresh()

        def failed(error: BaseException) -> None:
            self._update_buttons()
            text = str(error) if isinstance(error, ValueError) or _is_refusal(error) else (
                f"The notification could not be queued ({type(error).__name__}); nothing was sent. Try again.")
            self._show_message(text, error=True)

        run_in_background(work, done, failed)


def _is_refusal(error: BaseException) -> bool:
    from dispatch_console.db.engine import AuditedRefusal

    return isinstance(error, AuditedRefusal)
