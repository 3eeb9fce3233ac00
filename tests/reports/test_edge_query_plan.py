"""A report in the center's own time zone reads the partial days at its edges along ``ix_threats_received``.

Story: a center in America/Chicago opens the default 90-day report. Its local midnights are 05:00 or 06:00 UTC, so
the rollup's whole UTC days leave two partial days at the edges, counted from the threats themselves. SQLite used to
take ``linked_to_id IS NULL`` for an equality on ``ix_threats_linked_to_id`` and read almost every threat of the
center for those few hours (700 ms at a million threats, against 110 ms in UTC). The test runs the real report,
records every statement it sends, and asks each engine how it would run the ones that read the edges: along
``ix_threats_received``, never along ``ix_threats_linked_to_id``. PostgreSQL is asked with sequential scans priced
out, as they are at a million threats, so the answer names the index it prefers, not the small table's scan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from dispatch_console.db.engine import Database
from dispatch_console.services import reports
from dispatch_console.services.actor import Actor
from tests.reports.factory import Threat, add_threats

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 30, 18, tzinfo=UTC)


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every (SQL, parameters) the read engine executes inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(db.read_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.read_engine, "before_cursor_execute", record)


def _plan(db: Database, statement: str, parameters: Any) -> str:
    """The engine's plan for one recorded statement, as text naming the indexes it uses."""
    with db.read_engine.connect() as connection:
        if db.is_sqlite:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        connection.execute(text("SET enable_seqscan = off"))
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
        return json.dumps(plan)


def test_the_edges_of_a_chicago_report_are_read_along_the_received_at_index(db: Database, supervisor: Actor) -> None:
    today = NOW.astimezone(CHICAGO).date()
    since = reports.default_since(today)
    specs = [Threat(received_at=NOW - timedelta(hours=7 * i)) for i in range(400)]
    ids = add_threats(db, supervisor, specs)
    add_threats(db, supervisor, [Threat(received_at=NOW - timedelta(hours=7 * i + 1), linked_to_id=ids[i])
                                 for i in range(0, 400, 10)])

    with _statements(db) as seen, db.read() as session:
        report = reports.build_report(session, since=since, until=today, tz=CHICAGO, now=NOW)
    assert report.total > 0

    edges = [(sql, params) for sql, params in seen
             if "FROM threats" in sql and "received_at" in sql and "report_counts" not in sql
             and "INDEXED BY" not in sql and "ORDER BY" not in sql]
    assert len(edges) >= 2, "a Chicago range has partial days at its edges, counted from the threats"
    counted_edges = 0
    for sql, params in edges:
        plan = _plan(db, sql, params)
        assert "ix_threats_linked_to_id" not in plan, (sql, plan)
        if "linked_to_id IS NOT NULL" in sql:  # the linked duplicates of the edge: their own partial index
            assert "ix_threats_linked_received" in plan, (sql, plan)
        else:
            counted_edges += 1
            assert "ix_threats_received" in plan, (sql, plan)
    assert counted_edges >= 2, "the counted threats of both edges are grouped from the threats"

def test_a_chicago_day_starts_at_a_local_midnight_that_is_not_a_utc_one() -> None:
    """Why there are edges at all: the rollup's days are UTC days, Chicago's start at 05:00 or 06:00 UTC."""
    start, end = reports.bounds(date(2026, 9, 1), date(2026, 11, 30), CHICAGO)
    assert (start, end) == (datetime(2026, 9, 1, 5, tzinfo=UTC), datetime(2026, 12, 1, 6, tzinfo=UTC))
