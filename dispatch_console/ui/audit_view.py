"""The Audit tab (F6): search the audit log, verify its hash chain, export one record's trail to CSV.

Reading the audit log is for supervisors and admins (it names every operator's actions); a call-taker sees why the
tab is empty. Verification reads the whole chain, so it runs on a worker and says plainly either "intact" or which
entry is the first that no longer fits, and why.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.audit_chain import AuditRecord, ChainBreak
from dispatch_console.domain.text import plural
from dispatch_console.services import audit, exports
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.qtdates import qdate
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

SHORTCUTS = {"search": "Ctrl+Alt+L", "verify": "Ctrl+Alt+V", "export": "Ctrl+Alt+A"}
Index = QModelIndex | QPersistentModelIndex


class AuditModel(QAbstractTableModel):
    HEADERS = ("#", "When", "Operator", "Console", "Action", "Record", "Outcome", "Detail")

    def __init__(self, ctx: ConsoleContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.tz = ctx.tz
        self.records: list[AuditRecord] = []

    def set_records(self, records: list[AuditRecord]) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.records)):
            return None
        r = self.records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.entry_id, r.at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S"), r.operator, r.console,
                    r.action, f"{r.record_type} {r.record_id}", r.outcome,
                    json.dumps(r.detail, ensure_ascii=False, sort_keys=True))[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return (r.record_type, r.record_id)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class AuditTab(QWidget):
    searched = Signal(int)  # entries shown
    verified = Signal(object)  # ChainBreak | None
    exported = Signal(object)  # Path
    failed = Signal(str)

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__()
        self.ctx = ctx
        column = QVBoxLayout(self)
        grid = QGridLayout()
        self.operator = QLineEdit()
        self.record_type = QLineEdit()
        self.record_type.setPlaceholderText("threat, operator, report …")
        self.record_id = QLineEdit()
        self.record_id.setPlaceholderText("e.g. TT-2026-00042")
        self.action = QLineEdit()
        self.action.setPlaceholderText("e.g. threat.reveal (part of the name is enough)")
        today = datetime.now(ctx.tz).date()
        self.use_dates = QCheckBox("Limit to &dates")
        self.since = QDateEdit(qdate(today - timedelta(days=30)))
        self.until = QDateEdit(qdate(today))
        fields: list[tuple[str, QWidget, str]] = [
            ("O&perator", self.operator, "Operator"), ("Record &type", self.record_type, "Record type"),
            ("Record &id", self.record_id, "Record id"), ("&Action", self.action, "Action"),
            ("&From", self.since, "From date"), ("T&o", self.until, "To date"),
        ]
        for i, (text, widget, name) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(name)
            grid.addWidget(label, i // 4, (i % 4) * 2)
            grid.addWidget(widget, i // 4, (i % 4) * 2 + 1)
            if isinstance(widget, QLineEdit):
                widget.returnPressed.connect(self.search)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        grid.addWidget(self.use_dates, 1, 4, 1, 2)
        column.addLayout(grid)
        buttons = QGridLayout()
        self.search_button = QPushButton(f"&Search ({SHORTCUTS['search']})")
        self.verify_button = QPushButton(f"&Verify the chain ({SHORTCUTS['verify']})")
        self.export_button = QPushButton(f"E&xport this record's trail ({SHORTCUTS['export']})")
        self.search_button.clicked.connect(self.search)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(lambda: self.export_record())
        for i, b in enumerate((self.search_button, self.verify_button, self.export_button)):
            buttons.addWidget(b, 0, i)
        column.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Audit status")
        column.addWidget(self.status)
        self.model = AuditModel(ctx, self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(proxy)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setAccessibleName("Audit entries")
        column.addWidget(self.view, 1)
        if not ctx.operator.is_supervisor:
            for w in (self.search_button, self.verify_button, self.export_button):
                w.setEnabled(False)
            self._say("The audit log is open to supervisors and admins. Ask a supervisor to look up an entry.",
                      "hint")

    def _say(self, text: str, role: str) -> None:
        self.status.setText(text)
        set_role(self.status, role)

    def query(self) -> audit.AuditQuery:
        since = until = None
        if self.use_dates.isChecked():
            first, last = self.since.date().toPython(), self.until.date().toPython()
            since = datetime.combine(first, time(), self.ctx.tz)  # type: ignore[arg-type]
            until = datetime.combine(last, time(), self.ctx.tz) + timedelta(days=1)  # type: ignore[arg-type]
        return audit.AuditQuery(operator=self.operator.text().strip().lower(),
                                record_type=self.record_type.text().strip(), record_id=self.record_id.text().strip(),
                                action=self.action.text().strip(), since=since, until=until, limit=2000)

    def search(self) -> None:
        if not self.ctx.operator.is_supervisor:
            return
        query, db = self.query(), self.ctx.db

        def work() -> list[AuditRecord]:
            with db.read() as session:
                return audit.search(session, query)

        def done(records: list[AuditRecord]) -> None:
            self.model.set_records(records)
            more = " (the newest 2,000; narrow the search to see older ones)" if len(records) >= query.limit else ""
            self._say(f"{plural(len(records), 'entry', 'entries')} found{more}.", "ok")
            self.searched.emit(len(records))

        self._say("Searching …", "hint")
        run_in_background(work, done, lambda e: self._fail(f"The search failed: {e}"))

    def verify(self) -> None:
        if not self.ctx.operator.is_supervisor:
            return
        db = self.ctx.db

        def work() -> tuple[ChainBreak | None, int]:
            with db.read() as session:
                broken = audit.verify(session)
                newest = audit.search(session, audit.AuditQuery(limit=1))
            return broken, newest[0].entry_id if newest else 0

        def done(result: tuple[ChainBreak | None, int]) -> None:
            broken, last = result
            if broken is None:
                self._say(f"Audit log intact: all {plural(last, 'entry', 'entries')} fit the hash chain.", "ok")
            else:
                self._say(f"Audit log BROKEN at entry #{broken.entry_id}: {broken.reason}. Entries from #"
                          f"{broken.entry_id} on cannot be trusted; report this to the system administrator.",
                          "error")
            self.verified.emit(broken)

        self._say("Verifying the hash chain …", "hint")
        run_in_background(work, done, lambda e: self._fail(f"Verification could not run: {e}"))

    def export_record(self, path: Path | None = None) -> None:
        """The full trail of the record named in the search fields (or of the selected entry's record) to CSV."""
        if not self.ctx.operator.is_supervisor:
            return
        record_type, record_id = self.record_type.text().strip(), self.record_id.text().strip()
        index = self.view.currentIndex()
        if (not record_type or not record_id) and index.isValid():
            record_type, record_id = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        if not record_type or not record_id:
            self._fail("Enter a record type and id (e.g. threat and TT-2026-00042) or select an entry, then export.")
            self.record_type.setFocus()
            return
        if path is None:
            name = f"audit-{record_type}-{record_id}.csv"
            chosen, _f = QFileDialog.getSaveFileName(self, "Export audit trail", name, "CSV files (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        target, db, tz, actor = path, self.ctx.db, self.ctx.tz, self.ctx.operator

        def work() -> exports.ExportResult:
            with db.read() as session:
                result = exports.write_audit_csv(session, record_type=record_type, record_id=record_id,
                                                 path=target, tz=tz)
            with db.write() as session:
                exports.record_export(session, actor=actor, kind="audit_csv", rows=result.rows,
                                      record=f"{record_type} {record_id}")
            return result

        def done(result: exports.ExportResult) -> None:
            self._say(f"Exported {plural(result.rows, 'audit entry', 'audit entries')} for {record_type} "
                      f"{record_id} to {result.path}.", "ok")
            self.exported.emit(result.path)

        run_in_background(work, done, lambda e: self._fail(f"The export failed: {e}. Choose another folder."))

    def _fail(self, message: str) -> None:
        self._say(message, "error")
        self.failed.emit(message)


def build_audit_tab(ctx: ConsoleContext, window: Any) -> QWidget:
    tab = AuditTab(ctx)
    if window is not None:
        window.add_action("Admin", "tab_audit_search", "Search the audit &log", SHORTCUTS["search"], tab.search)
        window.add_action("Admin", "tab_audit_verify", "&Verify the audit chain", SHORTCUTS["verify"], tab.verify)
        window.add_action("Admin", "tab_audit_export", "Export a record's audit &trail…", SHORTCUTS["export"],
                          tab.export_record)
    return tab
