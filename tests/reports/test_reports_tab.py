"""The Reports and Audit tabs, driven the way an operator drives them, on a real console and event loop."""

from __future__ import annotations

import csv
import json
import logging
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry
from dispatch_console.domain.enums import Role
from dispatch_console.services.actor import Actor
from dispatch_console.ui.audit_view import AuditTab
from dispatch_console.ui.reports.pdf import totals_lines
from dispatch_console.ui.reports.tab import ReportsTab
from tests.reports.factory import SEED_SINCE, SEED_UNTIL, Suspect, Threat, add_threats, at, seed_case_file
from tests.ui.conftest import make_console, sign_in  # noqa: F401  (fixture)

PLANTED = ("Jordan Plantedchild", "2004-06-07", "Casey Confidentialcaller")


def _tab(console, kind: type) -> object:  # type: ignore[no-untyped-def]
    tabs = console.window.tabs
    for i in range(tabs.count()):
        if isinstance(tabs.widget(i), kind):
            return tabs.widget(i)
    raise AssertionError(f"no {kind.__name__} in the workspace")


def _seed(console) -> None:  # type: ignore[no-untyped-def]
    writer = Actor("calltaker", "Casey", Role.CALL_TAKER, "console-a")
    seed_case_file(console.db, writer)
    add_threats(console.db, writer, [Threat(
        received_at=at(date(2018, 3, 7)), caller_name=PLANTED[2], confidential_reporter=True,
        narrative="", suspects=[Suspect(name=PLANTED[0], date_of_birth=date(2004, 6, 7), age=13, grade="8")])])


def _show_seed_range(qtbot: QtBot, tab: ReportsTab) -> None:
    tab.since.setDate(QDate(SEED_SINCE))
    tab.until.setDate(QDate(SEED_UNTIL))
    with qtbot.waitSignal(tab.report_ready, timeout=20_000):
        tab.refresh()


