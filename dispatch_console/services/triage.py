"""Supervisor triage: status, priority, verification, units, notes, closing and reopening a threat.

Every call follows the same order, so no path can skip a step:

1. role check: a refusal is audited and raised as ``PermissionDenied`` (``Database.write`` commits the audit entry);
2. version check (optimistic locking): the caller passes the version it was looking at; if another console changed
   the threat since, the change is refused with ``StaleThreat``, which says who changed what and when and carries
   the fresh row, so nothing is ever silently overwritten. The refusal is audited too;
3. the write, its audit entry and ``changes.record_change`` in the same transaction.

``ThreatRow`` also has ``version_id_col``, so even a write that slipped between the check and the flush would fail
with SQLAlchemy's ``StaleDataError`` instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.db.models import AssignedUnit, Change, Note, Operator, ThreatRow
from dispatch_console.domain.enums import Outcome, Priority, Status, UnitKind, Verification
from dispatch_console.services import audit, changes
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow
from dispatch_console.services.queue import QueueRow, load_rows

SUPERVISOR_ONLY = "Only a supervisor can {what}; call-takers view threats and add notes. Ask the supervisor on duty."
MAX_NOTE = 4000


class TriageError(ValueError):
    """A request that cannot be carried out as asked (e.g. closing without an outcome); the message says why."""


class StaleThreat(AuditedRefusal):
    """Another console changed the threat after this operator looked at it; their change was not applied.

    Attributes:
        case_number: The threat's case number.
        changed_by: Display name of whoever made the latest change.
        what: What that change was, e.g. "status → investigating".
        at: When (aware UTC).
        fresh: The threat as it is now, for the view to show instead of the old one.
    """

    def __init__(self, *, case_number: str, changed_by: str, what: str, at: datetime, fresh: QueueRow | None):
        self.case_number = case_number
        self.changed_by = changed_by
        self.what = what
        self.at = at
        self.fresh = fresh
        super().__init__(self.describe())

    def describe(self, tz: tzinfo | None = None) -> str:
        """The message for the operator, with the time in ``tz`` (default: this computer's zone)."""
        when = self.at.astimezone(tz).strftime("%H:%M:%S")
        what = f" ({self.what})" if self.what else ""
        return (f"{self.case_number} was changed by {self.changed_by}{what} at {when}; your change was not applied. "
                "The record now shows the latest version.")


@dataclass(frozen=True)
class TriageResult:
    """What a successful triage call leaves behind: the threat's new row (for the view) and its new version."""

    row: QueueRow
    version: int


def _display_name(session: Session, username: str) -> str:
    name = session.execute(select(Operator.display_name).where(Operator.username == username)).scalar()
    return name or username


def _require_supervisor(session: Session, actor: Actor, *, action: str, threat: ThreatRow, what: str) -> None:
    if actor.is_supervisor:
        return
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=threat.case_number,
                 outcome="denied",
                 detail={"summary": f"{action} refused: role {actor.role.value}"})
    raise PermissionDenied(SUPERVISOR_ONLY.format(what=what))


def _load(session: Session, threat_id: int) -> ThreatRow:
    threat = session.get(ThreatRow, threat_id, with_for_update=True, populate_existing=True)
    if threat is None:
        raise TriageError(f"threat {threat_id} does not exist (it may have been removed); refresh the queue")
    return threat


def _check_version(session: Session, actor: Actor, threat: ThreatRow, expected_version: int, action: str) -> None:
    if threat.version == expected_version:
        return
    latest = session.execute(  # the last operator's edit (bookkeeping by the notification service is not one)
        select(Change).where(Change.threat_id == threat.id, Change.by == threat.updated_by)
        .order_by(Change.id.desc()).limit(1)
    ).scalar_one_or_none()
    by = latest.by if latest is not None else threat.updated_by
    what = latest.what if latest is not None else ""
    at = latest.at if latest is not None else threat.updated_at
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=threat.case_number,
                 outcome="stale",
                 detail={"summary": f"{action} refused: record changed by {by} ({what})",
                         "expected_version": expected_version, "version": threat.version, "changed_by": by})
    fresh = load_rows(session, [threat.id])
    raise StaleThreat(case_number=threat.case_number, changed_by=_display_name(session, by), what=what, at=at,
                      fresh=fresh[0] if fresh else None)


