"""Juvenile privacy: what may be shown of a suspect to whom.

Juvenile suspects' names, dates of birth and photos are masked everywhere (queue, detail pane, exports, reports,
logs, notification payloads) unless the operator has the need-to-know permission and has revealed the case with a
reason (audited by the service that reveals). An unknown age counts as juvenile (see ``SuspectInput.is_juvenile``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MASK = "█████"


@dataclass(frozen=True)
class SuspectFacts:
    """What the database knows of one suspect."""

    name: str
    date_of_birth: date | None
    age: int | None
    juvenile: bool
    school: str = ""
    grade: str = ""
    description: str = ""
    social_handles: str = ""
    weapon_access: bool = False


@dataclass(frozen=True)
class ShownSuspect:
    """What may be shown: masked fields are replaced, never just hidden by the view."""

    label: str  # e.g. "juvenile, 15, grade 9" or the adult's name
    name: str
    date_of_birth: str
    masked: bool


def describe(s: SuspectFacts) -> str:
    """A safe description without identity: used in payloads and masked views."""
    parts = ["juvenile" if s.juvenile else "adult"]
    if s.age is not None:
        parts.append(str(s.age))
    if s.grade:
        parts.append(f"grade {s.grade}")
    if s.school:
        parts.append(s.school)
    return ", ".join(parts)


def show_suspect(s: SuspectFacts, *, revealed: bool) -> ShownSuspect:
    """Mask a juvenile's identity unless the case was revealed to this operator."""
    if s.juvenile and not revealed:
        return ShownSuspect(describe(s), MASK if s.name else "", MASK if s.date_of_birth else "", True)
    label = s.name or describe(s)
    return ShownSuspect(label, s.name, s.date_of_birth.isoformat() if s.date_of_birth else "", False)
