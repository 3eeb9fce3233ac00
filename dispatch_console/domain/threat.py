"""What a call-taker records about a threat, before and after it is saved.

``ThreatInput`` is the form's content, deliberately loose (every field may still be empty) because a call-taker
types while talking and must be able to save as soon as there is a target and a statement. ``ThreatSummary`` is
what the rest of the console reads back: a small frozen value, never an ORM row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from dispatch_console.domain.enums import (
    CallerRelation,
    Indicator,
    LearnedHow,
    Outcome,
    Priority,
    Status,
    TargetKind,
    Verification,
    Weapon,
)

JUVENILE_AGE_LIMIT = 18
CATEGORY = "terroristic_threat"  # the report category of its own (APCO common incident type THREATS)


@dataclass
class SuspectInput:
    """One suspect as typed; any field may be empty."""

    name: str = ""
    date_of_birth: date | None = None
    age: int | None = None
    school: str = ""
    grade: str = ""
    description: str = ""
    social_handles: str = ""
    weapon_access: bool = False

    def age_on(self, day: date) -> int | None:
        """Age in whole years on ``day``, from the date of birth when known, else the stated age."""
        if self.date_of_birth is not None:
            dob = self.date_of_birth
            years = day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
            return max(years, 0)
        return self.age

    def is_juvenile(self, day: date) -> bool:
        """Juvenile unless known to be an adult.

        An unknown age counts as juvenile: most threat makers are juveniles, and wrongly masking an adult's name
        costs a click while wrongly exposing a child's costs far more.
        """
        age = self.age_on(day)
        return age is None or age < JUVENILE_AGE_LIMIT

    def is_blank(self) -> bool:
        return not (
            self.name.strip()
            or self.date_of_birth
            or self.age is not None
            or self.school.strip()
            or self.grade.strip()
            or self.description.strip()
            or self.social_handles.strip()
            or self.weapon_access
        )


@dataclass
class ThreatInput:
    """The intake form's content."""

    caller_name: str = ""
    callback_number: str = ""
    caller_relation: CallerRelation | None = None
    confidential_reporter: bool = False
    learned_how: LearnedHow | None = None
    evidence: str = ""  # screenshot / URL / account, for posts and messages
    target_kind: TargetKind | None = None
    site_id: int | None = None
    target_name: str = ""
    target_address: str = ""
    division: str = ""
    named_persons: str = ""
    threatened_text: str = ""  # what the caller said, e.g. "4/12 after school"
    threatened_at: datetime | None = None  # the parsed time, aware
    statement: str = ""  # verbatim
    narrative: str = ""
    weapons: frozenset[Weapon] = frozenset()
    weapon_access: bool = False
    indicators: frozenset[Indicator] = frozenset()
    suspects: list[SuspectInput] = field(default_factory=list)
    linked_to: str | None = None  # case number this report is a duplicate of
    cad_number: str = ""  # the CAD event / incident number the center's CAD gave the call, if any


@dataclass(frozen=True)
class ThreatSummary:
    """One saved threat as the queue, the detail pane and the reports read it."""

    threat_id: int
    case_number: str
    received_at: datetime
    call_taker: str
    target_kind: TargetKind
    target_name: str
    target_address: str
    division: str
    site_id: int | None
    threatened_at: datetime | None
    statement: str
    priority: Priority
    priority_reasons: tuple[str, ...]
    status: Status
    verification: Verification
    version: int
    weapons: frozenset[Weapon] = frozenset()
    indicators: frozenset[Indicator] = frozenset()
    outcomes: frozenset[Outcome] = frozenset()
    linked_to: str | None = None
    sealed: bool = False