def _begin(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, action: str, what: str,
    supervisor: bool = True,
) -> ThreatRow:
    threat = _load(session, threat_id)
    if supervisor:
        _require_supervisor(session, actor, action=action, threat=threat, what=what)
    _check_version(session, actor, threat, expected_version, action)
    return threat


def _finish(
    session: Session, *, actor: Actor, threat: ThreatRow, action: str, what: str,
    detail: dict[str, Any] | None = None, touch: bool = True,
) -> TriageResult:
    if touch:
        threat.mark_edited(actor.username, utcnow())
        session.flush()  # the UPDATE carries WHERE version = old
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=threat.case_number,
                 detail={"summary": f"{threat.case_number}: {what}", **(detail or {})})
    changes.record_change(session, threat_id=threat.id, kind="updated", by=actor.username, what=what)
    row = load_rows(session, [threat.id])[0]
    return TriageResult(row, row.version)


def change_status(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, status: Status
) -> TriageResult:
    """Move an open threat along new → notified → investigating → suspect identified (closing is ``close``)."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.status", what="change a threat's status")
    if status is Status.CLOSED:
        raise TriageError("Closing needs an outcome: use Close (Ctrl+Shift+C) and tick at least one outcome.")
    if threat.status == Status.CLOSED:
        raise TriageError(f"{threat.case_number} is closed; reopen it (with a reason) before changing its status.")
    if threat.status == status:
        raise TriageError(f"{threat.case_number} is already {status.label.lower()}.")
    old = Status(threat.status)
    threat.status = status.value
    return _finish(session, actor=actor, threat=threat, action="threat.status",
                   what=f"status → {status.label.lower()}", detail={"from": old.value, "to": status.value})


def change_priority(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, priority: Priority, reason: str
) -> TriageResult:
    """Override the computed priority with a reason.

    The role and version checks are made here (so a conflict says who changed what, like every other triage
    call); the write itself is ``services.intake.override_priority``, the one place that knows how an override
    sits on top of the computed reasons.
    """
    from dispatch_console.services import intake

    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.priority_override", what="change a threat's priority")
    if not reason.strip():
        raise TriageError("Give a reason for changing the priority (it is shown with the priority and audited).")
    if threat.priority == priority.value:
        raise TriageError(f"{threat.case_number} is already {priority.value}.")
    intake.override_priority(session, actor=actor, threat_id=threat_id, priority=priority, reason=reason,
                             expected_version=expected_version)
    row = load_rows(session, [threat_id])[0]
    return TriageResult(row, row.version)


def set_verification(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, verification: Verification
) -> TriageResult:
    """Record whether the threat was verified, so reports can count verified incidents honestly."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.verification", what="set a threat's verification")
    if threat.verification == verification.value:
        raise TriageError(f"{threat.case_number} is already {verification.label.lower()}.")
    old = threat.verification
    threat.verification = verification.value
    return _finish(session, actor=actor, threat=threat, action="threat.verification",
                   what=f"verification → {verification.label.lower()}",
                   detail={"from": old, "to": verification.value})


def add_note(
    session: Session, *, actor: Actor, threat_id: int, text: str, expected_version: int | None = None
) -> TriageResult:
    """Append a note (any operator may). Notes never overwrite anything, so they are never refused as stale.

    ``expected_version`` is accepted for a uniform call shape and ignored; the threat's version does not move, so
    a note never makes another supervisor's pending change stale.
    """
    text = text.strip()
    if not text:
        raise TriageError("The note is empty: type what you want to add.")
    if len(text) > MAX_NOTE:
        raise TriageError(f"The note is {len(text)} characters long; keep it under {MAX_NOTE}.")
    threat = _load(session, threat_id)
    session.add(Note(threat_id=threat.id, at=utcnow(), operator=actor.username, text=text))
    return _finish(session, actor=actor, threat=threat, action="threat.note", what="note added",
                   detail={"summary": f"Note by {actor.display_name}: {text[:200]}"}, touch=False)


