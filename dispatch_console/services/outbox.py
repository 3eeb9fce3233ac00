"""The notification outbox: the supervisor's one click, written as rows that a background sender delivers.

Why an outbox rather than sending from the click: the click must be instant and must never lose a page when the
backend is down, slow or refusing the token. So the click only writes, in ONE transaction with the threat's status
change, its audit entry and its change-log row, one ``notifications`` row per unit. Each row's id is a fresh UUID
that doubles as the backend's ``Idempotency-Key``; the sender (``services.dispatcher``) retries with that same key
until the backend answers, so a lost response can never page a unit twice.

Double clicks are harmless because of ``UniqueConstraint(threat_id, unit_id, round)``: a unit already notified in
round 0 is skipped, not re-sent; and the threat row is locked first, so two consoles clicking at once queue up
instead of racing to insert the same row.

Privacy: payloads are built here and only here. Suspects are described with :func:`domain.masking.describe`
plus what was seen (never a name or a date of birth), the caller (who may be a confidential reporter) is never
included, and every caller or suspect name typed into the statement is masked (:mod:`domain.name_masking`).
:func:`preview` shows the supervisor that very payload before the click.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_console.db.models import AssignedUnit, Notification, Sequence, SuspectRow, ThreatRow
from dispatch_console.domain.enums import DeliveryState, Priority, Status, TargetKind, Weapon
from dispatch_console.domain.masking import SuspectFacts, describe
from dispatch_console.domain.name_masking import Person, mask_names
from dispatch_console.domain.text import plural
from dispatch_console.gateway.contract import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    IncidentPayload,
    NotificationRequest,
    SuspectPayload,
    TargetPayload,
)
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.changes import record_change

PENDING_STATES = (DeliveryState.QUEUED.value, DeliveryState.SENT.value)
"""States in which the sender still owes the backend an attempt."""

RETRYING = "retrying:"
"""How ``last_error`` starts while a page is retried for a transient cause (the sender writes it)."""


class NotifyError(ValueError):
    """A notification request that cannot be carried out; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class NotifyResult:
    """What one click did.

    Attributes:
        threat_id: The threat.
        queued: Units that got a new outbox row (in the order given).
        skipped: Units already notified for this threat (a repeated click): nothing was added for them.
        notification_ids: The new rows' ids (= idempotency keys), in the order of ``queued``.
    """

    threat_id: int
    queued: tuple[str, ...]
    skipped: tuple[str, ...]
    notification_ids: tuple[str, ...]


@dataclass(frozen=True)
class NotificationView:
    """One unit's notification as the panel and the queue show it (never an ORM row)."""

    notification_id: str
    threat_id: int
    unit_id: str
    round: int
    escalation: bool
    state: DeliveryState
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    accepted_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    deadline_at: datetime | None
    sent_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        """True while the page is owed and its last attempt met a transient cause (it is being retried)."""
        return self.state.value in PENDING_STATES and self.attempts > 0 and self.last_error.startswith(RETRYING)

    @property
    def waiting_since(self) -> datetime:
        """When the sender first tried this page (the click's time if it never got that far)."""
        return self.sent_at or self.created_at

    @property
    def state_text(self) -> str:
        """:meth:`state_words` in this computer's time zone."""
        return self.state_words()

    def state_words(self, tz: tzinfo | None = None) -> str:
        """The state in words, with a non-colour marker for failed (✖) and acknowledged (✔).

        A page retried for a transient cause reads "waiting for the backend since 14:03 (7 tries): <why>", never
        "failed": it is not lost, and the words say since when the unit has not been reached.
        """
        if self.state is DeliveryState.FAILED:
            return f"✖ failed: {self.last_error}" if self.last_error else "✖ failed"
        if self.state is DeliveryState.ACKNOWLEDGED:
            who = f" by {self.acknowledged_by}" if self.acknowledged_by else ""
            return f"✔ acknowledged{who}"
        if self.waiting:
            since = self.waiting_since.astimezone(tz).strftime("%H:%M")
            why = self.last_error[len(RETRYING):].strip()
            return f"waiting for the backend since {since} ({plural(self.attempts, 'try', 'tries')}): {why}"
        if self.state is DeliveryState.QUEUED and self.last_error:
            return f"queued ({self.last_error})"
        return self.state.label.lower()


