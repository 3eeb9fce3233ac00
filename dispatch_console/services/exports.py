"""CSV exports: one row per case for a date range, and the audit log of one record.

An export leaves the console: it is opened in a spreadsheet, mailed, printed. So three rules hold for every cell:

* **formula injection is neutralised**: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is prefixed with ``'`` so that a spreadsheet shows it as text instead of running it (a caller can dictate
  ``=HYPERLINK(...)`` into a statement);
* **juvenile identities are masked** unless the exporting operator has revealed that case (``privacy``);
* **confidential reporters never appear**: their name is replaced by "(confidential)" and no callback number is
  exported for anyone.

Sealed cases are never exported. Linked duplicate reports are exported (so that every call is accounted for) with
``linked_to`` set and ``counted_in_report`` = ``no``; the rows with ``yes`` are exactly the report's total.

Writing is done by the caller's worker thread (the UI never writes a file on the GUI thread); reading uses a read
session and the export is then audited in a short write transaction (``record_export``), so a long export never
holds the SQLite write lock.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from dispatch_console.db.models import AuditEntry, FollowUp, ThreatRow
from dispatch_console.domain.enums import Outcome, Weapon
from dispatch_console.domain.masking import show_suspect
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.privacy import facts, revealed_case_numbers
from dispatch_console.services.reports import bounds

log = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONFIDENTIAL = "(confidential)"

# (column, what it holds): the README's table is this list.
CASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_number", "Case number, e.g. TT-2026-00042"),
    ("received_at", "When the call was answered (stamped or corrected at intake), local time, ISO 8601 with offset"),
    ("cad_number", "The CAD event / incident number given at intake; empty if none"),
    ("call_taker", "User name of the call-taker"),
    ("caller_relation", "Caller's relation: student, parent, school_staff, other, anonymous"),
    ("caller_name", "Caller's name; \"(confidential)\" for a confidential reporter (never the name)"),
    ("target_kind", "school, event_venue, business, workplace, house_of_worship, other"),
    ("target_name", "The site's name or the free address given"),
    ("division", "Patrol division"),
    ("threatened_at", "The threatened time, local ISO 8601; empty when unknown"),
    ("priority", "P1-P4"),
    ("status", "new, notified, investigating, suspect_identified, closed"),
    ("verification", "unverified, verified, unfounded"),
    ("outcomes", "Outcome labels, separated by \"; \""),
    ("outcome_other", "The text of an \"Other\" outcome"),
    ("weapons", "Weapons mentioned, separated by \"; \""),
    ("linked_to", "For a duplicate report: the case number of the original"),
    ("counted_in_report", "yes if the case counts in the report (not a linked duplicate), else no"),
    ("minutes_to_first_notification", "Minutes from the call to the first unit notification; empty if none"),
    ("minutes_to_first_ack", "Minutes from the call to the first acknowledgement; empty if none"),
    ("closed_at", "When the case was closed, local ISO 8601"),
    ("suspects", "Suspects, \" | \"-separated; juveniles as \"juvenile, 15, grade 9, School\" unless revealed"),
    ("open_follow_ups", "Number of follow-ups not yet done"),
)
AUDIT_COLUMNS = ("entry", "at", "operator", "console", "action", "record_type", "record_id", "outcome", "detail",
                 "hash")


def neutralise(value: Any) -> Any:
    """Make a text cell safe to open in a spreadsheet; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    counted: int


