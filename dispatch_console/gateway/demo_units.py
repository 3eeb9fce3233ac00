"""The reference backend's roster: a fictional city with six divisions and its citywide teams.

Training mode and tests need a roster that looks like a real one (some units busy, one out of service) and never
changes between runs, so everything here is computed deterministically from the unit's position: the same
``CEN-P3`` is busy on every machine.
"""

from __future__ import annotations

from dispatch_console.domain.enums import UnitKind, UnitStatus
from dispatch_console.gateway.contract import UnitInfo

DIVISIONS: tuple[tuple[str, str], ...] = (
    ("Central", "CEN"),
    ("North", "NOR"),
    ("South", "SOU"),
    ("East", "EAS"),
    ("West", "WES"),
    ("Harbor", "HAR"),
)
"""(name, code) of each division, in the order that numbers the SROs (Central SRO-01..03, North SRO-04..06, …)."""

CITYWIDE = "Citywide"
PATROLS_PER_DIVISION = 4
SROS_PER_DIVISION = 3

# Which patrol cars are not available, by (division code, number). At most two per division, so every division
# keeps at least two available patrol units: a trainee can always find someone to send.
_PATROL_NOT_AVAILABLE: dict[tuple[str, int], UnitStatus] = {
    ("CEN", 2): UnitStatus.BUSY,
    ("NOR", 4): UnitStatus.BUSY,
    ("SOU", 1): UnitStatus.BUSY,
    ("SOU", 3): UnitStatus.OUT_OF_SERVICE,
    ("EAS", 2): UnitStatus.BUSY,
    ("HAR", 4): UnitStatus.BUSY,
}
_OTHER_NOT_AVAILABLE: dict[str, UnitStatus] = {
    "SRO-08": UnitStatus.BUSY,
    "CIT-3": UnitStatus.BUSY,
    "SW-2": UnitStatus.BUSY,
}

_CITYWIDE_TEAMS: tuple[tuple[str, int, UnitKind], ...] = (
    ("JUV", 3, UnitKind.JUVENILE),
    ("CIT", 4, UnitKind.CIT),
    ("SW", 4, UnitKind.SOCIAL_WORKER),
    ("TAC", 2, UnitKind.TACTICAL),
)


def demo_units() -> list[UnitInfo]:
    """Build the demo roster (61 units), in a stable order: divisions first, then citywide teams."""
    units: list[UnitInfo] = []
    for index, (name, code) in enumerate(DIVISIONS):
        for n in range(1, PATROLS_PER_DIVISION + 1):
            unit_id = f"{code}-P{n}"
            status = _PATROL_NOT_AVAILABLE.get((code, n), UnitStatus.AVAILABLE)
            units.append(UnitInfo(unit_id, unit_id, UnitKind.PATROL, name, status))
        first = SROS_PER_DIVISION * index + 1
        for n in range(first, first + SROS_PER_DIVISION):
            unit_id = f"SRO-{n:02d}"
            status = _OTHER_NOT_AVAILABLE.get(unit_id, UnitStatus.AVAILABLE)
            units.append(UnitInfo(unit_id, unit_id, UnitKind.SRO, name, status))
        sup = f"{code}-SUP"
        units.append(UnitInfo(sup, sup, UnitKind.SUPERVISOR, name, UnitStatus.AVAILABLE))
    for prefix, count, kind in _CITYWIDE_TEAMS:
        for n in range(1, count + 1):
            unit_id = f"{prefix}-{n}"
            status = _OTHER_NOT_AVAILABLE.get(unit_id, UnitStatus.AVAILABLE)
            units.append(UnitInfo(unit_id, unit_id, kind, CITYWIDE, status))
    return units


DEMO_UNITS: tuple[UnitInfo, ...] = tuple(demo_units())
