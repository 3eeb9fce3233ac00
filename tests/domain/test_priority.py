"""Priority rules, table-driven: one row per rule of the table in ``priority.py``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dispatch_console.domain.enums import Indicator, Priority, Weapon
from dispatch_console.domain.priority import (
    PriorityAssessment,
    PriorityError,
    assess_priority,
    override_priority,
)
from tests.domain.conftest import NOW

F, E, K = Weapon.FIREARM, Weapon.EXPLOSIVE, Weapon.KNIFE
TARGET, TIME, PLAN = Indicator.SPECIFIC_TARGET, Indicator.SPECIFIC_TIME, Indicator.PLAN_OR_PREPARATION
PRIOR, REPEATED, ACCESS = Indicator.PRIOR_THREATS, Indicator.REPEATED_SPREADING, Indicator.WEAPON_ACCESS
MEANS = Indicator.SPECIFIC_MEANS


def assess(
    weapons: frozenset[Weapon] = frozenset(),
    indicators: frozenset[Indicator] = frozenset(),
    hours: float | None = None,
    *,
    access: bool = False,
    suspect_access: bool = False,
    repeated: bool = False,
) -> PriorityAssessment:
    when: datetime | None = None if hours is None else NOW + timedelta(hours=hours)
    return assess_priority(
        weapons=weapons,
        weapon_access=access,
        indicators=indicators,
        threatened_at=when,
        now=NOW,
        suspects_weapon_access=suspect_access,
        repeated=repeated,
    )


@pytest.mark.parametrize(
    ("weapons", "indicators", "hours", "access", "expected"),
    [
        # P1: firearm/explosive AND (near OR access OR plan)
        ({F}, set(), 30, False, Priority.P1),
        ({E}, set(), 47.9, False, Priority.P1),
        ({F}, set(), None, True, Priority.P1),
        ({F}, {ACCESS}, None, False, Priority.P1),
        ({E}, {PLAN}, None, False, Priority.P1),
        ({F}, set(), -1.5, False, Priority.P1),  # passed 90 min ago: may be under way
        # P1: any weapon AND imminent
        ({K}, set(), 1.5, False, Priority.P1),
        ({Weapon.VEHICLE}, set(), 0.1, False, Priority.P1),
        # P2: any weapon
        ({F}, set(), None, False, Priority.P2),
        ({F}, set(), 72, False, Priority.P2),
        ({K}, set(), 30, False, Priority.P2),
        ({F}, set(), -3, False, Priority.P2),  # passed 3 h ago
        # P2: target AND time / plan / near
        (set(), {TARGET, TIME}, None, False, Priority.P2),
        (set(), {TARGET}, 100, False, Priority.P2),
        (set(), {PLAN}, None, False, Priority.P2),
        (set(), set(), 24, False, Priority.P2),
        # P3
        (set(), {TARGET}, None, False, Priority.P3),
        (set(), {MEANS}, None, False, Priority.P3),
        (set(), {PRIOR}, None, False, Priority.P3),  # raised from P4
        (set(), {REPEATED}, None, False, Priority.P3),
        # P4
        (set(), set(), None, False, Priority.P4),
        ({Weapon.NONE_STATED}, set(), None, False, Priority.P4),
        (set(), set(), 100, False, Priority.P4),
        # Raising: one level, to P1 only with firearm/explosive
        (set(), {TARGET, PRIOR}, None, False, Priority.P2),
        ({K}, {PRIOR}, None, False, Priority.P2),
        ({F}, {PRIOR}, None, False, Priority.P1),
        ({E}, {REPEATED, PRIOR}, None, False, Priority.P1),
        (set(), {PLAN, REPEATED}, None, False, Priority.P2),
    ],
)
def test_rules_table(
    weapons: set[Weapon], indicators: set[Indicator], hours: float | None, access: bool, expected: Priority
) -> None:
    result = assess(frozenset(weapons), frozenset(indicators), hours, access=access)
    assert result.priority is expected
    assert result.reasons[0].startswith(f"{expected.value}: ")


def test_seed_story_gun_after_school_at_a_named_school_within_48_h() -> None:
    result = assess(frozenset({F}), frozenset({TARGET, TIME}), 3 + 10 / 60)
    assert result.priority is Priority.P1
    assert result.reasons[0] == "P1: firearm mentioned; threatened time in 3 h 10 min"
    assert "specific target" in result.reasons
    assert "firearm mentioned" in result.reasons[1:]


def test_suspect_weapon_access_counts_as_access() -> None:
    result = assess(frozenset({F}), suspect_access=True)
    assert result.priority is Priority.P1
    assert "weapon access known" in result.reasons[0]


def test_linked_reports_raise_like_the_indicator() -> None:
    result = assess(frozenset(), frozenset({TARGET}), repeated=True)
    assert result.priority is Priority.P2
    assert "raised one level: repeated / spreading" in result.reasons[0]


def test_p4_summary_says_why() -> None:
    assert assess().reasons[0] == "P4: no weapon, target, time or plan stated"
    assert "threatened time unknown" in assess().reasons


def test_reasons_have_no_blank_lines() -> None:
    result = assess(frozenset({F, K}), frozenset(Indicator), 5, access=True, repeated=True)
    assert all(r.strip() for r in result.reasons)
    assert len(set(result.reasons[1:])) == len(result.reasons[1:])


def test_override_keeps_the_computed_reasons() -> None:
    computed = assess(frozenset({F}), frozenset(), 5)
    overridden = override_priority(computed, Priority.P3, "  suspect already in custody ")
    assert overridden.priority is Priority.P3
    assert overridden.reasons[0] == "P3: supervisor override from P1 — suspect already in custody"
    assert overridden.reasons[1:] == computed.reasons


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_override_needs_a_reason(reason: str) -> None:
    with pytest.raises(PriorityError, match="needs a reason"):
        override_priority(assess(), Priority.P1, reason)
    assert issubclass(PriorityError, ValueError)
