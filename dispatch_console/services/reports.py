"""Counting threats honestly: the report over a date range, computed with SQL aggregates.

The numbers answer the command staff's question in the seed's own words ("21 verified incidents since Feb 14; 20 of
21 directed at schools"), so two rules hold everywhere in this module:

* a report linked to an earlier one (``linked_to_id`` set: the same threat from another caller) is never counted;
  only the original is;
* a sealed case is never counted or shown.

Scale: a center accumulates about a million threats over its life, and a report must still come back in under a
second. So every figure is an aggregate computed by the database in a handful of queries; Python only loops over
the grouped result (weeks × divisions × target kinds × verification states, a few thousand rows at most), never over
the threats themselves. Percentiles use ``percentile_cont`` on PostgreSQL and, on SQLite (which has no ordered-set
aggregates), an ``ORDER BY … LIMIT 2 OFFSET k`` walk along an expression index with the same interpolation, so both
engines give the same answer.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    false,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from dispatch_console.db.models import FollowUp, ThreatRow
from dispatch_console.domain.enums import Outcome, TargetKind, Verification
from dispatch_console.services.clock import utcnow

DEFAULT_DAYS = 90
SUMMARY_FORM = "{n} verified incident{s} since {date}; {m} of {n} directed at schools."


@dataclass(frozen=True)
class Count:
    """One row of a breakdown table: a key, its label, all threats and the verified ones."""

    key: str
    label: str
    total: int
    verified: int


@dataclass(frozen=True)
class WeekCount:
    """Threats received in the week starting on ``week`` (a Monday, local time)."""

    week: date
    total: int
    verified: int


@dataclass(frozen=True)
class Timing:
    """Seconds from the call to an event (first notification, first acknowledgement) over the counted cases."""

    cases: int
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class Report:
    """Everything the Reports tab, the CSV and the PDF show for one date range; never holds a name."""

    since: date
    until: date
    total: int
    verified: int
    at_schools: int
    verified_at_schools: int
    linked_duplicates: int
    by_week: tuple[WeekCount, ...]
    by_division: tuple[Count, ...]
    by_target_kind: tuple[Count, ...]
    by_verification: tuple[Count, ...]
    by_outcome: tuple[tuple[str, str, int], ...]  # (outcome, label, cases)
    to_notification: Timing
    to_acknowledgement: Timing
    open_follow_ups: int
    overdue_follow_ups: int

    @property
    def share_at_schools(self) -> float:
        """Share of all counted threats that were directed at a school (0 when there are none)."""
        return self.at_schools / self.total if self.total else 0.0

    @property
    def summary(self) -> str:
        """The one-line summary in the seed's form; see ``summary_line``."""
        return summary_line(self.verified, self.verified_at_schools, self.since)


def format_date(day: date) -> str:
    """'February 14, 2018': spelled out, because the line is read aloud and quoted in briefings."""
    return f"{day:%B} {day.day}, {day.year}"


def summary_line(verified: int, verified_at_schools: int, since: date) -> str:
    """"N verified incidents since <Month D, YYYY>; M of N directed at schools."

    M counts the verified incidents at schools, so M never exceeds N and the sentence can be quoted as it stands.
    """
    return SUMMARY_FORM.format(
        n=verified, s="" if verified == 1 else "s", date=format_date(since), m=verified_at_schools
    )


def format_duration(seconds: float | None) -> str:
    """A duration as an operator reads it: '45 s', '3 min 20 s', '2 h 05 min'; '—' when there is no data."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def default_since(today: date) -> date:
    """The default range starts 90 days ago: about one school term, the span the seed's count covered."""
    return today - timedelta(days=DEFAULT_DAYS)


