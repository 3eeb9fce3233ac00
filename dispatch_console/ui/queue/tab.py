"""The Queue tab: filters, the live table of open threats, and the detail and triage pane beside it.

Built after sign-in by the composition root (``app.WORKSPACE_TABS``). It owns one ``LiveBridge`` for the database
the console uses, a one-second clock for the countdowns (no database reads) and the new-P1 alert sound. The threat
selected here is exposed to the rest of the console as ``ctx.selection`` (see ``ctx.current_threat_id()``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.enums import Priority, Status
from dispatch_console.services.livefeed import ChangeWatcher
from dispatch_console.services.queue import QueueRow
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.queue.alerts import AlertSound
from dispatch_console.ui.queue.columns import QueueColumns
from dispatch_console.ui.queue.detail import ACTIONS, SECTIONS, DetailPane
from dispatch_console.ui.queue.eido_export import add_eido_export
from dispatch_console.ui.queue.live import LiveBridge
from dispatch_console.ui.queue.model import COL_PRIORITY, ID_ROLE, QueueFilter, QueueModel
from dispatch_console.ui.queue.table_view import QueueView
from dispatch_console.ui.queue.tally import QueueTally
from dispatch_console.ui.theme import set_role

TICK_MS = 1000
SHORTCUTS = (
    ("Show the queue", "F3"),
    *((text.replace("&", "").rstrip("…"), shortcut) for _n, text, shortcut, _s in ACTIONS),
    ("Search the queue", "Ctrl+Shift+F"),
    ("Schools only / all targets", "Ctrl+Shift+H"),
    ("Mute / unmute the new-P1 alert", "Ctrl+M"),
    ("Sort the queue by the current cell's column (again: reverse)", "Ctrl+Shift+K"),
    ("Queue back in triage order (priority, time left)", "Ctrl+Shift+G"),
    ("Choose the queue's columns", "Ctrl+Shift+J"),
    *((f"Detail pane: {title.replace('&&', 'and')}", shortcut) for title, shortcut in SECTIONS),
)
# Column widths, the columns that give way on a narrow screen and the column chooser: see columns.py.
SPLIT = (1210, 690)  # table : pane at 1920 px; the pane needs ~700 px for the units panel's columns side by side
PANE_UNFOLDED = 560  # the pane may give up this much of its preferred width so that no queue column must hide
PANE_MINIMUM = 480  # narrower, the units' reasons and failures wrap into too many lines (their columns fold at ~600)


class QueueSplitter(QSplitter):
    """A splitter that says when it has been resized (and has shared out its new width), so the tab can re-split."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class QueueTab(QWidget):
    """The queue and its pane; ``window`` (the main window) is optional so tests can build the tab alone."""

    def __init__(self, ctx: ConsoleContext, window: Any = None, *, watcher: ChangeWatcher | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        actor = ctx.operator
        self.model = QueueModel(self)
        self.tally = QueueTally()  # counts and divisions kept by difference: a change costs its size, not the queue's
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.sound = AlertSound(muted=not ctx.settings.alert_sound, parent=self)
        self.model.new_p1.connect(self._on_new_p1)
        self.model.waiting_alarm.connect(lambda: self._on_new_p1(0))  # a P1/P2 still unnotified past its limit
        self.model.waiting_limits.update({Priority.P1: timedelta(minutes=ctx.settings.not_notified_p1_min),
                                          Priority.P2: timedelta(minutes=ctx.settings.not_notified_p2_min)})

        column = QVBoxLayout(self)
        self.banner = QLabel("")
        self.banner.setAccessibleName("Live update status")
        self.banner.setWordWrap(True)
        self.banner.hide()
        column.addWidget(self.banner)
        column.addLayout(self._filter_bar())

        self.view = QueueView()
        self.view.setAccessibleName("Open threats")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_PRIORITY, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.columns = QueueColumns(self.view, self.model, actor.username)

        self.pane = DetailPane(ctx.db, actor, tz=ctx.tz, ctx=ctx, window=window)
        self.pane.row_changed.connect(lambda row: self._apply([row], [], alert=False))
        self.pane.message.connect(self._on_pane_message)
        splitter = QueueSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(self.pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes(list(SPLIT))
        self.splitter = splitter
        self._split_by_operator = False  # the operator dragged the handle: their split stays
        self._split_for: tuple[int, int] = (0, 0)  # (splitter width, table width needed) of the last automatic split
        splitter.splitterMoved.connect(self._on_splitter_moved)
        self.columns.required_changed.connect(lambda _w: self.fit_split())
        splitter.resized.connect(self.fit_split)
        column.addWidget(splitter, 1)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Queue summary")
        set_role(self.count_label, "hint")
        column.addWidget(self.count_label)
        self.setFocusProxy(self.view)  # F3 ("Show Queue") focuses the tab: the table, where ↓ chooses a threat
        self.setTabOrder(self.search, self.view)
        self.setTabOrder(self.view, self.pane)

        selection = self.view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_changed)
        self.proxy.rowsRemoved.connect(self._check_selection)
        self.proxy.modelReset.connect(self._check_selection)

        self.clock = QTimer(self)
        self.clock.timeout.connect(self._tick)
        self.clock.start(TICK_MS)

        self.live = LiveBridge(ctx.db, poll_ms=ctx.settings.change_poll_ms, watcher=watcher, parent=self)
        self.live.loaded.connect(self._on_loaded)
        self.live.rows_changed.connect(self._on_rows_changed)
        self.live.status.connect(self._on_live_status)
        self.live.reconnected.connect(self._on_reconnected)
        self.live.load_all()
        self.first_load_done = False
        if window is not None:
            self._add_actions(window)
            if hasattr(window, "lock_page"):  # a locked console still shows how many P1/P2 wait (no details)
                self.model.waiting_changed.connect(window.lock_page.set_waiting)
        ctx.selection = self
        live = self.live

        def on_destroyed(*_: object) -> None:  # signed out: stop listening, stop answering for the selection
            live.close()
            if ctx.selection is self:
                ctx.selection = None

        self.destroyed.connect(on_destroyed)

    # --- layout pieces -------------------------------------------------------------------------------------------
    def fit_split(self) -> None:
        """Share the width between the table and the pane: the pane keeps its preferred width while the table still
        shows every column and the site names in full, and gives up to ``PANE_UNFOLDED`` for that; on a narrower
        screen the table takes what the columns that always show need (the others give way), the pane keeps at
        least ``PANE_MINIMUM`` (its buttons and the units' columns re-flow). Within one window width the table
        only grows, so scrolling past a shorter name does not make the pane jump."""
        if self._split_by_operator:
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        pane_minimum = max(PANE_MINIMUM, self.pane.minimumSizeHint().width())
        everything = self.columns.required_width(every_column=True)
        # every chosen column and the names, if the pane can still show the units' columns side by side
        needed = everything if total - everything >= PANE_UNFOLDED else self.columns.required_width()
        if self._split_for[0] == total:
            needed = max(needed, self._split_for[1])
        table = max(total - SPLIT[1], min(needed, total - pane_minimum))
        self._split_for = (total, needed)
        if self.splitter.sizes()[0] != table:
            self.splitter.setSizes([table, total - table])

    def _on_splitter_moved(self, *_: object) -> None:
        self._split_by_operator = True

    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("case number, school, unit, call-taker …")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self.proxy.set_filters(text=text))
        self.schools = QCheckBox("Schools &only")
        self.schools.setAccessibleName("Schools only")
        self.schools.toggled.connect(lambda on: self.proxy.set_filters(schools_only=on))
        self.division = QComboBox()
        self.division.addItem("All divisions", "")
        self.division.currentIndexChanged.connect(
            lambda _i: self.proxy.set_filters(division=self.division.currentData() or ""))
        self.status = QComboBox()
        self.status.addItem("All open", None)
        for status in Status:
            if status is not Status.CLOSED:
                self.status.addItem(status.label, status)
        self.status.currentIndexChanged.connect(lambda _i: self.proxy.set_filters(status=self.status.currentData()))
        for text, widget, name in (("&Search", self.search, "Search"), ("&Division", self.division, "Division"),
                                   ("Status", self.status, "Status")):
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(name)
            bar.addWidget(label)
            bar.addWidget(widget, 2 if widget is self.search else 0)
        bar.addWidget(self.schools)
        return bar

    def _add_actions(self, window: Any) -> None:
        # Named "tab_…" so that the main window removes them with the tabs at sign-out.
        for name, text, shortcut, _supervisor in ACTIONS:
            window.add_action("Threat", f"tab_queue_{name}", text, shortcut,
                              lambda n=name: self.pane.trigger(n))
        window.add_action("Threat", "tab_queue_search", "Search the queue", "Ctrl+Shift+F", self.focus_search)
        add_eido_export(window, self.pane, self.ctx)  # Threat → Export as EIDO (ui/queue/eido_export.py)
        window.add_action("View", "tab_queue_schools", "Schools only / all targets", "Ctrl+Shift+H",
                          self.schools.toggle)
        mute = window.add_action("View", "tab_queue_mute", "&Mute new-P1 alert", "Ctrl+M", self.toggle_mute)
        mute.setCheckable(True)
        mute.setChecked(self.sound.muted)
        self.mute_action = mute
        window.add_action("View", "tab_queue_sort", "Sort the queue by the current &column", "Ctrl+Shift+K",
                          self.sort_by_current_column)
        window.add_action("View", "tab_queue_columns", "Queue &columns…", "Ctrl+Shift+J", self.columns.open_chooser)
        window.add_action("View", "tab_queue_triage_order", "Queue in &triage order", "Ctrl+Shift+G",
                          self.triage_order)
        for index, (title, shortcut) in enumerate(SECTIONS):
            window.add_action("View", f"tab_queue_section_{index + 1}", f"Detail pane: {title}", shortcut,
                              lambda i=index: self.show_section(i))

    def show_section(self, index: int) -> None:
        """Alt+1/2/3 from anywhere in the window: show the Queue tab's pane section (units, details, timeline)."""
        tabs = self.parentWidget()
        while tabs is not None and not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        if tabs is not None:
            tabs.setCurrentWidget(self)
        self.pane.show_section(index)

    # --- the selection, exposed to the rest of the console ---------------------------------------------------------
    def current_threat_id(self) -> int | None:
        index = self.view.selectionModel().currentIndex()
        if not index.isValid() or not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        value = index.siblingAtColumn(0).data(ID_ROLE)
        return int(value) if value is not None else None

    def reread(self, threat_id: int) -> None:
        """Re-read the pane if it shows ``threat_id`` (after an audited reveal, the identities show at once)."""
        if self.pane.threat_id == threat_id:
            self.pane.refresh()

    def select_threat(self, threat_id: int, *, scroll: bool = True) -> bool:
        source = self.model.index_of(threat_id)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        if scroll:
            self.view.scrollTo(index)
        return True

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._applying:
            return  # rows moving under the cursor are not the operator choosing another threat
        threat_id = current.siblingAtColumn(0).data(ID_ROLE) if current.isValid() else None
        if threat_id != self.pane.threat_id:
            self.pane.set_threat(threat_id)

    _applying = False

    def _apply(self, rows: list[QueueRow], gone: list[int], *, alert: bool = True) -> None:
        """Apply changes and keep the operator's place: the selected threat stays selected wherever it moves.

        If it left the queue (closed), nothing else gets selected and the pane stays on it (Reopen is there).
        """
        selected = self.pane.threat_id
        scroll = self.view.verticalScrollBar().value()
        touched = list(dict.fromkeys([*(r.threat_id for r in rows), *gone]))  # each threat once
        before = [self.model.find(t) for t in touched]
        self._applying = True
        try:
            self.model.apply(rows, gone, alert=alert)
            self._add_divisions(self.tally.replace(before, [self.model.find(t) for t in touched]))
            moved = selected is not None and self.current_threat_id() != selected
            if moved and selected is not None and not self.select_threat(selected, scroll=False):
                self.view.selectionModel().clearSelection()
                self.view.selectionModel().setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        finally:
            self._applying = False
        self.view.verticalScrollBar().setValue(scroll)
        self._update_count()

    def _check_selection(self, *_: Any) -> None:
        """Nothing to do: a removed selection is handled in ``_on_current_changed``."""

    # --- live updates ----------------------------------------------------------------------------------------------
    def _on_loaded(self, rows: list[QueueRow]) -> None:
        selected = self.current_threat_id()
        self.model.reset_rows(rows)
        self._add_divisions(self.tally.reset(self.model.row_at(i) for i in range(self.model.rowCount())))
        if selected is not None:
            self.select_threat(selected)
        self.first_load_done = True
        self._update_count()

    def _on_rows_changed(self, rows: list[QueueRow], gone: list[int]) -> None:
        self._apply(rows, gone)  # keeps the tally, the count and the division list (no loop over the queue)
        shown = self.pane.threat_id
        if shown is not None and (any(r.threat_id == shown for r in rows) or shown in gone):
            self.pane.refresh()

    def _on_live_status(self, text: str, ok: bool) -> None:
        self.banner.setText(text)
        set_role(self.banner, "ok" if ok else "error")
        self.banner.show()
        if ok:
            QTimer.singleShot(10_000, self.banner.hide)

    def _on_reconnected(self) -> None:
        if self.pane.threat_id is not None:
            self.pane.refresh()

    def _on_pane_message(self, text: str, ok: bool) -> None:
        if self.ctx.status_message is not None:
            self.ctx.status_message(text)

    def _add_divisions(self, divisions: list[str]) -> None:
        """Offer divisions not yet in the filter; a division stays offered once seen (the operator may pick it)."""
        for division in sorted(divisions):
            if division and self.division.findData(division) < 0:
                self.division.addItem(division, division)

    def _update_count(self) -> None:
        text = self.tally.text()
        if text != self.count_label.text():
            self.count_label.setText(text)

    # --- clock, alert ----------------------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = datetime.now(UTC)
        self.model.tick(now)
        self.columns.fit()  # an alert word that grew ("NOT NOTIFIED 10 min") widens its column, never elided
        self.pane.tick(now)

    def _on_new_p1(self, _threat_id: int) -> None:
        if self.first_load_done:
            self.sound.play()

    def toggle_mute(self) -> None:
        self.sound.muted = not self.sound.muted
        if hasattr(self, "mute_action"):
            self.mute_action.setChecked(self.sound.muted)

    def sort_by_current_column(self) -> None:
        """Sorting without a mouse: the column of the current cell; pressing again on that column reverses it."""
        column = max(self.view.currentIndex().column(), 0)
        ascending, descending = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
        self.view.sortByColumn(column, descending if self.model.sort_order == (column, ascending) else ascending)

    def triage_order(self) -> None:
        """Back to the default order: priority, then time left, then oldest call."""
        self.view.sortByColumn(COL_PRIORITY, Qt.SortOrder.AscendingOrder)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


def build_queue_tab(ctx: ConsoleContext, window: Any) -> QWidget:
    """The composition root's builder for the Queue tab (F3)."""
    return QueueTab(ctx, window)
