"""The vocabulary of a threat case.

Every enum value is a short lowercase string because it is stored in the database, sent to the backend and written
to exports; the ``label`` is what an operator reads. Keeping both here means the UI, the storage and the reports can
never disagree on what a value means.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A string enum with a human label; subclasses define ``_labels``."""

    @property
    def label(self) -> str:
        labels: dict[str, str] = getattr(type(self), "_LABELS", {})
        return labels.get(self.value, self.value.replace("_", " ").capitalize())


class Role(Labelled):
    CALL_TAKER = "call_taker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CallerRelation(Labelled):
    STUDENT = "student"
    PARENT = "parent"
    SCHOOL_STAFF = "school_staff"
    OTHER = "other"
    ANONYMOUS = "anonymous"


class LearnedHow(Labelled):
    HEARD_DIRECTLY = "heard_directly"
    OVERHEARD = "overheard"
    TOLD_BY_SOMEONE = "told_by_someone"
    SOCIAL_MEDIA = "social_media"
    TEXT_MESSAGE = "text_message"
    WRITTEN_NOTE = "written_note"
    OTHER = "other"

    @property
    def needs_evidence_preservation(self) -> bool:
        """Posts and messages disappear: the call-taker must ask for a screenshot, URL and account."""
        return self in (LearnedHow.SOCIAL_MEDIA, LearnedHow.TEXT_MESSAGE)


LearnedHow._LABELS = {  # type: ignore[attr-defined]
    "told_by_someone": "Told by someone else",
    "social_media": "Social media post",
    "text_message": "Text / chat message",
}


class TargetKind(Labelled):
    SCHOOL = "school"
    EVENT_VENUE = "event_venue"
    BUSINESS = "business"
    WORKPLACE = "workplace"
    HOUSE_OF_WORSHIP = "house_of_worship"
    OTHER = "other"


TargetKind._LABELS = {  # type: ignore[attr-defined]
    "business": "Restaurant / business",
}


class Weapon(Labelled):
    FIREARM = "firearm"
    KNIFE = "knife"
    EXPLOSIVE = "explosive"
    VEHICLE = "vehicle"
    OTHER = "other"
    NONE_STATED = "none_stated"


Weapon._LABELS = {"knife": "Knife / edged weapon"}  # type: ignore[attr-defined]


class Indicator(Labelled):
    SPECIFIC_TARGET = "specific_target"
    SPECIFIC_TIME = "specific_time"
    SPECIFIC_MEANS = "specific_means"
    PLAN_OR_PREPARATION = "plan_or_preparation"
    WEAPON_ACCESS = "weapon_access"
    PRIOR_THREATS = "prior_threats"
    REPEATED_SPREADING = "repeated_spreading"
    MENTAL_HEALTH = "mental_health"


Indicator._LABELS = {  # type: ignore[attr-defined]
    "weapon_access": "Weapon seen or access known",
    "prior_threats": "Prior threats or incidents",
    "repeated_spreading": "Repeated / spreading",
    "mental_health": "Mental-health concern",
}


class Priority(Labelled):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        return int(self.value[1])


class Status(Labelled):
    NEW = "new"
    NOTIFIED = "notified"
    INVESTIGATING = "investigating"
    SUSPECT_IDENTIFIED = "suspect_identified"
    CLOSED = "closed"


class Outcome(Labelled):
    UNFOUNDED = "unfounded"
    NO_SUSPECT = "no_suspect"
    SUSPECT_IDENTIFIED = "suspect_identified"
    IN_CUSTODY = "in_custody"
    CHARGED = "charged"
    JUVENILE_REFERRAL = "juvenile_referral"
    CIT_CONTACT = "cit_contact"
    SOCIAL_WORKER_REFERRAL = "social_worker_referral"
    MENTAL_HEALTH_TREATMENT = "mental_health_treatment"
    SCHOOL_DISCIPLINE = "school_discipline"
    OTHER = "other"


Outcome._LABELS = {  # type: ignore[attr-defined]
    "unfounded": "Unfounded / hoax",
    "no_suspect": "No suspect identified",
    "juvenile_referral": "Juvenile office referral",
    "cit_contact": "CIT contact",
    "mental_health_treatment": "Connected to mental-health treatment",
    "other": "Other (describe)",
}


class Verification(Labelled):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    UNFOUNDED = "unfounded"


class UnitKind(Labelled):
    PATROL = "patrol"
    SRO = "sro"
    JUVENILE = "juvenile"
    CIT = "cit"
    SOCIAL_WORKER = "social_worker"
    TACTICAL = "tactical"
    SUPERVISOR = "supervisor"


UnitKind._LABELS = {  # type: ignore[attr-defined]
    "sro": "School resource officer",
    "cit": "Crisis Intervention Team",
    "juvenile": "Juvenile detectives",
}


class UnitStatus(Labelled):
    AVAILABLE = "available"
    BUSY = "busy"
    OUT_OF_SERVICE = "out_of_service"


class DeliveryState(Labelled):
    """Where one unit's notification stands, as the console sees it."""

    QUEUED = "queued"
    SENT = "sent"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
