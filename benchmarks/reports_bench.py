"""Reports over 1,000,000 threats must compute in under a second, on SQLite and on PostgreSQL.

Generates the threats in a temporary directory (SQLite: ``executemany``; PostgreSQL: ``COPY`` into a throwaway
server started by ``tests/pgserver.py``) the way an existing center has them: loaded at schema 0004, then upgraded
with the console's own Alembic migrations (0005 fills the ``report_counts`` rollup from the threats and installs the
triggers that keep it), so the indexes are the ones a center gets. Then 10,000 more threats go in through the
triggers (their cost per threat is printed), the rollup is checked against a full count of the threats, and
``services.reports.build_report`` is timed for three ranges: the default last 90 days, the last year, and everything
since the first threat (best and median of ``--repeat`` runs), in the center's own time zone (``--tz``,
America/Chicago by default: its local midnights are not UTC ones, so every range has partial days at its edges that
are counted from the threats). Each size of ``--rows`` (100,000 and 1,000,000 by default) gets a fresh database, so
the last line can say whether the time grows sub-linearly with the threats (1M over 100k well under 10x).
``--through-triggers`` instead bulk-loads every row at the newest schema, through the triggers. Nothing is kept:
the directory and the server are removed. Target (issue 17): full range and 90 days under 300 ms at 1M threats.

    .venv/bin/python benchmarks/reports_bench.py [--rows 100000,1000000] [--only sqlite|postgres] [--repeat 5]
        [--tz America/Chicago] [--through-triggers]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from dispatch_console.db import migrate  # noqa: E402
from dispatch_console.db.engine import Database, open_database  # noqa: E402
from dispatch_console.services import reports  # noqa: E402

COLUMNS = (
    "id", "case_number", "received_at", "call_taker", "caller_name", "callback_number", "caller_relation",
    "confidential_reporter", "learned_how", "evidence", "target_kind", "target_name", "target_address", "division",
    "named_persons", "threatened_text", "statement", "narrative", "weapons", "weapon_access", "indicators",
    "priority", "priority_reasons", "priority_overridden", "status", "verification", "outcomes", "outcome_other",
    "linked_to_id", "sealed", "ack_overdue", "escalations", "first_notified_at", "first_ack_at", "updated_at",
    "updated_by", "version",
)
DIVISIONS = ("Central", "East Patrol", "Metro", "North", "South", "Shoal Creek")
KINDS = ("school",) * 6 + ("event_venue", "business", "workplace", "house_of_worship", "other")
OUTCOMES = (["in_custody", "charged"], ["cit_contact"], ["unfounded"], ["no_suspect"],
            ["juvenile_referral", "social_worker_referral"], ["school_discipline"])
START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
EXTRA = 10_000  # threats inserted after the upgrade, through the triggers


def _ts(value: datetime | None, sqlite: bool) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value.isoformat()


def generate(rows: int, sqlite: bool, first: int = 1) -> Iterator[tuple[object, ...]]:
    """``rows`` threats with ids from ``first``, spread evenly from START to NOW."""
    rng = random.Random(42 + first)
    span = (NOW - START).total_seconds()
    statement = "said they would bring a gun to school after the game; several students heard it"
    for i in range(first, first + rows):
        received = START + timedelta(seconds=span * (i - first + 1) / rows)
        linked = rng.randrange(1, i) if i > 10 and rng.random() < 0.05 else None
        notified = received + timedelta(seconds=rng.randint(30, 1800)) if rng.random() < 0.8 else None
        acked = notified + timedelta(seconds=rng.randint(10, 900)) if notified and rng.random() < 0.8 else None
        closed = rng.random() < 0.6
        verification = rng.choice(("verified", "verified", "unverified", "unfounded"))
        yield (
            i, f"TT-{received.year}-{i:08d}", _ts(received, sqlite), "calltaker", "", "", "parent",
            False, "told_by_someone", "", rng.choice(KINDS), f"School {i % 300}", "1 Main St",
            rng.choice(DIVISIONS), "", "", statement, "", '["firearm"]', False, "[]", rng.choice(("P1", "P2", "P3")),
            "[]", False, "closed" if closed else "investigating", verification,
            json.dumps(rng.choice(OUTCOMES)) if closed else "[]", "", linked, rng.random() < 0.01, False, 0,
            _ts(notified, sqlite), _ts(acked, sqlite), _ts(received, sqlite), "calltaker", 1,
        )


def load_sqlite(db: Database, rows: int, first: int = 1) -> None:
    with db.write_engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        placeholders = ",".join("?" * len(COLUMNS))
        cursor.executemany(f"INSERT INTO threats ({','.join(COLUMNS)}) VALUES ({placeholders})",
                           generate(rows, sqlite=True, first=first))
        cursor.execute("COMMIT")
        cursor.close()


def load_postgres(db: Database, rows: int, first: int = 1) -> None:
    with db.write_engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
                f"COPY threats ({','.join(COLUMNS)}) FROM STDIN") as copy:
            for row in generate(rows, sqlite=False, first=first):
                copy.write_row(row)
        raw.commit()


def settle(db: Database) -> None:
    """Statistics, as a live database has them. On PostgreSQL this is what autovacuum does after a bulk insert
    (PostgreSQL 13+ vacuums insert-only tables too): dead row versions cleared and the visibility map set, without
    which the percentile walk could not be an index-only scan."""
    with db.write_engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if db.write_engine.dialect.name == "sqlite":
            raw.execute("ANALYZE")  # type: ignore[attr-defined]
            raw.commit()
        else:
            raw.autocommit = True  # type: ignore[attr-defined]
            with raw.cursor() as cursor:  # type: ignore[attr-defined]
                cursor.execute("CHECKPOINT")
                cursor.execute("VACUUM ANALYZE")
                # measured: the first VACUUM right after a bulk load left the visibility map of threats empty
                # (pg_class.relallvisible = 0, every index entry fetched its heap row); the second sets it, as
                # autovacuum's next visit does on a live server
                cursor.execute("VACUUM threats")


def prepare(db: Database, name: str, load: Callable[..., None], rows: int, through_triggers: bool) -> None:
    """An existing center's database upgraded to the rollup (default), or a bulk load through the triggers."""
    migrate.upgrade(db, "head" if through_triggers else "0004")
    began = time.perf_counter()
    load(db, rows)
    took = time.perf_counter() - began
    print(f"{name}: {rows:,} threats loaded in {took:.1f} s" + (" (through the rollup triggers)" if through_triggers
                                                                 else " (schema 0004: no rollup yet)"))
    if not through_triggers:
        settle(db)
        began = time.perf_counter()
        migrate.upgrade(db)
        print(f"  upgrade to head (migration 0005 fills the rollup, builds the wait indexes): "
              f"{time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    load(db, EXTRA, rows + 1)
    extra = time.perf_counter() - began
    print(f"  {EXTRA:,} more threats through the rollup triggers: {extra:.2f} s "
          f"({extra / EXTRA * 1e6:.0f} µs a threat; the bulk load took {took / rows * 1e6:.0f} µs a threat)")
    settle(db)


def time_reports(db: Database, repeat: int, tz: ZoneInfo) -> dict[str, list[float]]:
    today = NOW.astimezone(tz).date()
    ranges = {
        "last 90 days (default)": reports.default_since(today),
        "last 365 days": today - timedelta(days=365),
        "everything (since 2024-01-01)": date(2024, 1, 1),
    }
    results: dict[str, list[float]] = {}
    for name, since in ranges.items():
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            with db.read() as session:
                report = reports.build_report(session, since=since, until=today, tz=tz, now=NOW)
            times.append(time.perf_counter() - began)
        results[name] = times
        print(f"  {name:32s} best {min(times) * 1000:7.1f} ms  median {statistics.median(times) * 1000:7.1f} ms"
              f"  ({report.total:,} counted, {report.verified:,} verified, {len(report.by_week)} weeks)")
        print(f"    {report.summary}")
    return results


def check_rollup(db: Database) -> None:
    """The rollup the triggers kept during the load must equal a full count of the threats (slow: a full scan)."""
    with db.read() as session:
        raw = session.execute(text(
            "SELECT count(*), sum(CASE WHEN verification = 'verified' THEN 1 ELSE 0 END), count(first_notified_at), "
            "count(first_ack_at) FROM threats WHERE linked_to_id IS NULL AND sealed = false"
        )).one()
        rolled = session.execute(text(
            "SELECT sum(total), sum(verified), sum(notified), sum(acked) FROM report_counts WHERE dim = 'kind'"
        )).one()
    verdict = "equal" if tuple(raw) == tuple(rolled) else "DIFFERENT"
    print(f"  rollup vs full count: {verdict} (counted, verified, notified, acknowledged: {tuple(raw)})")
    if verdict != "equal":
        raise SystemExit(f"rollup {tuple(rolled)} != threats {tuple(raw)}")


TARGET_S = 0.300
TIMED = ("last 90 days (default)", "everything (since 2024-01-01)")


def run_engine(name: str, rows: int, args: argparse.Namespace) -> dict[str, list[float]]:
    """One fresh database of ``rows`` threats on one engine, its reports timed; nothing kept."""
    tz = ZoneInfo(args.tz)
    if name == "SQLite":
        directory = Path(tempfile.mkdtemp(prefix="reports-bench-"))
        try:
            db = open_database(f"sqlite:///{directory / 'bench.db'}")
            prepare(db, name, load_sqlite, rows, args.through_triggers)
            check_rollup(db)
            results = time_reports(db, args.repeat, tz)
            db.dispose()
            return results
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    from tests import pgserver

    server = pgserver.start_server()
    try:
        db = open_database(server.create_database("bench"))
        prepare(db, name, load_postgres, rows, args.through_triggers)
        check_rollup(db)
        results = time_reports(db, args.repeat, tz)
        db.dispose()
        return results
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes, smallest first")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tz", default="America/Chicago", help="the center's time zone (IANA name)")
    parser.add_argument("--through-triggers", action="store_true",
                        help="bulk-load at the newest schema (every row through the triggers) instead of upgrading")
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.rows.split(","))
    engines = [name for name, key in (("SQLite", "sqlite"), ("PostgreSQL", "postgres")) if args.only in (None, key)]
    medians: dict[tuple[str, int], float] = {}
    for engine in engines:
        for rows in sizes:
            print(f"--- {engine}, {rows:,} threats, {args.tz} (load average {os.getloadavg()[0]:.1f})")
            results = run_engine(engine, rows, args)
            medians[(engine, rows)] = max(statistics.median(results[name]) for name in TIMED)
    print("\nslowest of 90 days / everything (median of runs):")
    growth_ok = True
    for engine in engines:
        line = "  ".join(f"{rows:,}: {medians[(engine, rows)] * 1000:.0f} ms" for rows in sizes)
        if len(sizes) > 1:
            growth = medians[(engine, sizes[-1])] / medians[(engine, sizes[0])]
            linear = sizes[-1] / sizes[0]
            growth_ok &= growth < linear / 2
            line += f"  ({growth:.1f}x for {linear:.0f}x the threats)"
        print(f"  {engine:10s} {line}")
    worst = max(medians[(engine, sizes[-1])] for engine in engines)
    ok = worst < TARGET_S and growth_ok
    print(f"{'PASS' if ok else 'FAIL'}: slowest report at {sizes[-1]:,} threats in {args.tz} {worst * 1000:.0f} ms"
          f" (median of {args.repeat}), growth {'sub-linear' if growth_ok else 'NOT sub-linear'}; "
          f"target < {TARGET_S * 1000:.0f} ms and sub-linear (load average {os.getloadavg()[0]:.1f})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
