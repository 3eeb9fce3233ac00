"""Priority P1–P4 by transparent rules, so that every operator can see why a threat is ranked as it is.

A priority decides how fast units converge and who is woken up; it must never be a black box. The rules below are
applied in order and the first that matches sets the base level; prior threats or a repeated/spreading threat then
raise it one level. The reasons come back as text, the first line being the summary shown in the queue
("P1: firearm mentioned; threatened time in 3 h 10 min").

Terms: *firearm/explosive* = ``Weapon.FIREARM`` or ``Weapon.EXPLOSIVE`` mentioned; *any weapon* = any weapon but
``NONE_STATED``; *near* = the threatened time is within the next 48 h (or passed less than 2 h ago: it may be under
way); *imminent* = within the next 2 h (or passed less than 2 h ago); *access* = weapon seen or access known
(``weapon_access``, a suspect's known access, or ``Indicator.WEAPON_ACCESS``); *plan* =
``Indicator.PLAN_OR_PREPARATION``; *target* = ``Indicator.SPECIFIC_TARGET``; *time* = ``Indicator.SPECIFIC_TIME``
or a threatened time is known.

======  =====================================================================================================
Level   Rule (first match wins)
======  =====================================================================================================
P1      firearm/explosive AND (near OR access OR plan)
P1      any weapon AND imminent
P2      any weapon
P2      target AND time
P2      plan
P2      near
P3      target
P3      specific means stated (``Indicator.SPECIFIC_MEANS``)
P4      otherwise
Raise   prior threats (``Indicator.PRIOR_THREATS``) or repeated/spreading (``Indicator.REPEATED_SPREADING`` or
        ``repeated=True``): one level up (P4→P3, P3→P2, P2→P1), but to P1 only with a firearm/explosive
Manual  a supervisor may override with a reason (:func:`override_priority`); the computed reasons are kept
======  =====================================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dispatch_console.domain.enums import Indicator, Priority, Weapon
from dispatch_console.domain.timeparse import describe_countdown

NEAR_WINDOW = timedelta(hours=48)
IMMINENT_WINDOW = timedelta(hours=2)
UNDER_WAY_GRACE = timedelta(hours=2)
"""A threatened time that passed less than this long ago still counts: the threat may be under way."""

OVERRIDE_REASON_LIMIT = 500

_WEAPON_ORDER = (Weapon.FIREARM, Weapon.EXPLOSIVE, Weapon.KNIFE, Weapon.VEHICLE, Weapon.OTHER)
_WEAPON_WORDS = {
    Weapon.FIREARM: "firearm mentioned",
    Weapon.EXPLOSIVE: "explosive mentioned",
    Weapon.KNIFE: "knife / edged weapon mentioned",
    Weapon.VEHICLE: "vehicle as a weapon mentioned",
    Weapon.OTHER: "other weapon mentioned",
}
_LEVELS = (Priority.P1, Priority.P2, Priority.P3, Priority.P4)


class PriorityError(ValueError):
    """A priority change that must not be made (e.g. an override without a reason); the message says why."""


@dataclass(frozen=True)
class PriorityAssessment:
    """A priority and why.

    Attributes:
        priority: The level.
        reasons: ``reasons[0]`` is the one-line summary ("P1: firearm mentioned; threatened time in 3 h 10 min");
            the rest list every fact that was considered, one per line.
    """

    priority: Priority
    reasons: tuple[str, ...]


def assess_priority(
    *,
    weapons: Iterable[Weapon],
    weapon_access: bool,
    indicators: Iterable[Indicator],
    threatened_at: datetime | None,
    now: datetime,
    suspects_weapon_access: bool = False,
    repeated: bool = False,
) -> PriorityAssessment:
    """Apply the rules of the module docstring.

    Args:
        weapons: Weapons mentioned.
        weapon_access: Whether a weapon was seen or access to one is known (caller's report).
        indicators: The indicators ticked by the call-taker.
        threatened_at: The threatened time (aware), or ``None`` when unknown.
        now: The current moment (aware).
        suspects_weapon_access: Whether any suspect is known to have access to a weapon.
        repeated: Whether other reports of the same threat exist (linked duplicates), even if the indicator is
            not ticked.

    Returns:
        The assessment, with the summary first.
    """
    weapon_set = frozenset(weapons) - {Weapon.NONE_STATED}
    flags = frozenset(indicators)
    heavy = [w for w in (Weapon.FIREARM, Weapon.EXPLOSIVE) if w in weapon_set]
    weapon_facts = [_WEAPON_WORDS[w] for w in _WEAPON_ORDER if w in weapon_set]
    heavy_facts = [_WEAPON_WORDS[w] for w in heavy]

    time_fact = ""
    near = imminent = False
    if threatened_at is not None:
        left = threatened_at.astimezone(UTC) - now.astimezone(UTC)
        time_fact = f"threatened time {describe_countdown(threatened_at, now)}"
        near = -UNDER_WAY_GRACE <= left <= NEAR_WINDOW
        imminent = -UNDER_WAY_GRACE <= left <= IMMINENT_WINDOW

    access = weapon_access or suspects_weapon_access or Indicator.WEAPON_ACCESS in flags
    access_fact = "weapon access known" if access else ""
    plan_fact = "plan or preparation" if Indicator.PLAN_OR_PREPARATION in flags else ""
    target_fact = "specific target" if Indicator.SPECIFIC_TARGET in flags else ""
    has_time = Indicator.SPECIFIC_TIME in flags or threatened_at is not None
    specific_time_fact = "specific time" if has_time else ""
    means_fact = "specific means stated" if Indicator.SPECIFIC_MEANS in flags else ""
    raisers = [
        fact
        for fact, present in (
            ("prior threats or incidents", Indicator.PRIOR_THREATS in flags),
            ("repeated / spreading", repeated or Indicator.REPEATED_SPREADING in flags),
        )
        if present
    ]

    base: Priority
    decisive: list[str]
    if heavy and (near or access or plan_fact):
        base = Priority.P1
        decisive = [*heavy_facts, *(f for f in (time_fact if near else "", access_fact, plan_fact) if f)]
    elif weapon_set and imminent:
        base, decisive = Priority.P1, [*weapon_facts, time_fact]
    elif weapon_set:
        base, decisive = Priority.P2, weapon_facts
    elif target_fact and has_time:
        base, decisive = Priority.P2, [target_fact, time_fact or specific_time_fact]
    elif plan_fact:
        base, decisive = Priority.P2, [plan_fact]
    elif near:
        base, decisive = Priority.P2, [time_fact]
    elif target_fact:
        base, decisive = Priority.P3, [target_fact]
    elif means_fact:
        base, decisive = Priority.P3, [means_fact]
    else:
        base, decisive = Priority.P4, []

    level = base
    if raisers:
        raised = _LEVELS[max(base.rank - 2, 0)]
        if raised is Priority.P1 and not heavy:
            raised = Priority.P2
        if raised is not base:
            level = raised
            decisive = [*decisive, f"raised one level: {' and '.join(raisers)}"]

    if decisive:
        summary = f"{level.value}: {'; '.join(decisive)}"
    else:
        summary = f"{level.value}: no weapon, target, time or plan stated"

    facts = [
        *weapon_facts,
        time_fact or "threatened time unknown",
        access_fact,
        plan_fact,
        target_fact,
        specific_time_fact if not time_fact else "",
        means_fact,
        *raisers,
    ]
    return PriorityAssessment(level, (summary, *(f for f in facts if f)))


def override_priority(assessment: PriorityAssessment, new: Priority, reason: str) -> PriorityAssessment:
    """A supervisor's override; the computed reasons stay underneath so the audit shows both.

    Args:
        assessment: The current assessment (computed or already overridden).
        new: The level the supervisor sets.
        reason: Why, in the supervisor's words; required because an unexplained override cannot be reviewed.

    Returns:
        A new assessment whose summary names the override and its reason.

    Raises:
        PriorityError: If ``reason`` is blank.
    """
    cleaned = " ".join(str(reason).split())[:OVERRIDE_REASON_LIMIT]
    if not cleaned:
        raise PriorityError(
            "An override needs a reason. Type why the priority is changed (e.g. 'suspect in custody')."
        )
    summary = f"{new.value}: supervisor override from {assessment.priority.value} — {cleaned}"
    return PriorityAssessment(new, (summary, *assessment.reasons))