def _view(row: Notification) -> NotificationView:
    return NotificationView(
        notification_id=row.id,
        threat_id=row.threat_id,
        unit_id=row.unit_id,
        round=row.round,
        escalation=row.escalation,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        accepted_at=row.accepted_at,
        delivered_at=row.delivered_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        deadline_at=row.deadline_at,
        sent_at=row.sent_at,
    )


def _suspect_facts(row: SuspectRow, day: date) -> SuspectFacts:
    age = row.age if row.age is not None else age_on(row.date_of_birth, day)
    return SuspectFacts(
        name=row.name,
        date_of_birth=row.date_of_birth,
        age=age,
        juvenile=row.juvenile,
        school=row.school,
        grade=row.grade,
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CALLER_MASK = "[caller]"
"""What stands for the caller wherever the caller's name was typed (the payload never names the caller)."""


def suspect_mask(number: int) -> str:
    """What stands for suspect ``number`` (1-based, in the order entered) in the statement and the suspect list."""
    return f"[suspect {number}]"


def people_of(threat: ThreatRow) -> list[Person]:
    """The named people of a threat with their payload masks; the caller first (see ``domain.name_masking``)."""
    people = [Person(threat.caller_name, CALLER_MASK)] if threat.caller_name.strip() else []
    people += [Person(s.name, suspect_mask(i)) for i, s in enumerate(threat.suspects, 1) if s.name.strip()]
    return people


def _suspect_payload(row: SuspectRow, number: int, day: date, people: list[Person]) -> SuspectPayload:
    """A suspect as units see it: the mask, who (never a name or date of birth) and what was seen.

    The description (clothing, build, what was seen) is what lets a unit recognise the person; any name typed into
    it is masked like the statement's. Social-media handles are identifying and never sent.
    """
    text = f"{suspect_mask(number)} {describe(_suspect_facts(row, day))}"
    seen = " ".join(mask_names(row.description, people).split())
    if seen:
        text += f"; seen: {seen}"
    return SuspectPayload(_clip(text, MAX_SHORT_TEXT), bool(row.juvenile))


def build_request(
    threat: ThreatRow, *, notification_id: str, unit_id: str, message: str
) -> NotificationRequest:
    """The contract's request body for one unit, built from the stored threat.

    Only what a responding unit needs goes out: target, time, weapons, the statement and the suspects' masked
    descriptions. The caller's identity, callback number, named persons and any suspect's name or date of birth
    never do: names typed into the statement or a description are replaced by the person's mask first.
    """
    weapons: list[Weapon] = []
    for value in threat.weapons or []:
        if value in Weapon._value2member_map_ and Weapon(value) not in weapons:
            weapons.append(Weapon(value))
    day = threat.received_at.date()
    people = people_of(threat)
    suspects = tuple(_suspect_payload(s, i, day, people) for i, s in enumerate(threat.suspects, 1))
    kind = TargetKind(threat.target_kind) if threat.target_kind in TargetKind._value2member_map_ else TargetKind.OTHER
    incident = IncidentPayload(
        case_number=threat.case_number,
        target=TargetPayload(
            name=_clip(threat.target_name or threat.target_address or "unknown target", MAX_SHORT_TEXT),
            kind=kind,
            address=_clip(threat.target_address, MAX_SHORT_TEXT),
            division=_clip(threat.division, MAX_SHORT_TEXT),
        ),
        threatened_at=threat.threatened_at,
        weapons=tuple(weapons),
        summary=_clip(mask_names(threat.statement, people), MAX_TEXT),
        suspects=suspects,
    )
    priority = Priority(threat.priority)
    return NotificationRequest(notification_id, unit_id, priority, incident, _clip(message, MAX_TEXT))


def _message(threat: ThreatRow, reason: str, *, escalation: str = "") -> str:
    when = threat.threatened_text or (threat.threatened_at.isoformat() if threat.threatened_at else "time unknown")
    where = threat.target_name or threat.target_address or "unknown target"
    text = f"{threat.priority} terroristic threat {threat.case_number} at {where}, threatened: {when}."
    if escalation:
        text = f"ESCALATION: {escalation}. " + text
    if reason:
        text += f" You are designated as: {reason}."
    return text + " Acknowledge on receipt."


def _deny(session: Session, actor: Actor, action: str, record_id: str | int, what: str) -> PermissionDenied:
    threat = session.get(ThreatRow, record_id) if isinstance(record_id, int) else None
    record_id = threat.case_number if threat is not None else record_id  # the case number, like every refusal
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=record_id, outcome="denied")
    return PermissionDenied(f"Only a supervisor can {what}. Ask the dispatch supervisor on duty.")