def _local(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else ""


def _minutes(start: datetime, end: datetime | None) -> str:
    return "" if end is None else f"{(end - start).total_seconds() / 60:.1f}"


def _labels(values: list[Any], kind: type[Outcome] | type[Weapon]) -> str:
    labels = []
    for value in values or []:
        try:
            labels.append(kind(value).label)
        except ValueError:
            labels.append(str(value))
    return "; ".join(labels)


def case_rows(session: Session, *, actor: Actor, since: date, until: date, tz: tzinfo) -> Iterator[list[Any]]:
    """The export's rows, in the order of ``CASE_COLUMNS``, oldest call first (already neutralised)."""
    start, end = bounds(since, until, tz)
    original = aliased(ThreatRow)
    revealed = revealed_case_numbers(session, actor=actor)
    open_counts = (
        select(func.count()).where(FollowUp.threat_id == ThreatRow.id, FollowUp.done_at.is_(None))
        .correlate(ThreatRow).scalar_subquery()
    )
    stmt = (
        select(ThreatRow, original.case_number, open_counts)
        .outerjoin(original, original.id == ThreatRow.linked_to_id)
        .where(ThreatRow.received_at >= start, ThreatRow.received_at < end, ThreatRow.sealed == false())
        .order_by(ThreatRow.received_at, ThreatRow.id)
        .options(selectinload(ThreatRow.suspects))
        .execution_options(yield_per=1000)
    )
    for row, linked_to, open_follow_ups in session.execute(stmt):
        shown = [show_suspect(facts(s), revealed=row.case_number in revealed) for s in row.suspects]
        cells: list[Any] = [
            row.case_number,
            _local(row.received_at, tz),
            row.cad_number,
            row.call_taker,
            row.caller_relation,
            CONFIDENTIAL if row.confidential_reporter else row.caller_name,
            row.target_kind,
            row.target_name,
            row.division,
            _local(row.threatened_at, tz),
            row.priority,
            row.status,
            row.verification,
            _labels(row.outcomes, Outcome),
            row.outcome_other,
            _labels(row.weapons, Weapon),
            linked_to or "",
            "no" if row.linked_to_id is not None else "yes",
            _minutes(row.received_at, row.first_notified_at),
            _minutes(row.received_at, row.first_ack_at),
            _local(row.closed_at, tz),
            " | ".join(s.label if s.masked else ", ".join(p for p in (s.name, s.date_of_birth) if p) for s in shown),
            int(open_follow_ups or 0),
        ]
        yield [neutralise(c) for c in cells]


def write_cases_csv(
    session: Session, *, actor: Actor, since: date, until: date, tz: tzinfo, path: Path
) -> ExportResult:
    """Write the cases of ``since`` … ``until`` to ``path`` (UTF-8 with BOM, so Excel reads accents right)."""
    rows = counted = 0
    counted_index = [name for name, _ in CASE_COLUMNS].index("counted_in_report")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([name for name, _ in CASE_COLUMNS])
        for cells in case_rows(session, actor=actor, since=since, until=until, tz=tz):
            writer.writerow(cells)
            rows += 1
            counted += cells[counted_index] == "yes"
    log.info("case export written: %d rows", rows)  # never a name or a path with one
    return ExportResult(path, rows, counted)


def record_export(
    session: Session, *, actor: Actor, kind: str, rows: int, since: date | None = None, until: date | None = None,
    record: str = "",
) -> None:
    """Audit an export (an export is a view of every case in it). ``kind``: cases_csv, report_pdf, audit_csv."""
    detail: dict[str, Any] = {"kind": kind, "rows": rows}
    if since is not None:
        detail["since"] = since.isoformat()
    if until is not None:
        detail["until"] = until.isoformat()
    audit.record(session, actor=actor, action="report.export", record_type="report" if not record else "audit",
                 record_id=record or kind, detail=detail)


def write_audit_csv(session: Session, *, record_type: str, record_id: str, path: Path, tz: tzinfo) -> ExportResult:
    """The audit trail of one record (e.g. a threat by case number), oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id)
        .execution_options(yield_per=1000)
    )
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(AUDIT_COLUMNS)
        for entry in session.execute(stmt).scalars():
            writer.writerow([neutralise(c) for c in (
                entry.id, _local(entry.at, tz), entry.operator, entry.console, entry.action, entry.record_type,
                entry.record_id, entry.outcome, json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True),
                entry.hash,
            )])
            rows += 1
    return ExportResult(path, rows, rows)
