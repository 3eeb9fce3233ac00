"""Designated units of a threat: the facts the routing rules need, and the supervisor's assignments.

The proposal itself is pure domain logic (``domain.routing.propose_units``) over the backend's roster; this module
only reads the threat's facts for it and stores what the supervisor decided (``assigned_units``), audited and
announced on the change log so every console's queue shows the same designated units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_console.db.models import AssignedUnit, SiteRow, ThreatRow
from dispatch_console.domain.enums import Indicator, Priority, Status, Weapon
from dispatch_console.domain.routing import Proposal, UnitView, propose_units
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.changes import record_change


@dataclass(frozen=True)
class RoutingFacts:
    """What the routing rules need to know about one threat."""

    threat_id: int
    case_number: str
    priority: Priority
    status: Status
    weapons: frozenset[Weapon]
    indicators: frozenset[Indicator]
    juvenile_suspect: bool
    sro_unit: str
    division: str
    site_name: str


@dataclass(frozen=True)
class Assignment:
    """One unit the supervisor designated (or accepted from the proposal)."""

    unit_id: str
    kind: str
    division: str
    reason: str
    assigned_by: str
    assigned_at: datetime


def routing_facts(session: Session, *, threat_id: int) -> RoutingFacts | None:
    """The threat's facts for :func:`domain.routing.propose_units`, or ``None`` for an unknown threat."""
    threat = session.get(ThreatRow, threat_id)
    if threat is None:
        return None
    site = session.get(SiteRow, threat.site_id) if threat.site_id is not None else None
    return RoutingFacts(
        threat_id=threat.id,
        case_number=threat.case_number,
        priority=Priority(threat.priority),
        status=Status(threat.status),
        weapons=frozenset(Weapon(w) for w in threat.weapons or [] if w in Weapon._value2member_map_),
        indicators=frozenset(Indicator(i) for i in threat.indicators or [] if i in Indicator._value2member_map_),
        juvenile_suspect=any(s.juvenile for s in threat.suspects),
        sro_unit=site.sro_unit if site else "",
        division=threat.division or (site.division if site else ""),
        site_name=site.name if site else threat.target_name,
    )


def propose(facts: RoutingFacts, roster: Iterable[UnitView]) -> list[Proposal]:
    """The rules' proposal for these facts over this roster."""
    return propose_units(
        roster,
        priority=facts.priority,
        weapons=facts.weapons,
        indicators=facts.indicators,
        juvenile_suspect=facts.juvenile_suspect,
        sro_unit=facts.sro_unit,
        division=facts.division,
        site_name=facts.site_name,
    )


def assignments(session: Session, *, threat_id: int) -> list[Assignment]:
    """The designated units, in the order they were assigned."""
    rows = session.execute(
        select(AssignedUnit).where(AssignedUnit.threat_id == threat_id).order_by(AssignedUnit.id)
    ).scalars()
    return [Assignment(r.unit_id, r.kind, r.division, r.reason, r.assigned_by, r.assigned_at) for r in rows]


@dataclass(frozen=True)
class UnitChoice:
    """A unit to assign, with why."""

    unit_id: str
    kind: str
    division: str
    reason: str


def assign_units(
    session: Session, *, actor: Actor, threat_id: int, units: Iterable[UnitChoice], now: datetime
) -> list[str]:
    """Designate units for a threat (already designated ones are left as they are).

    Returns:
        The unit ids newly assigned.

    Raises:
        PermissionDenied: Not a supervisor (audited).
        ValueError: Unknown threat.
    """
    if not actor.is_supervisor:
        audit.record(session, actor=actor, action="threat.assign_units", record_type="threat", record_id=threat_id,
                     outcome="denied")
        raise PermissionDenied("Only a supervisor can designate units. Ask the dispatch supervisor on duty.")
    threat = session.get(ThreatRow, threat_id)
    if threat is None:
        raise ValueError(f"Threat {threat_id} no longer exists; refresh the queue.")
    have = {a.unit_id for a in assignments(session, threat_id=threat_id)}
    added: list[str] = []
    for unit in units:
        if unit.unit_id in have or unit.unit_id in added:
            continue
        session.add(
            AssignedUnit(
                threat_id=threat_id,
                unit_id=unit.unit_id,
                kind=unit.kind,
                division=unit.division,
                reason=unit.reason[:300],
                assigned_by=actor.username,
                assigned_at=now,
            )
        )
        added.append(unit.unit_id)
    if not added:
        return added
    session.flush()
    audit.record(session, actor=actor, action="threat.assign_units", record_type="threat", record_id=threat_id,
                 detail={"units": added}, at=now)
    record_change(session, threat_id=threat_id, kind="updated", by=actor.username, what=f"assigned {len(added)}")
    return added


def unassign_unit(session: Session, *, actor: Actor, threat_id: int, unit_id: str, now: datetime) -> bool:
    """Remove a designated unit; returns whether it was designated.

    Raises:
        PermissionDenied: Not a supervisor (audited).
    """
    if not actor.is_supervisor:
        audit.record(session, actor=actor, action="threat.unassign_unit", record_type="threat",
                     record_id=threat_id, outcome="denied", detail={"unit_id": unit_id})
        raise PermissionDenied("Only a supervisor can remove designated units. Ask the dispatch supervisor on duty.")
    row = session.execute(
        select(AssignedUnit).where(AssignedUnit.threat_id == threat_id, AssignedUnit.unit_id == unit_id)
    ).scalar_one_or_none()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="threat.unassign_unit", record_type="threat", record_id=threat_id,
                 detail={"unit_id": unit_id}, at=now)
    record_change(session, threat_id=threat_id, kind="updated", by=actor.username, what=f"unassigned {unit_id}")
    return True