def refuse_notify(session: Session, actor: Actor, threat_id: int) -> PermissionDenied:
    """Audit a non-supervisor's notify as a denied ``threat.notify`` and return the error to raise."""
    return _deny(session, actor, "threat.notify", threat_id, "notify units")


def serialize(session: Session) -> None:
    """Take the audit chain's head lock first, as every audited write will anyway.

    The click, the sender and the feed follower (on this and other consoles) then always lock in the same order
    (audit head, then threat or notification rows), so PostgreSQL never has to break a deadlock between them.
    """
    session.execute(select(Sequence.name).where(Sequence.name == audit.HEAD).with_for_update()).first()


def _lock_threat(session: Session, threat_id: int) -> ThreatRow | None:
    stmt = select(ThreatRow).where(ThreatRow.id == threat_id).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()


def _queued(
    nid: str, *, threat_id: int, unit_id: str, round_no: int, request: NotificationRequest, now: datetime,
    created_by: str,
) -> Notification:
    """A new outbox row, due now; round 0 is the supervisor's click, later rounds are escalations."""
    return Notification(
        id=nid, threat_id=threat_id, unit_id=unit_id, round=round_no, escalation=round_no > 0,
        state=DeliveryState.QUEUED.value, payload=request.to_json(), attempts=0, next_attempt_at=now, last_error="",
        created_at=now, created_by=created_by, acknowledged_by="", claimed_by="",
    )


def notify_designated_units(
    session: Session, *, actor: Actor, threat_id: int, unit_ids: list[str] | tuple[str, ...], now: datetime
) -> NotifyResult:
    """The one click: queue one notification per unit, in the caller's single transaction.

    Args:
        session: A write session; the caller commits (``with db.write() as session``).
        actor: Must be a supervisor (or admin); a refusal is audited and raises :class:`PermissionDenied`.
        threat_id: The threat to notify about.
        unit_ids: The designated units; duplicates and units already notified in round 0 are skipped.
        now: The click's time (first attempt due at once).

    Returns:
        Which units were queued and which were skipped.

    Raises:
        PermissionDenied: The operator is not a supervisor (the refusal is committed by ``Database.write``).
        NotifyError: No units, or the threat does not exist or is closed.
    """
    if not actor.is_supervisor:
        raise refuse_notify(session, actor, threat_id)
    wanted = list(dict.fromkeys(u.strip() for u in unit_ids if u.strip()))
    if not wanted:
        raise NotifyError("No units are designated; add at least one unit, then notify.")
    serialize(session)
    threat = _lock_threat(session, threat_id)
    if threat is None:
        raise NotifyError(f"Threat {threat_id} no longer exists; refresh the queue.")
    if threat.status == Status.CLOSED.value:
        raise NotifyError(f"{threat.case_number} is closed; reopen it before notifying units.")
    existing = set(
        session.execute(
            select(Notification.unit_id).where(Notification.threat_id == threat_id, Notification.round == 0)
        ).scalars()
    )
    reasons = {
        a.unit_id: a.reason
        for a in session.execute(select(AssignedUnit).where(AssignedUnit.threat_id == threat_id)).scalars()
    }
    queued: list[str] = []
    ids: list[str] = []
    for unit_id in wanted:
        if unit_id in existing:
            continue
        nid = str(uuid.uuid4())
        request = build_request(
            threat, notification_id=nid, unit_id=unit_id, message=_message(threat, reasons.get(unit_id, ""))
        )
        session.add(_queued(nid, threat_id=threat_id, unit_id=unit_id, round_no=0, request=request, now=now,
                            created_by=actor.username))
        queued.append(unit_id)
        ids.append(nid)
    skipped = tuple(u for u in wanted if u in existing)
    if queued:
        if threat.status == Status.NEW.value:
            threat.status = Status.NOTIFIED.value
        if threat.first_notified_at is None:
            threat.first_notified_at = now
        threat.mark_edited(actor.username, now)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="threat.notify",
        record_type="threat",
        record_id=threat_id,
        detail={"case_number": threat.case_number, "queued": queued, "skipped": list(skipped)},
        at=now,
    )
    if queued:
        record_change(
            session, threat_id=threat_id, kind="updated", by=actor.username,
            what=f"notified {plural(len(queued), 'unit')}",
        )
    return NotifyResult(threat_id, tuple(queued), skipped, tuple(ids))


