"""Follow-ups: the promises a case makes ("CIT checks in within 7 days"), with a due date and an owner.

Most threat makers are juveniles whom social workers and CIT officers keep working with after the arrest; a
follow-up that nobody remembers is how a case slips through the cracks. So the console proposes the usual ones
itself (``propose``), lists what is due and overdue, and every add and every "done" is audited and announced on the
change feed (the queue shows due/overdue follow-ups, and every console must see them move).

Adding and completing follow-ups is case work: supervisors and admins only; call-takers view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from dispatch_console.db.models import FollowUp, ThreatRow
from dispatch_console.domain.enums import Indicator, Outcome, Status
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.changes import record_change
from dispatch_console.services.clock import utcnow
from dispatch_console.services.privacy import find_case

DUE_SOON = timedelta(hours=24)
CIT_CHECK_IN = timedelta(days=7)
SOCIAL_WORKER_CHECK_IN = timedelta(days=7)
JUVENILE_OFFICE_CHECK = timedelta(days=14)
BEFORE_THREATENED = timedelta(hours=24)


class FollowUpState(StrEnum):
    OVERDUE = "overdue"
    DUE = "due"  # within the next 24 hours
    UPCOMING = "upcoming"
    DONE = "done"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class Proposal:
    """A follow-up the rules suggest; the supervisor accepts, edits or ignores it."""

    due_at: datetime
    owner: str
    text: str
    why: str


@dataclass(frozen=True)
class FollowUpView:
    follow_up_id: int
    threat_id: int
    case_number: str
    due_at: datetime
    owner: str
    text: str
    state: FollowUpState
    created_by: str
    done_at: datetime | None = None
    done_by: str = ""


def state_of(due_at: datetime, done_at: datetime | None, now: datetime) -> FollowUpState:
    if done_at is not None:
        return FollowUpState.DONE
    if due_at < now:
        return FollowUpState.OVERDUE
    if due_at < now + DUE_SOON:
        return FollowUpState.DUE
    return FollowUpState.UPCOMING


def proposals_for(
    *, now: datetime, division: str, indicators: frozenset[str], outcomes: frozenset[str],
    threatened_at: datetime | None, status: str,
) -> list[Proposal]:
    """The usual follow-ups for a case, by transparent rules (each proposal says why).

    * a check 24 h before the threatened time, when that is still more than an hour away;
    * a CIT check-in in 7 days after a mental-health concern or a CIT contact;
    * a social-worker check-in in 7 days after a social-worker referral or mental-health treatment;
    * a juvenile-office check in 14 days after a juvenile office referral.
    """
    found: list[Proposal] = []
    owner_division = f"{division} division supervisor" if division else "Division supervisor"
    if threatened_at is not None and status != Status.CLOSED.value:
        check = threatened_at - BEFORE_THREATENED
        if check > now + timedelta(hours=1):
            found.append(Proposal(check, owner_division, "Check on the case 24 h before the threatened time",
                                  "a threatened date is set"))
        elif threatened_at > now + timedelta(hours=1):
            found.append(Proposal(now + timedelta(hours=1), owner_division,
                                  "Check on the case before the threatened time", "the threatened time is near"))
    if Indicator.MENTAL_HEALTH.value in indicators or Outcome.CIT_CONTACT.value in outcomes:
        found.append(Proposal(now + CIT_CHECK_IN, "Crisis Intervention Team", "CIT check-in with the family",
                              "mental-health concern or CIT contact"))
    if {Outcome.SOCIAL_WORKER_REFERRAL.value, Outcome.MENTAL_HEALTH_TREATMENT.value} & outcomes:
        found.append(Proposal(now + SOCIAL_WORKER_CHECK_IN, "Social worker", "Social-worker check-in",
                              "social-worker referral or mental-health treatment"))
    if Outcome.JUVENILE_REFERRAL.value in outcomes:
        found.append(Proposal(now + JUVENILE_OFFICE_CHECK, "Juvenile unit", "Check the juvenile office referral",
                              "juvenile office referral"))
    return found


def propose(session: Session, *, actor: Actor, threat_id: int, now: datetime | None = None) -> list[Proposal]:
    """Proposals for one case, minus those it already has (same text, still open)."""
    now = now or utcnow()
    find_case(session, actor=actor, threat_id=threat_id)
    row = session.get(ThreatRow, threat_id)
    assert row is not None
    existing = set(
        session.execute(select(FollowUp.text).where(FollowUp.threat_id == threat_id, FollowUp.done_at.is_(None)))
        .scalars()
    )
    proposals = proposals_for(
        now=now, division=row.division, indicators=frozenset(map(str, row.indicators or [])),
        outcomes=frozenset(map(str, row.outcomes or [])), threatened_at=row.threatened_at, status=row.status,
    )
    return [p for p in proposals if p.text not in existing]


def _require_supervisor(session: Session, actor: Actor, action: str, case_number: str) -> None:
    if not actor.is_supervisor:
        audit.record(session, actor=actor, action=action, record_type="threat", record_id=case_number,
                     outcome="denied")
        raise PermissionDenied("Only a supervisor can add or complete follow-ups; call-takers can view them.")


def add(
    session: Session, *, actor: Actor, threat_id: int, due_at: datetime, owner: str, text: str,
    now: datetime | None = None,
) -> FollowUpView:
    """Add a follow-up to a case (supervisors); audited and announced to every console."""
    now = now or utcnow()
    case = find_case(session, actor=actor, threat_id=threat_id)
    owner, text = " ".join(owner.split()), " ".join(text.split())
    if not text:
        raise ValueError("Say what must be done, e.g. \"CIT check-in with the family\".")
    if not owner:
        raise ValueError("Name who owns the follow-up: a unit, a team or a person "
                         "(e.g. \"Crisis Intervention Team\").")
    if due_at.tzinfo is None:
        raise ValueError("The due time needs a time zone.")
    _require_supervisor(session, actor, "followup.add", case.case_number)
    row = FollowUp(threat_id=case.threat_id, due_at=due_at, owner=owner[:100], text=text, created_by=actor.username,
                   created_at=now, done_at=None, done_by="")
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="followup.add", record_type="threat", record_id=case.case_number,
                 detail={"follow_up": row.id, "due_at": due_at.isoformat(), "owner": row.owner, "text": text[:200]})
    record_change(session, threat_id=case.threat_id, kind="updated", by=actor.username,
                  what=f"follow-up added: {text}")
    return _view(row, case.case_number, now)


def mark_done(session: Session, *, actor: Actor, follow_up_id: int, now: datetime | None = None) -> FollowUpView:
    """Mark a follow-up done (supervisors); audited and announced."""
    now = now or utcnow()
    row = session.get(FollowUp, follow_up_id)
    if row is None:
        raise LookupError(f"Follow-up {follow_up_id} no longer exists; refresh the list.")
    case = find_case(session, actor=actor, threat_id=row.threat_id)
    _require_supervisor(session, actor, "followup.done", case.case_number)
    if row.done_at is not None:
        raise ValueError(f"That follow-up was already marked done by {row.done_by}.")
    row.done_at = now
    row.done_by = actor.username
    session.flush()
    audit.record(session, actor=actor, action="followup.done", record_type="threat", record_id=case.case_number,
                 detail={"follow_up": row.id, "text": row.text[:200]})
    record_change(session, threat_id=case.threat_id, kind="updated", by=actor.username,
                  what=f"follow-up done: {row.text}")
    return _view(row, case.case_number, now)


def _view(row: FollowUp, case_number: str, now: datetime) -> FollowUpView:
    return FollowUpView(row.id, row.threat_id, case_number, row.due_at, row.owner, row.text,
                        state_of(row.due_at, row.done_at, now), row.created_by, row.done_at, row.done_by)


def open_follow_ups(
    session: Session, *, actor: Actor, now: datetime | None = None, threat_id: int | None = None,
    due_within: timedelta | None = None, limit: int = 1000,
) -> list[FollowUpView]:
    """Open follow-ups, soonest first (overdue on top): all, one case's, or those due within ``due_within``.

    Sealed cases' follow-ups are listed for admins only.
    """
    now = now or utcnow()
    stmt = (
        select(FollowUp, ThreatRow.case_number)
        .join(ThreatRow, ThreatRow.id == FollowUp.threat_id)
        .where(FollowUp.done_at.is_(None))
    )
    if not actor.is_admin:
        stmt = stmt.where(ThreatRow.sealed == false())
    if threat_id is not None:
        stmt = stmt.where(FollowUp.threat_id == threat_id)
    if due_within is not None:
        stmt = stmt.where(FollowUp.due_at < now + due_within)
    rows = session.execute(stmt.order_by(FollowUp.due_at, FollowUp.id).limit(limit)).all()
    return [_view(follow_up, number, now) for follow_up, number in rows]


def due_counts(session: Session, *, actor: Actor, threat_ids: list[int], now: datetime | None = None
               ) -> dict[int, tuple[int, int]]:
    """Per case: (due within 24 h, overdue) open follow-ups, for the queue's due/overdue marks."""
    now = now or utcnow()
    counts: dict[int, tuple[int, int]] = {}
    if not threat_ids:
        return counts
    rows = session.execute(
        select(FollowUp.threat_id, FollowUp.due_at)
        .where(FollowUp.done_at.is_(None), FollowUp.threat_id.in_(threat_ids), FollowUp.due_at < now + DUE_SOON)
    ).all()
    for threat_id, due_at in rows:
        due, overdue = counts.get(threat_id, (0, 0))
        counts[threat_id] = (due, overdue + 1) if due_at < now else (due + 1, overdue)
    return counts
