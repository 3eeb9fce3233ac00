"""The reports' rollup (``report_counts``, migration 0005) and percentile walks stay exact.

Stories: every kind of write to a threat (intake, verification, closing, sealing, linking, notification,
acknowledgement, deletion) keeps the rollup equal to a recount of the threats themselves; an existing database is
filled by the migration; local days and weeks in zones whose midnight is not a UTC hour (India, +5:30) or that change
to daylight saving time count exactly what a brute-force count of the raw rows says; the median and p90 walked from
either end of the index equal ``percentile_cont``'s interpolation. Every story runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import delete, select, update

from dispatch_console.db import migrate
from dispatch_console.db.engine import Database, open_database
from dispatch_console.db.models import ReportCount, ThreatRow
from dispatch_console.domain.enums import Outcome, Verification
from dispatch_console.services import privacy, reports, triage
from dispatch_console.services.actor import Actor
from tests import pgserver
from tests.reports.factory import Threat, add_threats, at, seed_case_file

NOW = datetime(2018, 5, 3, 12, tzinfo=UTC)
DIVISIONS = ("Central", "East Patrol", "Metro")
KINDS = ("school", "school", "business", "event_venue")
VERIFICATIONS = ("verified", "verified", "unverified", "unfounded")


def _recount(db: Database) -> dict[tuple[str, int, str], tuple[int, int, int, int]]:
    """What the rollup must hold, recounted in Python from the threats (test data is small)."""
    expected: Counter[tuple[str, int, str, str]] = Counter()
    with db.read() as session:
        rows = session.execute(select(ThreatRow)).scalars().all()
        for t in rows:
            if t.sealed:
                continue
            hour = int(t.received_at.timestamp() // 3600)
            day = hour // 24 * 24
            if t.linked_to_id is not None:
                expected[("linked", day, "", "total")] += 1
                continue
            keys = [("hour", hour, ""), ("division", day, t.division), ("kind", day, t.target_kind),
                    ("verification", day, t.verification), ("outcomes", day, json.dumps(t.outcomes))]
            for dim, bucket, key in keys:
                expected[(dim, bucket, key, "total")] += 1
                expected[(dim, bucket, key, "verified")] += t.verification == "verified"
                expected[(dim, bucket, key, "notified")] += t.first_notified_at is not None
                expected[(dim, bucket, key, "acked")] += t.first_ack_at is not None
    result: dict[tuple[str, int, str], tuple[int, int, int, int]] = {}
    for dim, bucket, key, _ in expected:
        result[(dim, bucket, key)] = tuple(  # type: ignore[assignment]
            expected[(dim, bucket, key, s)] for s in ("total", "verified", "notified", "acked"))
    return {k: v for k, v in result.items() if any(v)}


def _rollup(db: Database) -> dict[tuple[str, int, str], tuple[int, int, int, int]]:
    with db.read() as session:
        rows = session.execute(select(ReportCount)).scalars().all()
        found = {}
        for r in rows:
            key = json.dumps(json.loads(r.key)) if r.dim == "outcomes" else r.key  # PostgreSQL keeps json's text
            found[(r.dim, r.bucket, key)] = (r.total, r.verified, r.notified, r.acked)
    return {k: v for k, v in found.items() if any(v)}


def _version(db: Database, threat_id: int) -> int:
    with db.read() as session:
        return session.get_one(ThreatRow, threat_id).version


def test_the_rollup_follows_every_kind_of_write_to_a_threat(db, supervisor: Actor, admin: Actor) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_case_file(db, supervisor)
    assert _rollup(db) == _recount(db)
    first, third, second = seeded["originals"][:3]  # the seed closed the odd ones: close an open one

    with db.write() as session:
        triage.set_verification(session, actor=supervisor, threat_id=first, expected_version=_version(db, first),
                                verification=Verification.UNFOUNDED)
    with db.write() as session:
        triage.close(session, actor=supervisor, threat_id=second, expected_version=_version(db, second),
                     outcomes=[Outcome.IN_CUSTODY])
    with db.write() as session:
        privacy.seal(session, actor=supervisor, threat_id=third, reason="court order")
    assert _rollup(db) == _recount(db)

    with db.write() as session:  # unseal; a duplicate unlinked (counted again); a call moved; notified and acked
        privacy.unseal(session, actor=admin, threat_id=third, reason="order lifted")
        session.execute(update(ThreatRow).where(ThreatRow.id == seeded["duplicates"][0]).values(linked_to_id=None))
        session.execute(update(ThreatRow).where(ThreatRow.id == seeded["noise"][0]).values(
            received_at=datetime(2018, 4, 20, 23, 59, tzinfo=UTC), division="Metro", target_kind="business"))
        session.execute(update(ThreatRow).where(ThreatRow.id == seeded["noise"][2]).values(
            first_notified_at=datetime(2018, 4, 2, 10, 5, tzinfo=UTC),
            first_ack_at=datetime(2018, 4, 2, 10, 9, tzinfo=UTC)))
    with db.write() as session:  # a linked report deleted, an original linked as a duplicate
        session.execute(delete(ThreatRow).where(ThreatRow.id == seeded["duplicates"][1]))
        session.execute(update(ThreatRow).where(ThreatRow.id == seeded["noise"][1]).values(linked_to_id=first))
    assert _rollup(db) == _recount(db)

    with db.read() as session:  # the report built on the rollup equals a count of the raw rows
        report = reports.build_report(session, since=date(2018, 2, 1), until=date(2018, 5, 1), now=NOW)
        raw = session.execute(select(ThreatRow).where(
            ThreatRow.received_at >= datetime(2018, 2, 1, tzinfo=UTC),
            ThreatRow.received_at < datetime(2018, 5, 2, tzinfo=UTC), ThreatRow.sealed.is_(False))).scalars().all()
    counted = [t for t in raw if t.linked_to_id is None]
    assert report.total == len(counted) and report.linked_duplicates == len(raw) - len(counted)
    assert report.verified == sum(t.verification == "verified" for t in counted)
    assert {c.key: c.total for c in report.by_division} == dict(Counter(t.division for t in counted))
    assert report.to_notification.cases == sum(t.first_notified_at is not None for t in counted)


def test_a_rolled_back_write_leaves_the_rollup_as_it_was(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    [threat_id] = add_threats(db, supervisor, [Threat(received_at=at(date(2018, 3, 1)))])
    before = _rollup(db)
    with pytest.raises(RuntimeError), db.write() as session:
        session.execute(update(ThreatRow).where(ThreatRow.id == threat_id).values(verification="unfounded"))
        raise RuntimeError("the operator's console lost power")
    assert _rollup(db) == before == _recount(db)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A center's database from before the rollup existed."""
    if request.param == "sqlite":
        db = open_database(f"sqlite+pysqlite:///{tmp_path / 'old.db'}")
    else:
        server: pgserver.PgServer = request.getfixturevalue("pg_server")
        db = open_database(server.create_database())
    migrate.upgrade(db, "0004")
    yield db
    db.dispose()


