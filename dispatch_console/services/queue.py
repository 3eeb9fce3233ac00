"""The live queue's read model: open threats as small frozen rows, and one threat in full for the detail pane.

The queue is read far more often than it is written (every console, on every change anywhere), so it is built from
plain column selects and three grouped side queries instead of ORM objects: 10,000 open threats load in well under
the 300 ms budget even beside a million closed ones, because every query is driven by the ``ix_threats_open``
index on ``status``. ``load_rows`` is the same read for a handful of ids, which is what a console does when another
console changed something.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import DateTime, Select, String, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from dispatch_console.db.models import (
    AssignedUnit,
    AuditEntry,
    FollowUp,
    Note,
    Notification,
    Operator,
    SiteRow,
    SuspectRow,
    ThreatRow,
)
from dispatch_console.domain.enums import (
    DeliveryState,
    Indicator,
    Outcome,
    Priority,
    Status,
    TargetKind,
    Verification,
    Weapon,
)
from dispatch_console.domain.masking import ShownSuspect, SuspectFacts, show_suspect
from dispatch_console.services import audit, timeline
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from dispatch_console.services.local_drafts import FILED_ACTION

OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.CLOSED)
VIEW_ACTION = "threat.view"
REVEAL_ACTION = "threat.reveal"


@dataclass(frozen=True)
class QueueRow:
    """Everything one line of the queue shows, as of one read.

    ``now``-dependent values (countdown, age, acknowledgement deadline passing) are not stored: the view computes
    them every second from the stored instants, so the queue ticks without touching the database.
    """

    threat_id: int
    case_number: str
    priority: Priority
    target_name: str
    target_kind: TargetKind
    division: str
    threatened_at: datetime | None
    threatened_text: str
    status: Status
    received_at: datetime
    call_taker: str
    version: int
    verification: Verification = Verification.UNVERIFIED
    units: tuple[str, ...] = ()
    notified: int = 0
    acknowledged: int = 0
    failed: int = 0
    ack_overdue: bool = False
    followups_due: int = 0
    followups_overdue: int = 0
    sealed: bool = False
    updated_by: str = ""
    next_follow_up_at: datetime | None = None  # earliest open follow-up: the queue shows "due" / "overdue" live
    cad_number: str = ""  # the CAD event number the call-taker gave, searchable in the queue

    @property
    def is_school(self) -> bool:
        return self.target_kind is TargetKind.SCHOOL

    @property
    def is_open(self) -> bool:
        return self.status is not Status.CLOSED

    @property
    def notification_text(self) -> str:
        """E.g. ``"3/4 ack"``, ``"3/4 ack, 1 failed"`` or ``""`` when nobody was notified yet."""
        if not self.notified:
            return ""
        text = f"{self.acknowledged}/{self.notified} ack"
        if self.failed:
            text += f", {self.failed} failed"
        return text


def _utc(value: datetime | str | None) -> datetime | None:
    """Normalise a raw timestamp (SQLite: its stored text; PostgreSQL: an aware datetime) to aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):  # C-fast; SQLAlchemy's SQLite DATETIME parser is a regex per value
        if len(value) <= 26:  # "YYYY-MM-DD HH:MM:SS.ffffff", stored in UTC without an offset
            return datetime.fromisoformat(value + "+00:00")
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _raw(column: Any, sqlite: bool) -> Any:
    # Read timestamps raw, without UtcDateTime's per-value Python hook; ``_utc`` does the normalising. Together
    # with Core execution this is half of the load time at 10,000 rows.
    return type_coerce(column, String() if sqlite else DateTime(timezone=True))


def _row_columns(session: Session) -> tuple[Any, ...]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    return (
        ThreatRow.id,
        ThreatRow.case_number,
        ThreatRow.priority,
        ThreatRow.target_name,
        ThreatRow.target_kind,
        ThreatRow.division,
        _raw(ThreatRow.threatened_at, sqlite),
        ThreatRow.threatened_text,
        ThreatRow.status,
        _raw(ThreatRow.received_at, sqlite),
        ThreatRow.call_taker,
        ThreatRow.version,
        ThreatRow.verification,
        ThreatRow.ack_overdue,
        ThreatRow.sealed,
        ThreatRow.updated_by,
        ThreatRow.cad_number,
    )


_PRIORITIES = {p.value: p for p in Priority}
_KINDS = {k.value: k for k in TargetKind}
_STATUSES = {s.value: s for s in Status}
_VERIFICATIONS = {v.value: v for v in Verification}
_ACK = DeliveryState.ACKNOWLEDGED.value
_FAILED = DeliveryState.FAILED.value


