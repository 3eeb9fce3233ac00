"""Unit proposals: one test per routing rule, plus order and de-duplication."""

from __future__ import annotations

import pytest

from dispatch_console.domain.enums import Indicator, Priority, UnitKind, UnitStatus, Weapon
from dispatch_console.domain.routing import Proposal, UnitView, escalation_target, propose_units

A, B, OOS = UnitStatus.AVAILABLE, UnitStatus.BUSY, UnitStatus.OUT_OF_SERVICE


def unit(unit_id: str, kind: UnitKind, division: str, status: UnitStatus = A) -> UnitView:
    return UnitView(unit_id, unit_id.lower(), kind, division, status)


ROSTER = (
    unit("CEN-P10", UnitKind.PATROL, "Central"),
    unit("CEN-P2", UnitKind.PATROL, "Central"),
    unit("CEN-P1", UnitKind.PATROL, "Central"),
    unit("CEN-P3", UnitKind.PATROL, "Central", B),
    unit("CEN-P4", UnitKind.PATROL, "Central", OOS),
    unit("NOR-P1", UnitKind.PATROL, "North"),
    unit("SRO-01", UnitKind.SRO, "Central"),
    unit("SRO-02", UnitKind.SRO, "North"),
    unit("CEN-SUP", UnitKind.SUPERVISOR, "Central"),
    unit("NOR-SUP", UnitKind.SUPERVISOR, "North"),
    unit("JUV-1", UnitKind.JUVENILE, "Citywide", B),
    unit("JUV-2", UnitKind.JUVENILE, "Citywide"),
    unit("CIT-1", UnitKind.CIT, "Citywide"),
    unit("SW-1", UnitKind.SOCIAL_WORKER, "Citywide"),
    unit("TAC-1", UnitKind.TACTICAL, "Citywide"),
)


def propose(
    priority: Priority = Priority.P3,
    weapons: frozenset[Weapon] = frozenset(),
    indicators: frozenset[Indicator] = frozenset(),
    *,
    juvenile: bool = False,
    sro: str = "SRO-01",
    division: str = "Central",
    roster: tuple[UnitView, ...] = ROSTER,
) -> list[Proposal]:
    return propose_units(
        roster,
        priority=priority,
        weapons=weapons,
        indicators=indicators,
        juvenile_suspect=juvenile,
        sro_unit=sro,
        division=division,
        site_name="Northview High School",
    )


def ids(proposals: list[Proposal]) -> list[str]:
    return [p.unit_id for p in proposals]


def test_sro_first_with_reason() -> None:
    first = propose()[0]
    assert first == Proposal("SRO-01", UnitKind.SRO, "school resource officer for Northview High School")


def test_busy_sro_is_still_proposed_but_not_out_of_service() -> None:
    busy = tuple(unit("SRO-01", UnitKind.SRO, "Central", B) if u.unit_id == "SRO-01" else u for u in ROSTER)
    assert "SRO-01" in ids(propose(roster=busy))
    gone = tuple(unit("SRO-01", UnitKind.SRO, "Central", OOS) if u.unit_id == "SRO-01" else u for u in ROSTER)
    assert "SRO-01" not in ids(propose(roster=gone))


def test_no_sro_when_site_has_none() -> None:
    assert not any(p.kind is UnitKind.SRO for p in propose(sro=""))


@pytest.mark.parametrize(
    ("priority", "patrols"),
    [
        (Priority.P1, ["CEN-P1", "CEN-P2", "CEN-P10"]),
        (Priority.P2, ["CEN-P1", "CEN-P2"]),
        (Priority.P3, ["CEN-P1"]),
        (Priority.P4, ["CEN-P1"]),
    ],
)
def test_patrol_count_by_priority_skipping_busy_and_out_of_service(priority: Priority, patrols: list[str]) -> None:
    proposals = propose(priority)
    assert [p.unit_id for p in proposals if p.kind is UnitKind.PATROL] == patrols
    assert all("Central division" in p.reason for p in proposals if p.kind is UnitKind.PATROL)


def test_division_matching_ignores_case_and_spaces() -> None:
    assert "CEN-P1" in ids(propose(division="  central "))


def test_juvenile_unit_only_for_juvenile_suspects_and_only_available_ones() -> None:
    assert not any(p.kind is UnitKind.JUVENILE for p in propose())
    juveniles = [p for p in propose(juvenile=True) if p.kind is UnitKind.JUVENILE]
    assert ids(juveniles) == ["JUV-2"]
    assert "juvenile" in juveniles[0].reason


def test_mental_health_brings_cit_and_social_worker() -> None:
    proposals = propose(indicators=frozenset({Indicator.MENTAL_HEALTH}))
    kinds = [p.kind for p in proposals]
    assert UnitKind.CIT in kinds and UnitKind.SOCIAL_WORKER in kinds
    assert UnitKind.CIT not in [p.kind for p in propose()]


@pytest.mark.parametrize(
    ("priority", "weapons", "tactical"),
    [
        (Priority.P1, {Weapon.FIREARM}, True),
        (Priority.P1, {Weapon.EXPLOSIVE}, True),
        (Priority.P1, {Weapon.KNIFE}, False),
        (Priority.P2, {Weapon.FIREARM}, False),
    ],
)
def test_tactical_for_p1_with_firearm_or_explosive(priority: Priority, weapons: set[Weapon], tactical: bool) -> None:
    assert ("TAC-1" in ids(propose(priority, frozenset(weapons)))) is tactical


def test_division_supervisor_last() -> None:
    proposals = propose(division="North", sro="SRO-02")
    assert proposals[-1] == Proposal("NOR-SUP", UnitKind.SUPERVISOR, "North division supervisor")


def test_seed_story_full_proposal_in_order_without_duplicates() -> None:
    proposals = propose(
        Priority.P1,
        frozenset({Weapon.FIREARM}),
        frozenset({Indicator.MENTAL_HEALTH}),
        juvenile=True,
    )
    assert ids(proposals) == [
        "SRO-01", "CEN-P1", "CEN-P2", "CEN-P10", "JUV-2", "CIT-1", "SW-1", "TAC-1", "CEN-SUP",
    ]  # fmt: skip
    assert len(set(ids(proposals))) == len(proposals)
    assert all(p.reason for p in proposals)
    assert proposals == propose(
        Priority.P1, frozenset({Weapon.FIREARM}), frozenset({Indicator.MENTAL_HEALTH}), juvenile=True,
        roster=tuple(reversed(ROSTER)),
    )  # fmt: skip


def test_same_unit_listed_twice_in_roster_is_proposed_once() -> None:
    assert ids(propose(roster=ROSTER + ROSTER)).count("CEN-P1") == 1


def test_unknown_division_gets_no_patrol_or_supervisor() -> None:
    proposals = propose(division="")
    assert not any(p.kind in (UnitKind.PATROL, UnitKind.SUPERVISOR) for p in proposals)


def test_escalation_target_is_the_division_supervisor() -> None:
    assert escalation_target(ROSTER, "Central") == unit("CEN-SUP", UnitKind.SUPERVISOR, "Central")
    assert escalation_target(ROSTER, "Harbor") is None
    out = (unit("HAR-SUP", UnitKind.SUPERVISOR, "Harbor", OOS),)
    assert escalation_target(out, "Harbor") is None
    busy_first = (unit("HAR-SUP2", UnitKind.SUPERVISOR, "Harbor", B), unit("HAR-SUP9", UnitKind.SUPERVISOR, "Harbor"))
    target = escalation_target(busy_first, "harbor")
    assert target is not None and target.unit_id == "HAR-SUP9"