def test_an_existing_database_gets_its_rollup_filled_by_the_migration(db_at_0004: Database, supervisor: Actor) -> None:
    db = db_at_0004
    seed_case_file(db, supervisor)
    with db.read() as session:  # the threats table had no triggers yet
        assert session.execute(select(ThreatRow.id)).first() is not None

    migrate.upgrade(db)

    assert _rollup(db) == _recount(db) != {}
    with db.read() as session:
        report = reports.build_report(session, since=date(2018, 2, 14), until=date(2018, 4, 30), now=NOW)
    assert report.summary == "21 verified incidents since February 14, 2018; 20 of 21 directed at schools."
    # and back: the downgrade restores 0004's indexes and drops the triggers, an upgrade fills the rollup again
    config = migrate._config()
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    add_threats(db, supervisor, [Threat(received_at=at(date(2018, 4, 3)))])
    migrate.upgrade(db)
    assert _rollup(db) == _recount(db)


def _brute_force(db: Database, since: date, until: date, tz: tzinfo) -> dict[str, object]:
    """The report's counts computed the slow way: every raw row, in Python, local days and weeks."""
    with db.read() as session:
        rows = session.execute(select(ThreatRow)).scalars().all()
        in_range = [t for t in rows if not t.sealed and since <= t.received_at.astimezone(tz).date() <= until]
    counted = [t for t in in_range if t.linked_to_id is None]
    weeks: Counter[date] = Counter()
    weeks_verified: Counter[date] = Counter()
    for t in counted:
        local = t.received_at.astimezone(tz).date()
        monday = local - timedelta(days=local.weekday())
        weeks[monday] += 1
        weeks_verified[monday] += t.verification == "verified"
    return {
        "total": len(counted), "verified": sum(t.verification == "verified" for t in counted),
        "linked": len(in_range) - len(counted),
        "weeks": {w: (weeks[w], weeks_verified[w]) for w in weeks},
        "divisions": dict(Counter(t.division for t in counted)),
        "kinds": dict(Counter(t.target_kind for t in counted)),
        "outcomes": dict(Counter(o for t in counted for o in set(t.outcomes))),
        "notified": sum(t.first_notified_at is not None for t in counted),
    }