def _rows(session: Session, threats: Select[Any] | Any, ids: Any) -> list[QueueRow]:
    """Build rows from a threat select and the matching id filter for the side tables.

    Core execution on the session's connection (not ORM execution) and dict lookups instead of enum calls: the
    queue is re-read in full after every reconnect, so this loop is the one place where microseconds per row
    add up.
    """
    connection = session.connection()
    units: dict[int, list[str]] = defaultdict(list)
    for threat_id, unit_id in connection.execute(
        select(AssignedUnit.threat_id, AssignedUnit.unit_id)
        .where(AssignedUnit.threat_id.in_(ids))
        .order_by(AssignedUnit.threat_id, AssignedUnit.id)
    ).all():  # one fetchall, not a fetchone per row
        units[threat_id].append(unit_id)
    # One state per unit and threat: the latest round is what the supervisor watches ("3/4 ack").
    notes: dict[int, dict[str, str]] = defaultdict(dict)
    for threat_id, unit_id, state in connection.execute(
        select(Notification.threat_id, Notification.unit_id, Notification.state)
        .where(Notification.threat_id.in_(ids))
        .order_by(Notification.threat_id, Notification.round)
    ).all():
        notes[threat_id][unit_id] = state
    now = utcnow()
    followups: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    next_due: dict[int, datetime] = {}
    for threat_id, due_at in connection.execute(
        select(FollowUp.threat_id, _raw(FollowUp.due_at, session.get_bind().dialect.name == "sqlite"))
        .where(FollowUp.threat_id.in_(ids), FollowUp.done_at.is_(None))
    ).all():
        counts = followups[threat_id]
        counts[0] += 1
        due_utc = _utc(due_at)
        if due_utc is not None and due_utc < now:
            counts[1] += 1
        if due_utc is not None and (threat_id not in next_due or due_utc < next_due[threat_id]):
            next_due[threat_id] = due_utc
    result = []
    no_units: tuple[str, ...] = ()
    for (threat_id, case_number, priority, target_name, target_kind, division, threatened_at, threatened_text,
         status, received_at, call_taker, version, verification, ack_overdue, sealed, updated_by, cad_number) in (
        connection.execute(threats).all()
    ):
        states = notes.get(threat_id)
        notified = acknowledged = failed = 0
        if states:
            notified = len(states)
            acknowledged = sum(1 for x in states.values() if x == _ACK)
            failed = sum(1 for x in states.values() if x == _FAILED)
        due, overdue = followups.get(threat_id, (0, 0))
        received = _utc(received_at)
        assert received is not None
        unit_list = units.get(threat_id)
        result.append(
            QueueRow(
                threat_id, case_number, _PRIORITIES[priority], target_name,
                _KINDS.get(target_kind, TargetKind.OTHER), division, _utc(threatened_at), threatened_text,
                _STATUSES[status], received, call_taker, version, _VERIFICATIONS.get(verification,
                                                                                     Verification.UNVERIFIED),
                tuple(unit_list) if unit_list else no_units, notified, acknowledged, failed, bool(ack_overdue),
                due, overdue, bool(sealed), updated_by, next_due.get(threat_id), cad_number or "",
            )
        )
    return result


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building thousands of rows (or sort keys: the queue model uses it).

    Each row allocates tuples and containers, which triggers collections that walk the whole heap; none of these
    objects form cycles, so pausing for the length of one read saves 15-30 % of a 10,000-row load (measured).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_open(session: Session) -> list[QueueRow]:
    """Every open threat (any status but closed), in no particular order: the view sorts.

    The predicate is written ``status <> 'closed'`` on purpose: it is the WHERE of the partial index
    ``ix_threats_open_queue`` (migration 0004), which is how the planner knows it may use it.
    """
    is_open = ThreatRow.status != Status.CLOSED.value
    open_ids = select(ThreatRow.id).where(is_open)
    threats = select(*_row_columns(session)).where(is_open)
    with gc_paused():
        return _rows(session, threats, open_ids)


def load_rows(session: Session, ids: Iterable[int]) -> list[QueueRow]:
    """The current rows of ``ids``, open or closed; an id that no longer exists is simply absent.

    Closed rows are returned (not dropped) so the caller can tell "closed, remove it" from "unchanged".
    """
    wanted = sorted(set(ids))
    if not wanted:
        return []
    threats = select(*_row_columns(session)).where(ThreatRow.id.in_(wanted))
    return _rows(session, threats, wanted)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's history: what happened, when, by whom."""

    at: datetime
    kind: str  # audit / note / notification
    who: str
    text: str


@dataclass(frozen=True)
class UnitAssignment:
    unit_id: str
    kind: str
    division: str
    reason: str
    assigned_by: str
    notification_state: str = ""


