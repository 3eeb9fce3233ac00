"""The Reports tab (F4): the count over a date range, its tables and chart, exports, follow-ups and case actions.

Everything that touches the database or a file runs on a worker (``run_in_background``); the tab keeps the last
report it showed, and exports use that report's range so that the CSV and the PDF always match the screen.

Case actions that the queue's detail pane does not offer (add / complete a follow-up, reveal a juvenile's identity
with a reason, seal / unseal) are window actions in the Threat menu with shortcuts; they act on the case selected in
the queue (``ctx.current_threat_id()``) and otherwise ask for a case number.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.text import plural
from dispatch_console.services import exports, followups, privacy, reports
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.qtdates import qdate
from dispatch_console.ui.reports.chart import build_chart, chart_image, current_theme
from dispatch_console.ui.reports.dialogs import CaseDialog, FollowUpDialog, ReasonDialog
from dispatch_console.ui.reports.models import FollowUpModel, RowsModel
from dispatch_console.ui.reports.pdf import report_html, totals_lines, write_pdf
from dispatch_console.ui.second_factor import with_step_up
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

SHORTCUTS = {
    "refresh": "F5",
    "export_csv": "Ctrl+Alt+E",
    "export_pdf": "Ctrl+Alt+P",
    "follow_up_add": "Ctrl+Alt+F",
    "follow_up_done": "Ctrl+Alt+D",
    "reveal": "Ctrl+Alt+R",
    "seal": "Ctrl+Alt+S",
    "unseal": "Ctrl+Alt+U",
}


def _table(model: Any, name: str) -> QTableView:
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setDynamicSortFilter(True)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    view.setAccessibleName(name)
    return view


class ReportsTab(QWidget):
    report_ready = Signal(object)  # reports.Report
    follow_ups_ready = Signal(object)  # list[FollowUpView]
    exported = Signal(object)  # Path
    action_done = Signal(str)  # what happened, as shown in the status line
    failed = Signal(str)

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.report: reports.Report | None = None
        self.dialog: CaseDialog | None = None
        self._generation = 0  # only the newest refresh may update the screen (an older one can finish later)
        self._build()
        self.refresh()

    # --- layout ---------------------------------------------------------------------------------------------
    def _build(self) -> None:
        column = QVBoxLayout(self)
        bar = QHBoxLayout()
        today = datetime.now(self.ctx.tz).date()
        self.since = QDateEdit(qdate(reports.default_since(today)))
        self.until = QDateEdit(qdate(today))
        for text, edit, name in (("&Since", self.since, "Since"), ("&Until", self.until, "Until")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(edit)
            bar.addWidget(label)
            bar.addWidget(edit)
        self.refresh_button = QPushButton(f"&Refresh ({SHORTCUTS['refresh']})")
        self.refresh_button.clicked.connect(self.refresh)
        self.csv_button = QPushButton(f"Export &CSV ({SHORTCUTS['export_csv']})")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button = QPushButton(f"Export P&DF ({SHORTCUTS['export_pdf']})")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        for button in (self.refresh_button, self.csv_button, self.pdf_button):
            bar.addWidget(button)
        bar.addStretch(1)
        column.addLayout(bar)

        self.summary = QLabel("Computing the report …")
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_role(self.summary, "title")
        column.addWidget(self.summary)
        self.totals = QLabel("")
        self.totals.setAccessibleName("Totals")
        self.totals.setWordWrap(True)
        column.addWidget(self.totals)
        self.status = QLabel("")
        self.status.setAccessibleName("Reports status")
        self.status.setWordWrap(True)
        set_role(self.status, "hint")
        column.addWidget(self.status)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.chart_view = QChartView(build_chart(None, current_theme()))
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setAccessibleName("Threats by week chart")
        self.chart_view.setMinimumWidth(420)
        splitter.addWidget(self.chart_view)
        self.tables = QTabWidget()
        self.tables.setAccessibleName("Report tables")
        self.division_model = RowsModel(("Division", "Threats", "Verified"), self)
        self.kind_model = RowsModel(("Target kind", "Threats", "Verified"), self)
        self.outcome_model = RowsModel(("Outcome", "Cases"), self)
        self.week_model = RowsModel(("Week of", "Threats", "Verified"), self)
        self.follow_up_model = FollowUpModel(self.ctx.tz, self)
        self.follow_up_view = _table(self.follow_up_model, "Follow-ups due and overdue")
        for title, model, name in (("By &division", self.division_model, "Threats by division"),
                                   ("By &target", self.kind_model, "Threats by target kind"),
                                   ("By &outcome", self.outcome_model, "Cases by outcome"),
                                   ("By &week", self.week_model, "Threats by week")):
            self.tables.addTab(_table(model, name), title)
        self.tables.addTab(self.follow_up_view, "Follow-&ups")
        splitter.addWidget(self.tables)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([900, 600])
        column.addWidget(splitter, 1)
        self.since.editingFinished.connect(self.refresh)
        self.until.editingFinished.connect(self.refresh)
        QWidget.setTabOrder(self.since, self.until)
        QWidget.setTabOrder(self.until, self.refresh_button)
        QWidget.setTabOrder(self.refresh_button, self.csv_button)
        QWidget.setTabOrder(self.csv_button, self.pdf_button)
        QWidget.setTabOrder(self.pdf_button, self.tables)

    # --- the report -------------------------------------------------------------------------------------------
    def _range(self) -> tuple[date, date] | None:
        since, until = self.since.date().toPython(), self.until.date().toPython()
        assert isinstance(since, date) and isinstance(until, date)
        if since > until:
            self._error(f"'Since' ({since}) is after 'Until' ({until}): pick an earlier 'Since' date.")
            self.since.setFocus()
            return None
        return since, until

    def refresh(self) -> None:
        """Recompute the report and the follow-up list in the background."""
        if self.ctx.actor is None:  # a date field losing focus while the operator signs out
            return
        chosen = self._range()
        if chosen is None:
            return
        since, until = chosen
        db, tz, actor = self.ctx.db, self.ctx.tz, self.ctx.operator
        self.status.setText("Computing the report …")
        set_role(self.status, "hint")

        def work() -> tuple[reports.Report, list[followups.FollowUpView]]:
            with db.read() as session:
                report = reports.build_report(session, since=since, until=until, tz=tz)
                items = followups.open_follow_ups(session, actor=actor, due_within=timedelta(days=30))
            return report, items

        self._generation += 1
        generation = self._generation

        def show(result: tuple[reports.Report, list[followups.FollowUpView]]) -> None:
            if generation == self._generation:
                self._show(result)

        run_in_background(work, show, lambda e: self._error(f"The report could not be computed: {e}"))

    def _show(self, result: tuple[reports.Report, list[followups.FollowUpView]]) -> None:
        report, items = result
        self.report = report
        self.summary.setText(report.summary)
        self.totals.setText(" · ".join(totals_lines(report)))
        self.chart_view.setChart(build_chart(report, current_theme()))
        self.division_model.set_rows([(c.label, c.total, c.verified) for c in report.by_division])
        self.kind_model.set_rows([(c.label, c.total, c.verified) for c in report.by_target_kind])
        self.outcome_model.set_rows([(label, n) for _k, label, n in report.by_outcome])
        self.week_model.set_rows([(w.week.isoformat(), w.total, w.verified) for w in report.by_week])
        self.follow_up_model.set_items(items)
        overdue = sum(1 for i in items if i.state is followups.FollowUpState.OVERDUE)
        self.status.setText(f"Updated {datetime.now(self.ctx.tz):%H:%M:%S}. "
                            f"{plural(len(items), 'follow-up')} due within 30 days, {overdue} overdue.")
        set_role(self.status, "error" if overdue else "ok")
        self.report_ready.emit(report)
        self.follow_ups_ready.emit(items)

    def _error(self, message: str) -> None:
        self.status.setText(message)
        set_role(self.status, "error")
        self.failed.emit(message)

    def _info(self, message: str) -> None:
        self.status.setText(message)
        set_role(self.status, "ok")
        self.action_done.emit(message)

    # --- exports ----------------------------------------------------------------------------------------------
    def _target(self, suffix: str, path: Path | None) -> Path | None:
        if path is not None:
            return path
        assert self.report is not None
        name = f"threat-report-{self.report.since}-{self.report.until}.{suffix}"
        chosen, _filter = QFileDialog.getSaveFileName(self, f"Export {suffix.upper()}", name,
                                                      f"{suffix.upper()} files (*.{suffix})")
        return Path(chosen) if chosen else None

    def export_csv(self, path: Path | None = None) -> None:
        """One row per case of the shown report's range (masked, neutralised); written on a worker."""
        if self.report is None:
            self._error("Wait for the report to finish, then export.")
            return
        target = self._target("csv", path)
        if target is None:
            return
        db, tz, actor, report = self.ctx.db, self.ctx.tz, self.ctx.operator, self.report

        def work() -> exports.ExportResult:
            with db.read() as session:
                result = exports.write_cases_csv(session, actor=actor, since=report.since, until=report.until,
                                                 tz=tz, path=target)
            with db.write() as session:
                exports.record_export(session, actor=actor, kind="cases_csv", rows=result.rows,
                                      since=report.since, until=report.until)
            return result

        def done(result: exports.ExportResult) -> None:
            self._info(f"Exported {plural(result.rows, 'case')} ({result.counted} counted in the report) "
                       f"to {result.path}.")
            self.exported.emit(result.path)

        with_step_up(self.ctx, self, "export", lambda: run_in_background(
            work, done, lambda e: self._error(f"The CSV could not be written: {e}. Choose another folder and try "
                                              "again.")))

    def export_pdf(self, path: Path | None = None) -> None:
        """The printable report: summary, totals, tables and the chart; the file is written on a worker."""
        if self.report is None:
            self._error("Wait for the report to finish, then export.")
            return
        target = self._target("pdf", path)
        if target is None:
            return
        report, actor, tz, db = self.report, self.ctx.operator, self.ctx.tz, self.ctx.db
        image = chart_image(report)  # QtCharts draws on the GUI thread; the rest happens on the worker
        html = report_html(report, generated_by=actor.display_name, generated_at=utcnow(), tz=tz)

        def work() -> Path:
            write_pdf(target, html, image)
            with db.write() as session:
                exports.record_export(session, actor=actor, kind="report_pdf", rows=report.total,
                                      since=report.since, until=report.until)
            return target

        def done(written: Path) -> None:
            self._info(f"Report written to {written}.")
            self.exported.emit(written)

        with_step_up(self.ctx, self, "export", lambda: run_in_background(
            work, done, lambda e: self._error(f"The PDF could not be written: {e}. Choose another folder and try "
                                              "again.")))

    # --- case actions -----------------------------------------------------------------------------------------
    def _current_threat(self) -> int | None:
        return self.ctx.current_threat_id()

    def _open(self, dialog: CaseDialog) -> CaseDialog:
        self.dialog = dialog
        threat_id = self._current_threat()
        if threat_id is not None:
            actor, db = self.ctx.operator, self.ctx.db

            def lookup() -> str:
                with db.read() as session:
                    return privacy.find_case(session, actor=actor, threat_id=threat_id).case_number

            def fill(number: str) -> None:
                if not dialog.case.text():
                    dialog.case.setText(number)

            run_in_background(lookup, fill, lambda _e: None)
        dialog.open()
        return dialog

    def _case_work(self, fn: Any) -> Any:
        """Wrap a service call taking (session, actor, threat_id, values) into a worker job from dialog values."""
        db, actor = self.ctx.db, self.ctx.operator

        def work(values: dict[str, Any]) -> Any:
            with db.write() as session:
                case = privacy.find_case(session, actor=actor, case_number=values["case_number"])
                return fn(session, actor, case, values)

        return work

    def open_reveal(self) -> CaseDialog:
        revealed: list[int] = []

        def reveal(session: Any, actor: Actor, case: privacy.CaseRef, values: dict[str, Any]) -> str:
            privacy.reveal(session, actor=actor, threat_id=case.threat_id, reason=values["reason"])
            revealed.append(case.threat_id)
            return f"Juvenile identities in {case.case_number} are shown to you; the reveal was audited."

        def show_them(_text: object) -> None:  # the queue's pane shows the names now, without re-selecting
            if self.ctx.selection is not None:
                for threat_id in revealed:
                    self.ctx.selection.reread(threat_id)

        dialog = ReasonDialog("Reveal juvenile identity", "Shows juvenile suspects' names and dates of birth in this "
                              "case to you only. Needs the need-to-know permission and a reason; audited.",
                              self._case_work(reveal), self)
        dialog.completed.connect(self._info)
        dialog.completed.connect(show_them)
        with_step_up(self.ctx, self, "reveal", lambda: self._open(dialog))
        return dialog

    def open_seal(self, unseal: bool = False) -> CaseDialog:
        def act(session: Any, actor: Actor, case: privacy.CaseRef, values: dict[str, Any]) -> str:
            fn = privacy.unseal if unseal else privacy.seal
            fn(session, actor=actor, threat_id=case.threat_id, reason=values["reason"])
            return f"{case.case_number} {'unsealed' if unseal else 'sealed'}."

        title = "Unseal case" if unseal else "Seal case"
        intro = ("Makes a sealed case visible again in search, lists, reports and exports. Admins only."
                 if unseal else "Hides the case from search, lists, reports and exports; only admins will see it.")
        dialog = ReasonDialog(title, intro, self._case_work(act), self)
        dialog.completed.connect(self._info)
        dialog.completed.connect(lambda _m: self.refresh())
        return self._open(dialog)

    def open_follow_up(self) -> CaseDialog:
        def add(session: Any, actor: Actor, case: privacy.CaseRef, values: dict[str, Any]) -> str:
            view = followups.add(session, actor=actor, threat_id=case.threat_id, due_at=values["due_at"],
                                 owner=values["owner"], text=values["text"])
            return f"Follow-up added to {view.case_number}, due {view.due_at.astimezone(self.ctx.tz):%Y-%m-%d %H:%M}."

        dialog = FollowUpDialog(self._case_work(add), self.ctx.tz, self)
        dialog.completed.connect(self._info)
        dialog.completed.connect(lambda _m: self.refresh())
        threat_id = self._current_threat()
        if threat_id is not None:
            actor, db = self.ctx.operator, self.ctx.db

            def proposals() -> list[followups.Proposal]:
                with db.read() as session:
                    return followups.propose(session, actor=actor, threat_id=threat_id)

            run_in_background(proposals, dialog.set_suggestions, lambda _e: None)
        return self._open(dialog)

    def selected_follow_up(self) -> int | None:
        index = self.follow_up_view.currentIndex()
        if not index.isValid():
            return None
        value = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        return int(value) if value is not None else None

    def mark_selected_done(self) -> None:
        follow_up_id = self.selected_follow_up()
        if follow_up_id is None:
            self._error("Select a follow-up in the Follow-ups list (Reports tab), then mark it done.")
            self.tables.setCurrentWidget(self.follow_up_view)
            self.follow_up_view.setFocus()
            return
        db, actor = self.ctx.db, self.ctx.operator

        def work() -> followups.FollowUpView:
            with db.write() as session:
                return followups.mark_done(session, actor=actor, follow_up_id=follow_up_id)

        def done(view: followups.FollowUpView) -> None:
            self._info(f"Follow-up on {view.case_number} marked done.")
            self.refresh()

        run_in_background(work, done, lambda e: self._error(str(e)))


