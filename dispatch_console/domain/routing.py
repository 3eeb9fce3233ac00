"""Which units to notify about a threat: a proposal by transparent rules, which the supervisor then edits.

Every proposal carries its reason, so the supervisor can see why a unit is on the list and remove it knowingly.
Units are chosen by kind, division and status from the roster the backend reports, never by hard-coded ids, so
the same rules work for any city's roster. Rules, in the order the proposals are listed:

=================  ================================================================================================
Unit               When
=================  ================================================================================================
SRO                the site has an SRO unit in the roster that is not out of service (a busy SRO is still at
                   the school and must know)
Patrol             the division's available patrol units: all of them for P1, 2 for P2, 1 for P3/P4
Juvenile           a suspect is (or may be) a juvenile: one available juvenile unit (own division first)
CIT                the mental-health indicator is set: one available Crisis Intervention Team unit
Social worker      the mental-health indicator is set: one available social worker
Tactical           P1 with a firearm or explosive mentioned: one available tactical unit
Supervisor         the division's supervisor, unless out of service (also the escalation target)
=================  ================================================================================================

Busy and out-of-service units are never proposed (except as noted above); they are simply absent from the list.
Within a kind, units of the threat's own division come first, then by natural id order ("CEN-P2" before "CEN-P10").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dispatch_console.domain.enums import Indicator, Priority, UnitKind, UnitStatus, Weapon

PATROL_COUNT = {Priority.P1: None, Priority.P2: 2, Priority.P3: 1, Priority.P4: 1}
"""How many available patrol units to propose; ``None`` = all of the division's."""


@dataclass(frozen=True)
class UnitView:
    """One unit of the roster as the backend reports it.

    Attributes:
        unit_id: The backend's id, e.g. ``"CEN-P1"``.
        call_sign: What the radio calls it.
        kind: What the unit does.
        division: The police division it belongs to ("Central", ... or "Citywide").
        status: Whether it can take the call now.
    """

    unit_id: str
    call_sign: str
    kind: UnitKind
    division: str
    status: UnitStatus


@dataclass(frozen=True)
class Proposal:
    """One unit proposed for notification, with the rule that proposed it."""

    unit_id: str
    kind: UnitKind
    reason: str


def propose_units(
    units: Iterable[UnitView],
    *,
    priority: Priority,
    weapons: Iterable[Weapon],
    indicators: Iterable[Indicator],
    juvenile_suspect: bool,
    sro_unit: str,
    division: str,
    site_name: str = "",
) -> list[Proposal]:
    """Propose the designated units by the rules of the module docstring.

    Args:
        units: The roster.
        priority: The threat's current priority.
        weapons: Weapons mentioned.
        indicators: Indicators set on the threat.
        juvenile_suspect: Whether any suspect is (or may be) a juvenile.
        sro_unit: The site's SRO unit id from the directory, or ``""``.
        division: The site's (or address's) division; compared without regard to case or surrounding spaces.
        site_name: The site's name, for the SRO's reason.

    Returns:
        The proposals in a deterministic order, each unit at most once.
    """
    roster = sorted(set(units), key=lambda u: _natural_key(u.unit_id))
    weapon_set = frozenset(weapons)
    flags = frozenset(indicators)
    home = _division_key(division)
    division_name = division.strip() or "unknown"
    proposals: list[Proposal] = []
    taken: set[str] = set()

    def add(unit: UnitView, reason: str) -> None:
        if unit.unit_id not in taken:
            taken.add(unit.unit_id)
            proposals.append(Proposal(unit.unit_id, unit.kind, reason))

    sro_id = sro_unit.strip()
    if sro_id:
        sro = next((u for u in roster if u.unit_id.casefold() == sro_id.casefold()), None)
        if sro is not None and sro.status is not UnitStatus.OUT_OF_SERVICE:
            where = site_name.strip() or "the site"
            add(sro, f"school resource officer for {where}")

    patrols = [u for u in _available(roster, UnitKind.PATROL) if _division_key(u.division) == home and home]
    count = PATROL_COUNT[priority]
    chosen = patrols if count is None else patrols[:count]
    quantity = "all available" if count is None else f"{count} available"
    for unit in chosen:
        add(unit, f"patrol, {division_name} division ({priority.value}: {quantity})")

    if juvenile_suspect:
        _add_if_any(add, _pick_one(roster, UnitKind.JUVENILE, home), "juvenile suspect: juvenile detectives")
    if Indicator.MENTAL_HEALTH in flags:
        _add_if_any(add, _pick_one(roster, UnitKind.CIT, home), "mental-health concern: Crisis Intervention Team")
        _add_if_any(add, _pick_one(roster, UnitKind.SOCIAL_WORKER, home), "mental-health concern: social worker")
    heavy = [w for w in (Weapon.FIREARM, Weapon.EXPLOSIVE) if w in weapon_set]
    if priority is Priority.P1 and heavy:
        words = " and ".join(w.value for w in heavy)
        _add_if_any(add, _pick_one(roster, UnitKind.TACTICAL, home), f"P1 with {words} mentioned: tactical")

    supervisor = escalation_target(roster, division)
    if supervisor is not None:
        add(supervisor, f"{division_name} division supervisor")
    return proposals


def escalation_target(units: Iterable[UnitView], division: str) -> UnitView | None:
    """The division supervisor, notified when a notification is not acknowledged in time.

    An available supervisor is preferred to a busy one; an out-of-service one is never returned, because a page
    to nobody would hide the missing acknowledgement.

    Args:
        units: The roster.
        division: The threat's division (compared without regard to case or surrounding spaces).

    Returns:
        The supervisor unit, or ``None`` when the division has none in service.
    """
    home = _division_key(division)
    if not home:
        return None
    candidates = [
        u
        for u in units
        if u.kind is UnitKind.SUPERVISOR
        and _division_key(u.division) == home
        and u.status is not UnitStatus.OUT_OF_SERVICE
    ]
    candidates.sort(key=lambda u: (u.status is not UnitStatus.AVAILABLE, _natural_key(u.unit_id)))
    return candidates[0] if candidates else None


def _pick_one(roster: list[UnitView], kind: UnitKind, home: str) -> UnitView | None:
    """The first available unit of ``kind``: own division first, then natural id order (the sort is stable)."""
    available = _available(roster, kind)
    available.sort(key=lambda u: _division_key(u.division) != home)
    return available[0] if available else None


def _add_if_any(add: Callable[[UnitView, str], None], unit: UnitView | None, reason: str) -> None:
    if unit is not None:
        add(unit, reason)


def _available(roster: list[UnitView], kind: UnitKind) -> list[UnitView]:
    return [u for u in roster if u.kind is kind and u.status is UnitStatus.AVAILABLE]


def _division_key(division: str) -> str:
    return " ".join(division.split()).casefold()


def _natural_key(unit_id: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "CEN-P2" before "CEN-P10": digits compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", unit_id))