@dataclass(frozen=True)
class ThreatDetail:
    """One threat in full, as the detail pane shows it (suspects already masked for this operator)."""

    row: QueueRow
    received_at: datetime
    caller_name: str
    callback_number: str
    caller_relation: str
    confidential_reporter: bool
    learned_how: str
    evidence: str
    target_address: str
    site_name: str
    named_persons: str
    statement: str
    narrative: str
    weapons: frozenset[Weapon]
    weapon_access: bool
    indicators: frozenset[Indicator]
    priority_reasons: tuple[str, ...]
    priority_overridden: bool
    outcomes: frozenset[Outcome]
    outcome_other: str
    closed_at: datetime | None
    linked_to: str | None
    suspects: tuple[ShownSuspect, ...]
    revealed: bool
    units: tuple[UnitAssignment, ...] = ()
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)


class ThreatNotFound(LookupError):
    """The threat no longer exists (or never did); the message names the id."""


def _record_ids(threat: ThreatRow) -> list[str]:
    """Audit entries name a threat by case number (intake, triage) or by id (older callers): accept both."""
    return [threat.case_number, str(threat.id)]


def _revealed(session: Session, actor: Actor, threat: ThreatRow) -> bool:
    if not actor.can_reveal_juveniles:
        return False
    found = session.execute(
        select(AuditEntry.id)
        .where(
            AuditEntry.record_type == "threat",
            AuditEntry.record_id.in_(_record_ids(threat)),
            AuditEntry.action == REVEAL_ACTION,
            AuditEntry.operator == actor.username,
            AuditEntry.outcome == "success",
        )
        .limit(1)
    ).first()
    return found is not None


def _display_names(session: Session) -> Callable[[str], str]:
    """Username → display name for the timeline's sentences (a username not on file stays as it is)."""
    known = {username: name for username, name in session.execute(select(Operator.username, Operator.display_name))}
    return lambda username: known.get(username, username)


_AUDIT_FACT = (AuditEntry.id, AuditEntry.at, AuditEntry.operator, AuditEntry.action, AuditEntry.outcome,
               AuditEntry.record_id, AuditEntry.detail)
_PAGE_FACT = (Notification.id, Notification.unit_id, Notification.escalation, Notification.state,
              Notification.acknowledged_at, Notification.acknowledged_by, Notification.next_attempt_at,
              Notification.created_at, Notification.last_error)


def _audit_facts(session: Session, where: Any) -> list[timeline.AuditFact]:
    """Audit entries as the story reads them: plain columns (no ORM objects, no hashes), in log order."""
    rows = session.execute(select(*_AUDIT_FACT).where(where).order_by(AuditEntry.id))
    return [timeline.AuditFact(i, at, operator, action, outcome, record_id, dict(detail or {}))
            for i, at, operator, action, outcome, record_id, detail in rows]


def _timeline(session: Session, threat: ThreatRow, tz: tzinfo | None = None) -> list[TimelineEntry]:
    """The case's story (``services/timeline.py``) from everything the log and the tables hold about it.

    Besides the entries naming the case, the story reads the entries of its notifications (failures, retries), of
    the draft it was typed in (recovered, filled from an EIDO document), of a later report linked to it, of a report
    kept locally and filed, and of an export of its audit trail: each names the case another way, and each is part
    of what happened to it. Every lookup is driven by an index (``ix_audit_record``, the action index, the threats'
    ``linked_to_id``); views are read only for a case that was ever sealed, the one case where they are told.
    """
    threat_id, number = threat.id, threat.case_number
    ids = _record_ids(threat)
    pages = [timeline.NotificationFact(nid, unit, bool(escalation), state, acknowledged_at, acknowledged_by,
                                       next_attempt_at or created_at, last_error)
             for nid, unit, escalation, state, acknowledged_at, acknowledged_by, next_attempt_at, created_at,
             last_error in session.execute(select(*_PAGE_FACT).where(Notification.threat_id == threat_id))]
    about_case = and_(AuditEntry.record_type == "threat", AuditEntry.record_id.in_(ids))
    facts = _audit_facts(session, and_(about_case, AuditEntry.action != VIEW_ACTION))
    if any(f.action == timeline.SEAL_ACTION and f.outcome == "success" for f in facts):
        facts += _audit_facts(session, and_(about_case, AuditEntry.action == VIEW_ACTION))
    related: list[Any] = [
        and_(AuditEntry.record_type == "audit", AuditEntry.record_id.in_([f"threat {i}" for i in ids])),
        and_(AuditEntry.record_type == "threat", AuditEntry.action == "threat.link",
             AuditEntry.record_id.in_(select(ThreatRow.case_number).where(ThreatRow.linked_to_id == threat_id))),
        and_(AuditEntry.action == FILED_ACTION, AuditEntry.detail["case_number"].as_string() == number),
    ]
    if pages:
        related.append(and_(AuditEntry.record_type == "notification",
                            AuditEntry.record_id.in_([p.notification_id for p in pages])))
    drafts = [str(f.detail["draft"]) for f in facts if f.action == "threat.create" and f.detail.get("draft")]
    if drafts:
        related.append(and_(AuditEntry.record_type == "draft", AuditEntry.record_id.in_(drafts)))
    facts = sorted({f.entry_id: f for f in (*facts, *_audit_facts(session, or_(*related)))}.values(),
                   key=lambda f: f.entry_id)
    site_ids = [i for i in {threat.site_id, *(f.detail.get("site_id") for f in facts)} if isinstance(i, int)]
    sites = {i: name for i, name in session.execute(select(SiteRow.id, SiteRow.name).where(SiteRow.id.in_(site_ids)))}
    follow_ups = {i: text for i, text in session.execute(
        select(FollowUp.id, FollowUp.text).where(FollowUp.threat_id == threat_id))}
    ctx = timeline.CaseContext(
        case_number=number, names=_display_names(session), tz=tz, sites=sites, follow_ups=follow_ups,
        notifications={p.notification_id: p.unit_id for p in pages},
    )
    notes = [timeline.NoteFact(at, operator, text) for at, operator, text in session.execute(
        select(Note.at, Note.operator, Note.text).where(Note.threat_id == threat_id).order_by(Note.id))]
    return [TimelineEntry(line.at, line.kind, line.who, line.text)
            for line in timeline.story(facts, notes, pages, ctx)]