def assign_unit(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, unit_id: str,
    kind: UnitKind = UnitKind.PATROL, division: str = "", reason: str = "",
) -> TriageResult:
    """Designate a unit for the threat by hand (routing proposes most units; the supervisor adds the rest)."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.assign_unit", what="assign units")
    unit_id = unit_id.strip()
    if not unit_id:
        raise TriageError("Type the unit's call sign (e.g. 3A12) to assign it.")
    exists = session.execute(
        select(AssignedUnit.id).where(AssignedUnit.threat_id == threat_id, AssignedUnit.unit_id == unit_id)
    ).first()
    if exists:
        raise TriageError(f"{unit_id} is already assigned to {threat.case_number}.")
    session.add(AssignedUnit(threat_id=threat_id, unit_id=unit_id, kind=kind.value, division=division,
                             reason=reason or f"added by {actor.display_name}", assigned_by=actor.username,
                             assigned_at=utcnow()))
    return _finish(session, actor=actor, threat=threat, action="threat.assign_unit", what=f"unit {unit_id} assigned",
                   detail={"unit": unit_id, "kind": kind.value})


def unassign_unit(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, unit_id: str
) -> TriageResult:
    """Remove a designated unit (notifications already sent to it stay in the record)."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.unassign_unit", what="unassign units")
    removed = session.execute(
        delete(AssignedUnit).where(AssignedUnit.threat_id == threat_id, AssignedUnit.unit_id == unit_id)
    ).rowcount  # type: ignore[attr-defined]
    if not removed:
        raise TriageError(f"{unit_id} is not assigned to {threat.case_number}.")
    return _finish(session, actor=actor, threat=threat, action="threat.unassign_unit",
                   what=f"unit {unit_id} unassigned", detail={"unit": unit_id})


def close(
    session: Session, *, actor: Actor, threat_id: int, expected_version: int, outcomes: Iterable[Outcome],
    other_text: str = "",
) -> TriageResult:
    """Close the case with its outcomes (at least one; "other" needs a description)."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.close", what="close a threat")
    chosen = sorted(set(outcomes), key=list(Outcome).index)
    if not chosen:
        raise TriageError("Tick at least one outcome to close the case (e.g. \"Unfounded / hoax\" or "
                          "\"In custody\").")
    other_text = other_text.strip()
    if Outcome.OTHER in chosen and not other_text:
        raise TriageError("You ticked \"Other\": describe the outcome in the text box.")
    if threat.status == Status.CLOSED:
        raise TriageError(f"{threat.case_number} is already closed.")
    threat.status = Status.CLOSED.value
    threat.outcomes = [o.value for o in chosen]
    threat.outcome_other = other_text if Outcome.OTHER in chosen else ""
    threat.closed_at = utcnow()
    labels = ", ".join(o.label.lower() for o in chosen)
    return _finish(session, actor=actor, threat=threat, action="threat.close", what=f"closed: {labels}"[:200],
                   detail={"outcomes": threat.outcomes, "other": threat.outcome_other})


def reopen(session: Session, *, actor: Actor, threat_id: int, expected_version: int, reason: str) -> TriageResult:
    """Reopen a closed case with a reason; it returns to the queue as investigating (or new if never notified)."""
    threat = _begin(session, actor=actor, threat_id=threat_id, expected_version=expected_version,
                    action="threat.reopen", what="reopen a threat")
    reason = reason.strip()
    if not reason:
        raise TriageError("Give a reason for reopening the case (it is audited).")
    if threat.status != Status.CLOSED:
        raise TriageError(f"{threat.case_number} is not closed.")
    status = Status.INVESTIGATING if threat.first_notified_at is not None else Status.NEW
    threat.status = status.value
    threat.closed_at = None
    previous = list(threat.outcomes or [])
    threat.outcomes = []
    threat.outcome_other = ""
    return _finish(session, actor=actor, threat=threat, action="threat.reopen", what=f"reopened: {reason}"[:200],
                   detail={"reason": reason, "previous_outcomes": previous})