def test_supervisor_reads_the_seed_count_exports_csv_and_pdf_that_match_the_screen_and_no_name_leaks(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_console, tmp_path: Path, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    console = make_console()
    _seed(console)
    sign_in(qtbot, console, "supervisor", "training-sv")
    tab = _tab(console, ReportsTab)
    assert isinstance(tab, ReportsTab)
    _show_seed_range(qtbot, tab)

    # 21 + the planted verified case at a school = 22; the line is on screen as the seed wrote it
    assert tab.summary.text() == "22 verified incidents since February 14, 2018; 21 of 22 directed at schools."
    report = tab.report
    assert report is not None and tab.division_model.rowCount() == len(report.by_division)
    assert sum(tab.week_model.rows[i][1] for i in range(tab.week_model.rowCount())) == report.total
    assert tab.chart_view.chart().series()[0].count() == 2  # all threats and verified, per week

    with qtbot.waitSignal(tab.exported, timeout=20_000):
        tab.export_csv(tmp_path / "cases.csv")
    with (tmp_path / "cases.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counted = [r for r in rows if r["counted_in_report"] == "yes"]
    assert len(counted) == report.total
    assert sum(r["verification"] == "verified" for r in counted) == report.verified

    with qtbot.waitSignal(tab.exported, timeout=30_000):
        tab.export_pdf(tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(unicodedata.normalize("NFKC", text).split())  # the PDF font sets "fi" as a ligature
    assert report.summary in flat
    for line in totals_lines(report)[:4]:
        assert line in flat

    # Reveal through the Threat menu, with a reason: audited, and only then does this supervisor's CSV show the name
    dialog = None

    def opened() -> bool:
        nonlocal dialog
        dialog = tab.dialog
        return dialog is not None and dialog.isVisible()

    console.window.actions_by_name["tab_reports_reveal"].trigger()
    qtbot.waitUntil(opened)
    assert dialog is not None
    dialog.case.setText(_planted_case(rows))
    dialog.submit()
    assert "reason" in dialog.error.text().lower() and dialog.case.text()  # nothing typed was cleared
    dialog.reason.setText("juvenile detective follow-up")  # type: ignore[attr-defined]
    with qtbot.waitSignal(tab.action_done, timeout=10_000):
        dialog.submit()
    with qtbot.waitSignal(tab.exported, timeout=20_000):
        tab.export_csv(tmp_path / "revealed.csv")
    assert PLANTED[0] in (tmp_path / "revealed.csv").read_text(encoding="utf-8-sig")

    # The planted names never appear where they must not: masked exports, the PDF, the logs, the audit details
    masked_csv = (tmp_path / "cases.csv").read_text(encoding="utf-8-sig")
    with console.db.read() as session:
        details = [json.dumps(e.detail, ensure_ascii=False) for e in session.execute(select(AuditEntry)).scalars()]
    for planted in PLANTED:
        assert planted not in masked_csv
        assert planted not in text
        assert planted not in caplog.text
        assert not [d for d in details if planted in d]
        assert planted not in str(report)
    assert PLANTED[2] not in (tmp_path / "revealed.csv").read_text(encoding="utf-8-sig")  # never, even revealed
    assert "(confidential)" in masked_csv


def _planted_case(rows: list[dict[str, str]]) -> str:
    return next(r["case_number"] for r in rows if "juvenile, 13" in r["suspects"])


def test_a_call_taker_cannot_reveal_and_the_refusal_is_audited(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    console = make_console()
    _seed(console)
    sign_in(qtbot, console, "calltaker", "training-ct")
    tab = _tab(console, ReportsTab)
    assert isinstance(tab, ReportsTab)
    dialog = tab.open_reveal()
    with console.db.read() as session:
        number = session.execute(select(AuditEntry.record_id).where(AuditEntry.action == "threat.create")
                                 .order_by(AuditEntry.id.desc())).scalars().first()
    dialog.case.setText(str(number))
    dialog.reason.setText("curious")  # type: ignore[attr-defined]
    dialog.submit()
    qtbot.waitUntil(lambda: "need-to-know" in dialog.error.text(), timeout=10_000)
    with console.db.read() as session:
        outcomes = list(session.execute(select(AuditEntry.outcome).where(AuditEntry.action == "threat.reveal"))
                        .scalars())
    assert outcomes == ["denied"]


def test_supervisor_searches_the_audit_log_verifies_the_chain_and_exports_a_records_trail(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_console, tmp_path: Path  # noqa: F811
) -> None:
    console = make_console()
    _seed(console)
    sign_in(qtbot, console, "supervisor", "training-sv")
    tab = _tab(console, AuditTab)
    assert isinstance(tab, AuditTab)

    tab.operator.setText("calltaker")
    tab.action.setText("threat.create")
    with qtbot.waitSignal(tab.searched, timeout=10_000) as searched:
        tab.search()
    assert searched.args == [31]  # 21 + 4 duplicates + 5 noise + the planted case
    first_case = tab.model.records[-1].record_id

    with qtbot.waitSignal(tab.verified, timeout=20_000) as verified:
        console.window.actions_by_name["tab_audit_verify"].trigger()
    assert verified.args == [None] and "intact" in tab.status.text()

    tab.record_type.setText("threat")
    tab.record_id.setText(first_case)
    with qtbot.waitSignal(tab.exported, timeout=10_000):
        tab.export_record(tmp_path / "trail.csv")
    with (tmp_path / "trail.csv").open(encoding="utf-8-sig", newline="") as handle:
        trail = list(csv.DictReader(handle))
    assert [r["action"] for r in trail] == ["threat.create"] and trail[0]["record_id"] == first_case

    # Someone with file access edits an entry: the viewer names it
    with console.db.write_engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        connection.exec_driver_sql("UPDATE audit_log SET operator = 'mallory' WHERE id = 7")
    with qtbot.waitSignal(tab.verified, timeout=20_000) as verified:
        tab.verify()
    assert verified.args[0].entry_id == 7
    assert "BROKEN at entry #7" in tab.status.text()