def threat_detail(
    session: Session, *, actor: Actor, threat_id: int, audit_view: bool = True, tz: tzinfo | None = None
) -> ThreatDetail:
    """One threat in full for ``actor``, with juvenile suspects masked unless revealed to this operator.

    Args:
        session: A write session when ``audit_view`` (the view is audited in it), else any session.
        actor: Who is looking; decides masking.
        threat_id: The threat.
        audit_view: Audit this as a view of the case. Pass False when the pane only refreshes a case it already
            shows because another console changed it: the operator did not open anything new.
        tz: The console's zone, for the times the timeline's sentences quote (default: this computer's).

    Raises:
        ThreatNotFound: no such threat.
    """
    threat = session.get(ThreatRow, threat_id)
    if threat is None:
        raise ThreatNotFound(f"threat {threat_id} does not exist (it may have been removed); refresh the queue")
    if audit_view:
        audit.record(session, actor=actor, action=VIEW_ACTION, record_type="threat", record_id=threat.case_number)
    rows = load_rows(session, [threat_id])
    revealed = _revealed(session, actor, threat)
    suspects = tuple(
        show_suspect(
            SuspectFacts(s.name, s.date_of_birth, s.age, s.juvenile, s.school, s.grade, s.description,
                         s.social_handles, s.weapon_access),
            revealed=revealed,
        )
        for s in session.execute(select(SuspectRow).where(SuspectRow.threat_id == threat_id).order_by(SuspectRow.id))
        .scalars()
    )
    states: dict[str, str] = {}
    for unit_id, state in session.execute(
        select(Notification.unit_id, Notification.state)
        .where(Notification.threat_id == threat_id)
        .order_by(Notification.round)
    ):
        states[unit_id] = state
    units = tuple(
        UnitAssignment(u.unit_id, u.kind, u.division, u.reason, u.assigned_by, states.get(u.unit_id, ""))
        for u in session.execute(
            select(AssignedUnit).where(AssignedUnit.threat_id == threat_id).order_by(AssignedUnit.id)
        ).scalars()
    )
    site_name = ""
    if threat.site_id is not None:
        site_name = session.execute(select(SiteRow.name).where(SiteRow.id == threat.site_id)).scalar() or ""
    linked = None
    if threat.linked_to_id is not None:
        linked = session.execute(
            select(ThreatRow.case_number).where(ThreatRow.id == threat.linked_to_id)
        ).scalar()
    return ThreatDetail(
        row=rows[0],
        received_at=threat.received_at,
        caller_name=threat.caller_name,
        callback_number=threat.callback_number,
        caller_relation=threat.caller_relation,
        confidential_reporter=threat.confidential_reporter,
        learned_how=threat.learned_how,
        evidence=threat.evidence,
        target_address=threat.target_address,
        site_name=site_name,
        named_persons=threat.named_persons,
        statement=threat.statement,
        narrative=threat.narrative,
        weapons=frozenset(Weapon(w) for w in threat.weapons or ()),
        weapon_access=threat.weapon_access,
        indicators=frozenset(Indicator(i) for i in threat.indicators or ()),
        priority_reasons=tuple(str(r) for r in threat.priority_reasons or ()),
        priority_overridden=threat.priority_overridden,
        outcomes=frozenset(Outcome(o) for o in threat.outcomes or ()),
        outcome_other=threat.outcome_other,
        closed_at=threat.closed_at,
        linked_to=linked,
        suspects=suspects,
        revealed=revealed,
        units=units,
        timeline=tuple(_timeline(session, threat, tz)),
    )