def _from_report(report: reports.Report) -> dict[str, object]:
    return {
        "total": report.total, "verified": report.verified, "linked": report.linked_duplicates,
        "weeks": {w.week: (w.total, w.verified) for w in report.by_week if w.total},
        "divisions": {c.key: c.total for c in report.by_division},
        "kinds": {c.key: c.total for c in report.by_target_kind},
        "outcomes": {k: n for k, _label, n in report.by_outcome},
        "notified": report.to_notification.cases,
    }


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "UTC"])
def test_local_days_and_weeks_are_exact_in_any_time_zone(db, supervisor: Actor, zone: str) -> None:  # type: ignore[no-untyped-def]
    """Threats placed minutes around local midnights (where UTC day and hour buckets do not line up) and across the
    change to daylight saving time (March 11, 2018 in New York) are counted in the right local day and week."""
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    specs = []
    for day in (date(2018, 3, 4), date(2018, 3, 5), date(2018, 3, 10), date(2018, 3, 11), date(2018, 3, 12),
                date(2018, 3, 18), date(2018, 3, 19), date(2018, 3, 26)):
        midnight = datetime.combine(day, time(), tz)
        for minutes in (-31, -1, 0, 1, 29, 31, 61, 600):
            specs.append(Threat(
                received_at=(midnight + timedelta(minutes=minutes)).astimezone(UTC),
                division=rng.choice(DIVISIONS), target_kind=rng.choice(KINDS),
                verification=rng.choice(VERIFICATIONS), outcomes=rng.choice([[], ["cit_contact"], ["unfounded"]]),
                sealed=rng.random() < 0.1, notified_after=timedelta(minutes=rng.randint(1, 30))))
    ids = add_threats(db, supervisor, specs)
    add_threats(db, supervisor, [Threat(received_at=s.received_at, linked_to_id=ids[i])
                                 for i, s in enumerate(specs) if i % 9 == 0])

    for since, until in ((date(2018, 3, 5), date(2018, 3, 25)),  # whole weeks
                         (date(2018, 3, 4), date(2018, 3, 19)),  # starts on a Sunday
                         (date(2018, 3, 11), date(2018, 3, 11)),  # one local day (the DST change in New York)
                         (date(2018, 3, 1), date(2018, 3, 31))):
        with db.read() as session:
            report = reports.build_report(session, since=since, until=until, tz=tz, now=NOW)
        assert _from_report(report) == _brute_force(db, since, until, tz), (since, until)


def _percentile_cont(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@pytest.mark.parametrize("cases", [1, 2, 3, 10, 37])
def test_median_and_p90_walked_from_either_end_equal_percentile_cont(db, supervisor: Actor, cases: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(cases)
    waits = [rng.randint(20, 3600) + rng.randint(0, 9) / 10 for _ in range(cases)]
    specs = [Threat(received_at=at(date(2018, 3, 1)) + timedelta(hours=i), notified_after=timedelta(seconds=w),
                    acked_after=timedelta(seconds=w * 2) if i % 2 else None) for i, w in enumerate(waits)]
    # never counted: a linked duplicate and a sealed case notified at once, a case outside the range notified late
    specs += [Threat(received_at=at(date(2018, 3, 2)), notified_after=timedelta(seconds=1), sealed=True),
              Threat(received_at=at(date(2018, 6, 2)), notified_after=timedelta(days=2))]
    ids = add_threats(db, supervisor, specs)
    add_threats(db, supervisor, [Threat(received_at=at(date(2018, 3, 2)), linked_to_id=ids[0],
                                        notified_after=timedelta(seconds=2))])

    with db.read() as session:
        report = reports.build_report(session, since=date(2018, 2, 1), until=date(2018, 4, 30), now=NOW)

    acked = [w * 2 for i, w in enumerate(waits) if i % 2]
    # tenths of a second; SQLite's julianday is good to about a millisecond, so a value on a half-tenth (two waits
    # averaged) may round either way: allow that one tenth, far below what a wrong rank would be off by
    assert report.to_notification.cases == cases
    assert report.to_notification.median_s == pytest.approx(_percentile_cont(waits, 0.5), abs=0.1)
    assert report.to_notification.p90_s == pytest.approx(_percentile_cont(waits, 0.9), abs=0.1)
    assert report.to_acknowledgement.cases == len(acked)
    if acked:
        assert report.to_acknowledgement.median_s == pytest.approx(_percentile_cont(acked, 0.5), abs=0.1)
        assert report.to_acknowledgement.p90_s == pytest.approx(_percentile_cont(acked, 0.9), abs=0.1)
    else:
        assert report.to_acknowledgement == reports.Timing(0, None, None)
