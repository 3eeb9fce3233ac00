"""Counting threats honestly: the report over a date range, computed with SQL aggregates.

The numbers answer the command staff's question in the seed's own words ("21 verified incidents since Feb 14; 20 of
21 directed at schools"), so two rules hold everywhere in this module:

* a report linked to an earlier one (``linked_to_id`` set: the same threat from another caller) is never counted;
  only the original is;
* a sealed case is never counted or shown.

Scale: a center accumulates about a million threats over its life, and a report over any range, everything
included, must still come back in under a second on SQLite and PostgreSQL. So no figure is computed by visiting the
threats of the range:

* counts come from ``report_counts`` (migration 0005), a rollup per UTC hour (the week series) and per UTC day
  (division, target kind, verification, outcome combination, linked duplicates) that database triggers keep in the
  same transaction as every write to ``threats``; a report sums the whole buckets inside its range and counts the
  edges (less than a day, local midnights are rarely UTC ones) from the threats, so every figure stays exact;
* the median and p90 waits are an ``ORDER BY … LIMIT 2 OFFSET k`` walk along a partial index of the counted threats
  in order of the wait, from whichever end is nearer (both engines, same interpolation as ``percentile_cont``).

Python only loops over grouped rows (a few thousand at most), never over the threats themselves.
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
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from dispatch_console.db.models import FollowUp, ReportCount, ThreatRow
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


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY_HOURS = 24
_ROLLUP_DIMS = ("division", "kind", "verification", "outcomes", "linked")


def counted(start: datetime, end: datetime) -> ColumnElement[bool]:
    """The cases a report counts: received in [start, end), not a linked duplicate, not sealed.

    The test is written ``(+ linked_to_id) IS NULL``: SQLite takes ``linked_to_id IS NULL`` for an equality on
    ``ix_threats_linked_to_id`` and, for a partial day at the edge of a range, read 95 % of the threats through it
    (700 ms at a million threats in America/Chicago); the unary plus is SQLite's documented way to keep a term off
    an index, so both engines range-scan ``ix_threats_received`` (guarded by tests/reports/test_edge_query_plan.py).
    """
    return and_(
        ThreatRow.received_at >= start,
        ThreatRow.received_at < end,
        UnaryExpression(ThreatRow.linked_to_id.expression, operator=operators.custom_op("+")).is_(None),
        ThreatRow.sealed == false(),
    )


Edges = list[tuple[datetime, datetime]]


def _split(start: datetime, end: datetime, grain_hours: int) -> tuple[tuple[int, int] | None, Edges]:
    """[start, end) as whole rollup buckets plus the raw edges around them.

    Returns the bucket range ``(first, past_last)`` in hours since the epoch (``None`` when no whole bucket of
    ``grain_hours`` fits) and the edges, at most two ranges shorter than one bucket each, that must be counted from
    the threats themselves. That split is what keeps the rollup exact for a local day or week in any time zone (an
    offset of 5:30, a DST change): only whole UTC buckets are taken from it.
    """
    grain = HOUR * grain_hours
    first = -((EPOCH - start) // grain) * grain_hours  # ceil to the grain, in hours
    past_last = ((end - EPOCH) // grain) * grain_hours  # floor to the grain, in hours
    if first >= past_last:
        return None, [(start, end)] if start < end else []
    edges: Edges = []
    lo, hi = EPOCH + first * HOUR, EPOCH + past_last * HOUR
    if start < lo:
        edges.append((start, lo))
    if hi < end:
        edges.append((hi, end))
    return (first, past_last), edges


def _week_counts(
    session: Session, weeks: list[date], start: datetime, end: datetime, tz: tzinfo
) -> dict[date, tuple[int, int]]:
    """Counted and verified threats per local week: sums of the hourly rollup rows, plus raw edges if any.

    Each week is a range of whole UTC hours (a local week starts at a local midnight, a whole hour in nearly every
    zone), summed from ``report_counts``: 168 small rows a week instead of thousands of threats. In a zone whose
    midnight is not on the hour the part-hours at the ends are counted from the threats (index range, minutes).
    """
    spans: list[str] = []
    raw: list[Select[Any, Any, Any]] = []
    verified = func.coalesce(func.sum(case((ThreatRow.verification == Verification.VERIFIED.value, 1), else_=0)), 0)
    for i, monday in enumerate(weeks):
        lo = max(start, datetime.combine(monday, time(), tz).astimezone(UTC))
        hi = min(end, datetime.combine(monday + timedelta(days=7), time(), tz).astimezone(UTC))
        span, edges = _split(lo, hi, 1)
        if span is not None:
            spans.append(f"({i:d}, {span[0]:d}, {span[1]:d})")  # integers computed here: nothing to quote
        raw.extend(
            select(literal_column(str(i)).label("week"), func.count(), verified).where(counted(a, b))
            for a, b in edges
        )
    sums: dict[int, list[int]] = {}
    results = []
    if spans:
        # one statement: the weeks as a VALUES list joined to the hourly rows (a primary-key range per week)
        results.append(session.execute(text(
            f"WITH w (i, lo, hi) AS (VALUES {', '.join(spans)}) "
            "SELECT w.i, sum(c.total), sum(c.verified) FROM w JOIN report_counts AS c "
            "ON c.dim = 'hour' AND c.bucket >= w.lo AND c.bucket < w.hi GROUP BY w.i"
        )).all())
    for chunk in range(0, len(raw), 400):  # SQLite allows 500 terms in a compound SELECT
        results.append(session.execute(union_all(*raw[chunk:chunk + 400])).all())
    for rows in results:
        for i, total, n_verified in rows:
            acc = sums.setdefault(int(i), [0, 0])
            acc[0] += int(total or 0)
            acc[1] += int(n_verified or 0)
    return {weeks[i]: (t, v) for i, (t, v) in sums.items()}


def _wait_sql(dialect: str, event: str) -> tuple[str, str]:
    """(ORDER BY expression, seconds expression) of the wait from the call to ``event``: migration 0005's index."""
    if dialect == "postgresql":
        return f"({event} - received_at)", f"extract(epoch from ({event} - received_at))"
    order = f"(julianday({event}) - julianday(received_at))"  # exactly the expression of migration 0005
    return order, f"{order} * 86400.0"