def bounds(since: date, until: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight on ``since`` and of the midnight after ``until`` (both days included)."""
    start = datetime.combine(since, time(), tz).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end


def counted(start: datetime, end: datetime, dialect: str = "") -> ColumnElement[bool]:
    """The cases a report counts: received in [start, end), not a linked duplicate, not sealed.

    ``coalesce(linked_to_id, 0) = 0`` rather than ``IS NULL`` on purpose: SQLite would otherwise pick the
    ``linked_to_id`` index (95 % of rows match) and read every row from the table instead of a covering index.
    """
    received = _received(dialect)
    return and_(
        received >= start,
        received < end,
        func.coalesce(ThreatRow.linked_to_id, 0) == 0,
        ThreatRow.sealed == false(),
    )


def _received(dialect: str, *, seekable: bool = True) -> Any:
    """``received_at``; on SQLite written ``+received_at`` where a range seek on it would pick the wrong index.

    The unary plus is SQLite's documented way to keep a term from driving index choice; the grouped and percentile
    queries must walk an index in its own order (so nothing is sorted) and filter the range inside it.
    """
    if dialect == "sqlite" and not seekable:
        return literal_column("+threats.received_at", ThreatRow.received_at.type)
    return ThreatRow.received_at


def _delay_sql(dialect: str, event: str) -> str:
    if dialect == "sqlite":
        return f"(julianday({event}) - julianday(received_at))"  # exactly the expression of migration 0003
    return f"extract(epoch from ({event} - received_at))"


def _percentiles(session: Session, dialect: str, start: datetime, end: datetime, event: str, n: int) -> Timing:
    """Median and p90 (linear interpolation, as ``percentile_cont``) of the seconds from the call to ``event``."""
    if n == 0:
        return Timing(0, None, None)
    delay = _delay_sql(dialect, event)
    params = {"start": start, "end": end}
    typed = (bindparam("start", type_=ThreatRow.received_at.type), bindparam("end", type_=ThreatRow.received_at.type))
    if dialect == "postgresql":
        row = session.execute(text(
            f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {delay}), "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {delay}) FROM threats "
            f"WHERE {event} IS NOT NULL AND received_at >= :start AND received_at < :end "
            "AND linked_to_id IS NULL AND NOT sealed"
        ).bindparams(*typed), params).one()
        return Timing(n, _round(row[0]), _round(row[1]))
    values: list[float | None] = []
    for p in (0.5, 0.9):
        rank = p * (n - 1)
        low = math.floor(rank)
        stmt = text(
            f"SELECT {delay} * 86400.0 FROM threats WHERE {event} IS NOT NULL "
            "AND +received_at >= :start AND +received_at < :end AND coalesce(linked_to_id, 0) = 0 AND sealed = 0 "
            f"ORDER BY {delay} LIMIT 2 OFFSET :low"
        ).bindparams(*typed)
        rows = session.execute(stmt, {**params, "low": low}).scalars().all()
        if not rows:
            values.append(None)
            continue
        first = float(rows[0])
        second = float(rows[1]) if len(rows) > 1 else first
        values.append(_round(first + (second - first) * (rank - low)))
    return Timing(n, values[0], values[1])


def _round(value: Any) -> float | None:
    """Tenths of a second: SQLite's julianday arithmetic is only good to about a millisecond."""
    return None if value is None else round(float(value), 1)


def _weeks(since: date, until: date) -> list[date]:
    first = since - timedelta(days=since.weekday())
    return [first + timedelta(weeks=i) for i in range((until - first).days // 7 + 1)]


def _counts(totals: Counter[str], verified: Counter[str], labels: dict[str, str]) -> tuple[Count, ...]:
    keys = sorted(totals, key=lambda k: (-totals[k], labels.get(k, k)))
    return tuple(Count(k, labels.get(k, k) or "(none)", totals[k], verified[k]) for k in keys)


def _enum_labels(values: Iterable[Any]) -> dict[str, str]:
    return {v.value: v.label for v in values}


def _week_counts(
    session: Session, dialect: str, weeks: list[date], start: datetime, end: datetime, tz: tzinfo
) -> dict[date, tuple[int, int]]:
    """Counted and verified threats per local week: one covering-index range count per week, in one statement.

    A GROUP BY on a computed week would sort every row (no engine knows the week is monotonic in received_at);
    a UNION ALL of per-week ranges reads each index entry once and sorts nothing.
    """
    parts = []
    for i, monday in enumerate(weeks):
        lo = max(start, datetime.combine(monday, time(), tz).astimezone(UTC))
        hi = min(end, datetime.combine(monday + timedelta(days=7), time(), tz).astimezone(UTC))
        parts.append(
            select(
                literal_column(str(i)).label("week"),
                func.count().label("total"),
                func.coalesce(func.sum(case((ThreatRow.verification == Verification.VERIFIED.value, 1), else_=0)),
                              0).label("verified"),
            ).where(counted(lo, hi, dialect))
        )
    result: dict[date, tuple[int, int]] = {}
    for chunk in range(0, len(parts), 400):  # SQLite allows 500 terms in a compound SELECT
        for i, total, verified in session.execute(union_all(*parts[chunk:chunk + 400])).all():
            result[weeks[int(i)]] = (int(total), int(verified))
    return result


@dataclass
class _Tally:
    """The grouped counts, before they become a ``Report`` (loops here run over groups, not over threats)."""

    weeks: dict[date, tuple[int, int]] = field(default_factory=dict)
    div_total: Counter[str] = field(default_factory=Counter)
    div_verified: Counter[str] = field(default_factory=Counter)
    kind_total: Counter[str] = field(default_factory=Counter)
    kind_verified: Counter[str] = field(default_factory=Counter)
    ver_total: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    notified: int = 0
    acked: int = 0

    def add_group(self, division: str, kind: str, verification: str, n: int, n_notified: int, n_acked: int) -> None:
        ok = n if verification == Verification.VERIFIED.value else 0
        self.div_total[division] += n
        self.div_verified[division] += ok
        self.kind_total[kind] += n
        self.kind_verified[kind] += ok
        self.ver_total[verification] += n
        self.notified += n_notified
        self.acked += n_acked

    def add_outcomes(self, raw: Any, n: int) -> None:
        text_value = raw if isinstance(raw, str) else json.dumps(raw)
        for value in set(json.loads(text_value or "[]")):
            self.outcomes[str(value)] += n


def _tally_sqlite(session: Session, weeks: list[date], start: datetime, end: datetime, tz: tzinfo) -> _Tally:
    """SQLite: per-week range counts, then GROUP BYs that walk covering indexes in their own order (no sort)."""
    tally = _Tally(weeks=_week_counts(session, "sqlite", weeks, start, end, tz))
    received = _received("sqlite", seekable=False)
    grouped = and_(received >= start, received < end, func.coalesce(ThreatRow.linked_to_id, 0) == 0,
                   ThreatRow.sealed == false())
    for row in session.execute(
        select(ThreatRow.division, ThreatRow.target_kind, ThreatRow.verification, func.count(),
               func.count(ThreatRow.first_notified_at), func.count(ThreatRow.first_ack_at))
        .where(grouped)
        .group_by(ThreatRow.division, ThreatRow.target_kind, ThreatRow.verification)
        .order_by(ThreatRow.division, ThreatRow.target_kind, ThreatRow.verification)
    ).all():
        tally.add_group(*row)
    for raw, n in session.execute(
        select(ThreatRow.outcomes, func.count()).where(grouped).group_by(ThreatRow.outcomes)
    ).all():
        tally.add_outcomes(raw, n)
    return tally


def _tally_postgres(session: Session, start: datetime, end: datetime, tz: tzinfo) -> _Tally:
    """PostgreSQL: one scan, hashed GROUPING SETS for weeks, division x kind x verification, and outcomes."""
    zone = getattr(tz, "key", None) or "UTC"
    offset = ""
    if not getattr(tz, "key", None):  # a fixed-offset zone has no name PostgreSQL knows: shift by its offset
        minutes = int((start.astimezone(tz).utcoffset() or timedelta(0)).total_seconds() // 60)
        offset = f" + interval '{minutes} minutes'"
    stmt = text(
        "SELECT GROUPING(wk) AS g_week, GROUPING(division, target_kind, verification) AS g_div, "
        "GROUPING(outcomes_text) AS g_out, wk, division, target_kind, verification, outcomes_text, count(*), "
        "count(*) FILTER (WHERE verification = 'verified'), count(first_notified_at), count(first_ack_at) "
        f"FROM (SELECT date_trunc('week', (received_at AT TIME ZONE :zone){offset})::date AS wk, division, "
        "target_kind, verification, outcomes::text AS outcomes_text, first_notified_at, first_ack_at FROM threats "
        "WHERE received_at >= :start AND received_at < :end AND linked_to_id IS NULL AND NOT sealed) AS counted "
        "GROUP BY GROUPING SETS ((wk), (division, target_kind, verification), (outcomes_text))"
    ).bindparams(bindparam("start", type_=ThreatRow.received_at.type),
                 bindparam("end", type_=ThreatRow.received_at.type))
    tally = _Tally()
    for (g_week, g_div, g_out, wk, division, kind, verification, outcomes_text, n, n_verified, n_notified,
         n_acked) in session.execute(stmt, {"zone": zone, "start": start, "end": end}).all():
        if not g_week:
            tally.weeks[wk] = (int(n), int(n_verified))
        elif not g_div:
            tally.add_group(division, kind, verification, int(n), int(n_notified), int(n_acked))
        elif not g_out:
            tally.add_outcomes(outcomes_text, int(n))
    return tally


def build_report(
    session: Session, *, since: date, until: date | None = None, tz: tzinfo = UTC, now: datetime | None = None
) -> Report:
    """Compute the report for the local days ``since`` … ``until`` (both included; ``until`` defaults to today).

    Args:
        session: a read session (the caller owns it; reports never write).
        since: first local day counted; the summary line says "since" this date.
        until: last local day counted.
        tz: the center's zone: days and weeks are local days and weeks.
        now: the current instant (decides which follow-ups are overdue); ``clock.utcnow()`` by default.
    """
    now = now or utcnow()
    until = until or now.astimezone(tz).date()
    start, end = bounds(since, until, tz)
    dialect = session.get_bind().dialect.name
    weeks = _weeks(since, until)
    if dialect == "postgresql":
        # Sorting a million delays for the percentiles must stay in memory; SET LOCAL ends with this transaction.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        tally = _tally_postgres(session, start, end, tz)
    else:
        tally = _tally_sqlite(session, weeks, start, end, tz)

    duplicates = session.execute(
        select(func.count()).select_from(ThreatRow).where(
            ThreatRow.linked_to_id.is_not(None), ThreatRow.received_at >= start, ThreatRow.received_at < end,
            ThreatRow.sealed == false(),
        )
    ).scalar_one()

    open_rows = session.execute(
        select(func.count(), func.coalesce(func.sum(case((FollowUp.due_at < now, 1), else_=0)), 0))
        .select_from(FollowUp)
        .join(ThreatRow, ThreatRow.id == FollowUp.threat_id)
        .where(FollowUp.done_at.is_(None), ThreatRow.sealed == false())
    ).one()

    div_total, div_verified = tally.div_total, tally.div_verified
    kind_total, kind_verified = tally.kind_total, tally.kind_verified
    ver_total, outcome_cases, by_week = tally.ver_total, tally.outcomes, tally.weeks
    notified, acked = tally.notified, tally.acked
    to_notification = _percentiles(session, dialect, start, end, "first_notified_at", notified)
    to_ack = _percentiles(session, dialect, start, end, "first_ack_at", acked)

    school = TargetKind.SCHOOL.value
    outcome_labels = _enum_labels(Outcome)
    return Report(
        since=since,
        until=until,
        total=sum(kind_total.values()),
        verified=sum(kind_verified.values()),
        at_schools=kind_total[school],
        verified_at_schools=kind_verified[school],
        linked_duplicates=int(duplicates),
        by_week=tuple(WeekCount(w, *by_week.get(w, (0, 0))) for w in weeks),
        by_division=_counts(div_total, div_verified, {}),
        by_target_kind=_counts(kind_total, kind_verified, _enum_labels(TargetKind)),
        by_verification=tuple(
            Count(v.value, v.label, ver_total[v.value], ver_total[v.value] if v is Verification.VERIFIED else 0)
            for v in Verification
        ),
        by_outcome=tuple(
            (key, outcome_labels.get(key, key), outcome_cases[key])
            for key in sorted(outcome_cases, key=lambda k: (-outcome_cases[k], k))
        ),
        to_notification=to_notification,
        to_acknowledgement=to_ack,
        open_follow_ups=int(open_rows[0]),
        overdue_follow_ups=int(open_rows[1]),
    )
