"""Designated units of a threat: the facts the routing rules need, and the supervisor's assignments as stored.

The proposal itself is pure domain logic (``domain.routing.propose_units``) over the backend's roster; this module
only reads the threat's facts for it. Assigning and removing units is ``services.triage.assign_unit`` /
``unassign_unit`` (one implementation, with the queue's optimistic locking); this module reads the result.
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
    version: int


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
        version=threat.version,
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