def _percentiles(session: Session, dialect: str, start: datetime, end: datetime, event: str, n: int) -> Timing:
    """Median and p90 (linear interpolation, as ``percentile_cont``) of the seconds from the call to ``event``.

    ``n`` (from the rollup) says where the k-th value is, so each percentile is an OFFSET walk along the partial
    index of migration 0005 (counted threats only, in order of the wait): from the bottom below the median, from the
    top above it, so the p90 reads a tenth of the index, not nine tenths. Nothing is sorted.
    """
    if n == 0:
        return Timing(0, None, None)
    order, seconds = _wait_sql(dialect, event)
    index = "ix_threats_ack_wait" if event == "first_ack_at" else "ix_threats_notify_wait"
    # SQLite would pick the linked_to_id index for "linked_to_id IS NULL" and sort: name the wait index outright
    # (INDEXED BY fails loudly rather than silently sort if the index were ever missing); "+received_at" keeps the
    # range from being used as a seek, the walk filters it inside the index.
    indexed = f" INDEXED BY {index}" if dialect == "sqlite" else ""
    received = "+received_at" if dialect == "sqlite" else "received_at"
    typed = (bindparam("start", type_=ThreatRow.received_at.type), bindparam("end", type_=ThreatRow.received_at.type))
    values: list[float | None] = []
    for p in (0.5, 0.9):
        rank = p * (n - 1)
        low = math.floor(rank)
        high = min(low + 1, n - 1)
        from_top = low >= n / 2
        stmt = text(
            f"SELECT {seconds} FROM threats{indexed} WHERE {event} IS NOT NULL AND linked_to_id IS NULL "
            f"AND sealed = {'false' if dialect == 'postgresql' else '0'} "
            f"AND {received} >= :start AND {received} < :end "
            f"ORDER BY {order}{' DESC' if from_top else ''} LIMIT :limit OFFSET :offset"
        ).bindparams(*typed)
        offset = n - 1 - high if from_top else low
        rows = [float(v) for v in session.execute(
            stmt, {"start": start, "end": end, "limit": high - low + 1, "offset": offset}).scalars()]
        if from_top:
            rows.reverse()
        if not rows:
            values.append(None)
            continue
        first = rows[0]
        second = rows[1] if len(rows) > 1 else first
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
    return tuple(Count(k, labels.get(k, k) or "(none)", totals[k], verified[k]) for k in keys if totals[k])


