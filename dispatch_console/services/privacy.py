"""Juvenile privacy and sealed cases: who may see a child's identity, and which cases no one but an admin sees.

Revealing a juvenile suspect's identity is a deliberate, audited act: it needs the operator's need-to-know
permission (``Actor.can_reveal_juveniles``) and a reason, and it is recorded as the audit action ``threat.reveal``
with that reason. The audit entry *is* the reveal: the queue's detail pane, the exports and the follow-up list all
ask ``is_revealed`` (is there a successful ``threat.reveal`` by this operator for this case?), so a reveal can never
happen without its trace, and it applies to that operator only.

Sealing a case (a court order, a juvenile record expunged) hides it from search, lists, reports and exports for
everyone but admins. A supervisor seals; only an admin, who can still see the case, unseals. Every refusal is
audited before it is raised (``PermissionDenied`` is an ``AuditedRefusal``: its entry is committed).

Audit entries name the threat by case number (as intake and triage do). The reason text is kept in the audit
detail; it must not contain the child's name, and the dialog says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_console.db.models import AuditEntry, SuspectRow, ThreatRow
from dispatch_console.domain.masking import ShownSuspect, SuspectFacts, show_suspect
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.changes import record_change
from dispatch_console.services.clock import utcnow

REVEAL_ACTION = "threat.reveal"
SEAL_ACTION = "threat.seal"
UNSEAL_ACTION = "threat.unseal"


class CaseNotFound(LookupError):
    """No such case (or, for a non-admin, a sealed one: a sealed case must not be confirmed to exist)."""


@dataclass(frozen=True)
class CaseRef:
    """A case as the case actions name it."""

    threat_id: int
    case_number: str
    sealed: bool


def can_see(actor: Actor, *, sealed: bool) -> bool:
    """Sealed cases are visible to admins only."""
    return not sealed or actor.is_admin


def find_case(session: Session, *, actor: Actor, threat_id: int | None = None, case_number: str = "") -> CaseRef:
    """The case by id or case number, as ``actor`` may see it; ``CaseNotFound`` says what to check."""
    stmt = select(ThreatRow.id, ThreatRow.case_number, ThreatRow.sealed)
    if threat_id is not None:
        stmt = stmt.where(ThreatRow.id == threat_id)
    else:
        stmt = stmt.where(ThreatRow.case_number == case_number.strip().upper())
    row = session.execute(stmt).first()
    if row is None or not can_see(actor, sealed=bool(row.sealed)):
        shown = case_number.strip() or f"#{threat_id}"
        raise CaseNotFound(f"No case {shown}. Check the case number (e.g. TT-2026-00042).")
    return CaseRef(int(row.id), str(row.case_number), bool(row.sealed))


def _refuse(session: Session, actor: Actor, action: str, case: CaseRef, message: str, **detail: object) -> None:
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=case.case_number,
                 outcome="denied", detail=dict(detail))
    raise PermissionDenied(message)


def reveal(session: Session, *, actor: Actor, threat_id: int, reason: str) -> None:
    """Lift juvenile masking of one case for ``actor``: needs the permission and a reason; always audited.

    Raises:
        ValueError: the reason is empty (nothing is written: the operator fixes the field and tries again).
        PermissionDenied: the operator lacks the need-to-know permission (the refusal is audited).
        CaseNotFound: no such case, or a sealed one for a non-admin.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("Give the reason you need to see the juvenile's identity (it is audited), e.g. "
                         "\"juvenile detective follow-up\".")
    case = find_case(session, actor=actor, threat_id=threat_id)
    if not actor.can_reveal_juveniles:
        _refuse(session, actor, REVEAL_ACTION, case,
                "Your account does not have the need-to-know permission for juvenile identities; "
                "ask a supervisor or an admin.", reason=reason)
    audit.record(session, actor=actor, action=REVEAL_ACTION, record_type="threat", record_id=case.case_number,
                 detail={"reason": reason})