def build_reports_tab(ctx: ConsoleContext, window: Any) -> QWidget:
    """The Reports tab and its window actions (named ``tab_…`` so that sign-out removes them)."""
    tab = ReportsTab(ctx)
    if window is not None:
        window.add_action("File", "tab_reports_refresh", "&Refresh report", SHORTCUTS["refresh"], tab.refresh)
        window.add_action("File", "tab_reports_export_csv", "Export report as &CSV…", SHORTCUTS["export_csv"],
                          tab.export_csv)
        window.add_action("File", "tab_reports_export_pdf", "Export report as &PDF…", SHORTCUTS["export_pdf"],
                          tab.export_pdf)
        window.add_action("Threat", "tab_reports_follow_up_add", "Add &follow-up…", SHORTCUTS["follow_up_add"],
                          tab.open_follow_up)
        window.add_action("Threat", "tab_reports_follow_up_done", "Mark follow-up &done",
                          SHORTCUTS["follow_up_done"], tab.mark_selected_done)
        window.add_action("Threat", "tab_reports_reveal", "Re&veal juvenile identity…", SHORTCUTS["reveal"],
                          tab.open_reveal)
        window.add_action("Threat", "tab_reports_seal", "S&eal case…", SHORTCUTS["seal"], tab.open_seal)
        window.add_action("Threat", "tab_reports_unseal", "U&nseal case…", SHORTCUTS["unseal"],
                          lambda: tab.open_seal(unseal=True))
    return tab
