"""The case as an EIDO export sees it: a frozen snapshot, already filtered by the privacy rules.

The service builds it (and decides what may leave the console); ``build`` only arranges it. A masked juvenile
arrives here without a name or a date of birth, a confidential caller without a name or a callback number, so no
later step can leak them by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Issuer:
    """This console and its agency, as the settings name them."""

    element_id: str
    agency_id: str
    agency_name: str = ""


@dataclass(frozen=True)
class CasePerson:
    """A caller or a suspect, with only what may be shown."""

    name: str = ""
    date_of_birth: date | None = None
    age: int | None = None
    description: str = ""  # a suspect's physical description, or the masked summary "juvenile, 15, grade 9, …"
    juvenile: bool = False
    masked: bool = False
    school: str = ""
    grade: str = ""
    social_handles: str = ""
    weapon_access: bool = False
    callback: str = ""  # E.164; callers only, never a confidential one
    confidential: bool = False


@dataclass(frozen=True)
class CaseNote:
    """A note added after intake (the statement and the narrative are fields of their own)."""

    text: str
    at: datetime
    operator: str


@dataclass(frozen=True)
class CaseUnit:
    """A unit designated for the threat, and its notification if one was sent."""

    unit_id: str
    kind: str
    assigned_at: datetime
    assigned_by: str
    notified_at: datetime | None = None
    notified_by: str = ""
    state: str = ""
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class EidoCase:
    """Everything an export carries about one threat (see the module docstring)."""

    case_number: str
    received_at: datetime
    call_taker: str
    updated_at: datetime
    updated_by: str
    status: str
    priority: str
    target_kind: str
    target_name: str
    target_address: str
    division: str
    statement: str
    site_id: int | None = None
    answered_at: datetime | None = None
    cad_event_number: str | None = None
    caller: CasePerson | None = None
    caller_relation: str = ""
    learned_how: str = ""
    evidence: str = ""
    named_persons: str = ""
    threatened_text: str = ""
    threatened_at: datetime | None = None
    narrative: str = ""
    weapons: tuple[str, ...] = ()
    weapon_access: bool = False
    indicators: tuple[str, ...] = ()
    suspects: tuple[CasePerson, ...] = ()
    notes: tuple[CaseNote, ...] = ()
    units: tuple[CaseUnit, ...] = ()
    outcomes: tuple[str, ...] = ()
    outcome_other: str = ""
    closed_at: datetime | None = None
    linked_to: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