def revealed_case_numbers(session: Session, *, actor: Actor, case_numbers: Iterable[str] | None = None) -> set[str]:
    """The cases ``actor`` has revealed (all of them, or among ``case_numbers``); empty without the permission."""
    if not actor.can_reveal_juveniles:
        return set()
    stmt = select(AuditEntry.record_id).where(
        AuditEntry.action == REVEAL_ACTION,
        AuditEntry.record_type == "threat",
        AuditEntry.operator == actor.username,
        AuditEntry.outcome == "success",
    )
    if case_numbers is not None:
        stmt = stmt.where(AuditEntry.record_id.in_(list(case_numbers)))
    return {str(r) for r in session.execute(stmt).scalars()}


def is_revealed(session: Session, *, actor: Actor, threat_id: int) -> bool:
    """Whether juvenile identities in this case may be shown to ``actor``."""
    number = session.execute(select(ThreatRow.case_number).where(ThreatRow.id == threat_id)).scalar_one_or_none()
    if number is None:
        return False
    return bool(revealed_case_numbers(session, actor=actor, case_numbers=[number]))


def facts(row: SuspectRow) -> SuspectFacts:
    return SuspectFacts(
        name=row.name, date_of_birth=row.date_of_birth, age=row.age, juvenile=bool(row.juvenile), school=row.school,
        grade=row.grade, description=row.description, social_handles=row.social_handles,
        weapon_access=bool(row.weapon_access),
    )


def shown_suspects(session: Session, *, actor: Actor, threat_id: int) -> list[ShownSuspect]:
    """The case's suspects as ``actor`` may see them (juveniles masked unless revealed)."""
    revealed = is_revealed(session, actor=actor, threat_id=threat_id)
    rows = session.execute(select(SuspectRow).where(SuspectRow.threat_id == threat_id).order_by(SuspectRow.id))
    return [show_suspect(facts(r), revealed=revealed) for r in rows.scalars()]


def _set_sealed(session: Session, *, actor: Actor, threat_id: int, reason: str, sealed: bool) -> CaseRef:
    action = SEAL_ACTION if sealed else UNSEAL_ACTION
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError(f"Give the reason for {'sealing' if sealed else 'unsealing'} the case (it is audited), "
                         "e.g. the court order number.")
    case = find_case(session, actor=actor, threat_id=threat_id)
    allowed = actor.is_supervisor if sealed else actor.is_admin
    if not allowed:
        who = "a supervisor or an admin" if sealed else "an admin (sealed cases are visible to admins only)"
        _refuse(session, actor, action, case, f"Only {who} can {'seal' if sealed else 'unseal'} a case.",
                reason=reason)
    if case.sealed == sealed:
        raise ValueError(f"{case.case_number} is already {'sealed' if sealed else 'not sealed'}.")
    row = session.get(ThreatRow, case.threat_id)
    assert row is not None
    row.sealed = sealed
    row.mark_edited(actor.username, utcnow())
    session.flush()
    audit.record(session, actor=actor, action=action, record_type="threat", record_id=case.case_number,
                 detail={"reason": reason})
    record_change(session, threat_id=case.threat_id, kind="updated", by=actor.username,
                  what="case sealed" if sealed else "case unsealed")
    return CaseRef(case.threat_id, case.case_number, sealed)


def seal(session: Session, *, actor: Actor, threat_id: int, reason: str) -> CaseRef:
    """Hide a case from search, lists, reports and exports (admins still see it). Supervisors and admins."""
    return _set_sealed(session, actor=actor, threat_id=threat_id, reason=reason, sealed=True)


def unseal(session: Session, *, actor: Actor, threat_id: int, reason: str) -> CaseRef:
    """Make a sealed case visible again. Admins only (no one else can see a sealed case to unseal it)."""
    return _set_sealed(session, actor=actor, threat_id=threat_id, reason=reason, sealed=False)