def _enum_labels(values: Iterable[Any]) -> dict[str, str]:
    return {v.value: v.label for v in values}


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
    linked: int = 0

    def add_group(self, division: str, kind: str, verification: str, n: int, n_notified: int, n_acked: int) -> None:
        ok = n if verification == Verification.VERIFIED.value else 0
        self.div_total[division] += n
        self.div_verified[division] += ok
        self.kind_total[kind] += n
        self.kind_verified[kind] += ok
        self.ver_total[verification] += n
        self.notified += n_notified
        self.acked += n_acked

    def add_rollup(self, dim: str, key: str, n: int, n_verified: int, n_notified: int, n_acked: int) -> None:
        """One summed ``report_counts`` row: every dimension holds every counted threat once."""
        if dim == "division":
            self.div_total[key] += n
            self.div_verified[key] += n_verified
        elif dim == "kind":
            self.kind_total[key] += n
            self.kind_verified[key] += n_verified
            self.notified += n_notified
            self.acked += n_acked
        elif dim == "verification":
            self.ver_total[key] += n
        elif dim == "outcomes":
            self.add_outcomes(key, n)
        elif dim == "linked":
            self.linked += n

    def add_outcomes(self, raw: Any, n: int) -> None:
        if not n:
            return
        text_value = raw if isinstance(raw, str) else json.dumps(raw)
        for value in set(json.loads(text_value or "[]") or []):
            self.outcomes[str(value)] += n


def _tally(session: Session, weeks: list[date], start: datetime, end: datetime, tz: tzinfo) -> _Tally:
    """All the counts of a range: whole UTC days from ``report_counts``, the edges (under a day) from the threats.

    A range of three years is about 20,000 rollup rows summed by the database in one grouped range scan of its
    primary key, plus at most two partial days of threats read along the ``received_at`` index.
    """
    tally = _Tally(weeks=_week_counts(session, weeks, start, end, tz))
    span, edges = _split(start, end, DAY_HOURS)
    if span is not None:
        for dim, key, n, n_verified, n_notified, n_acked in session.execute(
            select(ReportCount.dim, ReportCount.key, func.sum(ReportCount.total), func.sum(ReportCount.verified),
                   func.sum(ReportCount.notified), func.sum(ReportCount.acked))
            .where(ReportCount.dim.in_(_ROLLUP_DIMS), ReportCount.bucket >= span[0], ReportCount.bucket < span[1])
            .group_by(ReportCount.dim, ReportCount.key)
        ).all():
            tally.add_rollup(dim, key, int(n), int(n_verified), int(n_notified), int(n_acked))
    outcomes = cast(ThreatRow.outcomes, Text)
    for lo, hi in edges:
        for division, kind, verification, raw, n, n_notified, n_acked in session.execute(
            select(ThreatRow.division, ThreatRow.target_kind, ThreatRow.verification, outcomes, func.count(),
                   func.count(ThreatRow.first_notified_at), func.count(ThreatRow.first_ack_at))
            .where(counted(lo, hi))
            .group_by(ThreatRow.division, ThreatRow.target_kind, ThreatRow.verification, outcomes)
        ).all():
            tally.add_group(division, kind, verification, int(n), int(n_notified), int(n_acked))
            tally.add_outcomes(raw, int(n))
        tally.linked += session.execute(
            select(func.count()).select_from(ThreatRow).where(
                ThreatRow.linked_to_id.is_not(None), ThreatRow.received_at >= lo, ThreatRow.received_at < hi,
                ThreatRow.sealed == false(),
            )
        ).scalar_one()
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
    tally = _tally(session, weeks, start, end, tz)

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
        linked_duplicates=tally.linked,
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