def queue_escalation(
    session: Session,
    *,
    actor: Actor,
    threat: ThreatRow,
    unit_id: str,
    round_no: int,
    overdue: list[str],
    now: datetime,
) -> str:
    """Queue the escalation page to the division supervisor as round ``round_no`` (the caller audits it).

    Returns:
        The new notification's id.
    """
    nid = str(uuid.uuid4())
    text = "not acknowledged in time by " + ", ".join(overdue) if overdue else "not acknowledged in time"
    request = build_request(
        threat, notification_id=nid, unit_id=unit_id, message=_message(threat, "division supervisor", escalation=text)
    )
    session.add(_queued(nid, threat_id=threat.id, unit_id=unit_id, round_no=round_no, request=request, now=now,
                        created_by=actor.username))
    session.flush()
    return nid


def retry_failed(session: Session, *, actor: Actor, notification_id: str, now: datetime) -> NotificationView:
    """Re-queue a failed notification by hand, with the SAME id, so the backend can never page the unit twice.

    Raises:
        PermissionDenied: The operator is not a supervisor (audited).
        NotifyError: Unknown notification, or it has not failed.
    """
    row = session.get(Notification, notification_id)
    if not actor.is_supervisor:
        raise _deny(session, actor, "notification.retry", row.threat_id if row else notification_id, "retry a page")
    if row is None:
        raise NotifyError("This notification no longer exists; refresh the panel.")
    if row.state != DeliveryState.FAILED.value:
        raise NotifyError(f"The notification to {row.unit_id} has not failed ({row.state}); nothing to retry.")
    previous = row.last_error
    row.state = DeliveryState.QUEUED.value
    row.attempts = 0
    row.next_attempt_at = now
    row.last_error = ""
    row.claimed_by = ""
    row.claimed_until = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notification.retry",
        record_type="notification",
        record_id=notification_id,
        detail={"threat_id": row.threat_id, "unit_id": row.unit_id, "previous_error": previous},
        at=now,
    )
    record_change(session, threat_id=row.threat_id, kind="updated", by=actor.username, what=f"retry {row.unit_id}")
    return _view(row)


def preview(session: Session, *, threat_id: int, unit_id: str = "", reason: str = "") -> NotificationRequest | None:
    """The request a unit would receive if notified now, built by :func:`build_request` itself (``None``: no threat).

    The units panel shows it to the supervisor, so what is shown is exactly what is sent (the id is a placeholder).
    """
    threat = session.get(ThreatRow, threat_id)
    if threat is None:
        return None
    return build_request(threat, notification_id="(preview)", unit_id=unit_id or "(each unit)",
                         message=_message(threat, reason))


def notifications_for(session: Session, *, threat_id: int) -> list[NotificationView]:
    """Every notification of a threat, round by round, in unit order."""
    rows = session.execute(
        select(Notification)
        .where(Notification.threat_id == threat_id)
        .order_by(Notification.round, Notification.created_at, Notification.unit_id)
    ).scalars()
    return [_view(r) for r in rows]


def get_notification(session: Session, notification_id: str) -> NotificationView | None:
    """One notification, or ``None``."""
    row = session.get(Notification, notification_id)
    return _view(row) if row else None


@dataclass(frozen=True)
class OutboxSummary:
    """What is still owed to the backend, for the "nothing is lost" banner."""

    pending_units: tuple[str, ...]
    failed_units: tuple[str, ...]
    next_attempt_at: datetime | None
    last_error: str


def summarize(views: list[NotificationView]) -> OutboxSummary:
    """Summarise a threat's notifications for the banner."""
    pending = [v for v in views if v.state.value in PENDING_STATES]
    failed = tuple(v.unit_id for v in views if v.state is DeliveryState.FAILED)
    errors = [v.last_error for v in pending if v.last_error]
    return OutboxSummary(
        tuple(v.unit_id for v in pending),
        failed,
        min((v.next_attempt_at for v in pending), default=None),
        errors[0] if errors else "",
    )


def payload_of(session: Session, notification_id: str) -> dict[str, Any] | None:
    """The stored request body (for tests and support: it holds no secret and no juvenile identity)."""
    row = session.get(Notification, notification_id)
    return dict(row.payload) if row else None


def age_on(born: date | None, day: date) -> int | None:
    """Whole years from ``born`` to ``day`` (``None`` when unknown)."""
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
