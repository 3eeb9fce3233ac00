"""Recording a threat while the caller is on the line: save, duplicates, priority override.

``save_threat`` is the one write the call-taker waits for, so it does everything in a single short transaction:
the threat row, its suspects, its case number, the audit entry and the change-log row commit together or not at all.
A report can never exist without its audit entry, and no console can ever see half a threat.

Case numbers (``TT-<year>-<5 digits>``) come from the ``sequences`` row ``case:<year>``, locked for the rest of the
transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite already serialises writers with ``BEGIN IMMEDIATE``), so
consoles sharing a database can never hand out the same number, and the numbers have no gaps from rolled-back saves.
The year is the center's local year at the moment of the call, which is what a human expects on New Year's Eve.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dispatch_console.db.models import Draft, Sequence, SiteRow, SuspectRow, ThreatRow
from dispatch_console.domain.answered import FUTURE_TOLERANCE
from dispatch_console.domain.duplicates import (
    RECENT_WINDOW,
    DuplicateCandidateView,
    DuplicateMatch,
    candidate_from_input,
    find_possible_duplicates,
)
from dispatch_console.domain.enums import Indicator, Priority, Status, TargetKind, Weapon
from dispatch_console.domain.priority import PriorityAssessment, assess_priority
from dispatch_console.domain.priority import override_priority as override_assessment
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.domain.timeparse import Ambiguous, Parsed, parse_threatened_time
from dispatch_console.domain.validation import LIMITS, SUSPECT_LIMITS, clean_text, normalise_phone, validate_threat
from dispatch_console.services import audit, changes
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.sites import to_site

CASE_PREFIX = "TT"
CASE_DIGITS = 5


class ValidationFailed(Exception):
    """The report cannot be saved as it is; nothing was written.

    Attributes:
        errors: ``{field: message}`` as ``domain.validation.validate_threat`` returns it, so the form can show every
            message next to its field.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()) or "The report cannot be saved.")
        self.errors = dict(errors)


class StaleThreat(Exception):
    """The threat changed since the operator looked at it; reload it and try again (nothing was written)."""


class ThreatNotFound(LookupError):
    """No threat with that id or case number."""


@dataclass(frozen=True)
class SavedThreat:
    """What the call-taker needs to see at once after saving.

    Attributes:
        case_number: E.g. ``"TT-2026-00042"``, to read to the caller.
        threat_id: The row id, for the queue and the change feed.
        priority: The computed priority.
        reasons: The priority's reasons, summary first.
        linked_to: The case number this report was linked to as a duplicate, if any.
    """

    case_number: str
    threat_id: int
    priority: Priority
    reasons: tuple[str, ...]
    linked_to: str | None = None


@dataclass(frozen=True)
class PriorityChange:
    """The result of a supervisor's override."""

    threat_id: int
    priority: Priority
    reasons: tuple[str, ...]
    version: int


def case_number(year: int, value: int) -> str:
    """``case_number(2026, 42)`` -> ``"TT-2026-00042"``; wider than five digits only past 99 999 cases a year."""
    return f"{CASE_PREFIX}-{year}-{value:0{CASE_DIGITS}d}"


def cleaned_input(data: ThreatInput) -> ThreatInput:
    """The form's content as it will be stored: control characters stripped, NFC, cut to the limits.

    Cleaning (not refusing) is deliberate: text pasted from a chat app with a stray control character must not cost
    a report. Validation runs on the raw input first, so an over-long field is reported, not silently cut.
    """
    text_fields: dict[str, Any] = {
        name: clean_text(getattr(data, name), limit) for name, limit in LIMITS.items() if name != "linked_to"
    }
    suspects = []
    for suspect in data.suspects:
        if suspect.is_blank():
            continue
        fields: dict[str, Any] = {n: clean_text(getattr(suspect, n), limit) for n, limit in SUSPECT_LIMITS.items()}
        suspects.append(replace(suspect, **fields))
    linked = clean_text(data.linked_to or "", LIMITS["linked_to"]).upper() or None
    return replace(data, **text_fields, suspects=suspects, linked_to=linked)


def assess(data: ThreatInput, *, now: datetime, repeated: bool = False) -> PriorityAssessment:
    """The priority the form previews and the save stores: one function, so they can never disagree."""
    return assess_priority(
        weapons=data.weapons,
        weapon_access=data.weapon_access,
        indicators=data.indicators,
        threatened_at=data.threatened_at,
        now=now,
        suspects_weapon_access=any(s.weapon_access for s in data.suspects),
        repeated=repeated or data.linked_to is not None,
    )


def save_threat(
    session: Session,
    *,
    actor: Actor,
    data: ThreatInput,
    now: datetime,
    tz: tzinfo,
    received_at: datetime | None = None,
    answered_original: datetime | None = None,
    draft_id: str | None = None,
) -> SavedThreat:
    """Write one report (threat, suspects, case number, audit, change row) in the caller's transaction.

    Args:
        session: A write session (``Database.write()``); the caller commits.
        actor: The call-taker.
        data: The form's content. ``threatened_at`` is used as given; when it is ``None`` and ``threatened_text``
            reads unambiguously (e.g. "4/12 3:10pm"), the parsed time is used.
        now: The current moment (aware): priority, ages, and the received time unless ``received_at`` is given.
        tz: The center's zone: the case number's year and the parsing of ``threatened_text``.
        received_at: When the call was answered (stamped by the form at the first keystroke, or as corrected by the
            call-taker), if earlier than ``now``; stored in ``received_at``, where every response-time figure starts.
        answered_original: The form's automatic stamp when the call-taker corrected ``received_at``: stored in
            ``answered_original_at`` and the correction audited (``threat.answered_corrected``).
        draft_id: The form's draft, deleted in the same transaction so a saved report is never offered back.

    Returns:
        The case number and priority, to show at once.

    Raises:
        ValidationFailed: If the report is not saveable (no target, no statement, a wrong value, an unknown site
            or linked case number, an answered time in the future, a threatened time with several readings and
            none chosen); nothing is written.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    errors = validate_threat(data, now=now)
    if received_at is not None and received_at > now + FUTURE_TOLERANCE:
        errors["answered_at"] = (f"The call cannot have been answered at {received_at.astimezone(tz):%H:%M:%S}, "
                                 "later than now. Correct the answered time.")
    if errors:
        raise ValidationFailed(errors)
    clean = cleaned_input(data)

    site_row = session.get(SiteRow, clean.site_id) if clean.site_id is not None else None
    if clean.site_id is not None and site_row is None:
        raise ValidationFailed({"target_name": "The chosen site is no longer in the directory. Choose the site "
                                               "again, or type the target's name and address."})
    site = to_site(site_row) if site_row is not None else None

    original: ThreatRow | None = None
    if clean.linked_to:
        original = _root(session, clean.linked_to)
        if original is None:
            raise ValidationFailed({"linked_to": f"There is no case {clean.linked_to} to link to. Check the case "
                                                 "number, or unlink the report to save it as a new case."})
        clean = replace(clean, linked_to=original.case_number)

    if clean.threatened_at is None and clean.threatened_text:
        reading = parse_threatened_time(clean.threatened_text, now=now.astimezone(tz), site=site)
        if isinstance(reading, Parsed):
            clean = replace(clean, threatened_at=reading.at)
        elif isinstance(reading, Ambiguous) and reading.options:
            # never a silent guess: an unresolved time is refused at the field (README "Intake", issue 11)
            raise ValidationFailed({"threatened_text": unresolved_message(reading)})

    assessment = assess(clean, now=now)
    received = received_at or now
    corrected_from = answered_original if answered_original is not None and answered_original != received else None
    number = _next_case_number(session, received.astimezone(tz).year)
    kind = clean.target_kind or (site.kind if site is not None else TargetKind.OTHER)
    row = ThreatRow(
        case_number=number,
        received_at=received,
        answered_original_at=corrected_from,
        cad_number=clean.cad_number,
        call_taker=actor.username,
        caller_name=clean.caller_name,
        callback_number=normalise_phone(clean.callback_number) or "",
        caller_relation=clean.caller_relation.value if clean.caller_relation else "",
        confidential_reporter=clean.confidential_reporter,
        learned_how=clean.learned_how.value if clean.learned_how else "",
        evidence=clean.evidence,
        target_kind=kind.value,
        site_id=site.site_id if site is not None else None,
        target_name=clean.target_name or (site.name if site is not None else ""),
        target_address=clean.target_address or (site.address if site is not None else ""),
        division=clean.division or (site.division if site is not None else ""),
        named_persons=clean.named_persons,
        threatened_text=clean.threatened_text,
        threatened_at=clean.threatened_at,
        statement=clean.statement,
        narrative=clean.narrative,
        weapons=sorted(w.value for w in clean.weapons),
        weapon_access=clean.weapon_access,
        indicators=sorted(i.value for i in clean.indicators),
        priority=assessment.priority.value,
        priority_reasons=list(assessment.reasons),
        status=Status.NEW.value,
        linked_to_id=original.id if original is not None else None,
        updated_at=now,
        updated_by=actor.username,
        suspects=[_suspect_row(s, received.astimezone(tz).date()) for s in clean.suspects],
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="threat.create", record_type="threat", record_id=number, at=now,
        detail={"priority": assessment.priority.value, "suspects": len(row.suspects),
                "linked_to": clean.linked_to or "", "site_id": row.site_id, "cad_number": clean.cad_number,
                "draft": draft_id or ""},  # the draft's entries (recovered, filled from an EIDO) join the timeline
    )
    if corrected_from is not None:
        audit.record(session, actor=actor, action="threat.answered_corrected", record_type="threat",
                     record_id=number, at=now,
                     detail={"stamped": corrected_from.astimezone(tz).isoformat(),
                             "corrected_to": received.astimezone(tz).isoformat()})
    changes.record_change(session, threat_id=row.id, kind="inserted", by=actor.username,
                          what=f"{number} {assessment.priority.value}")
    if original is not None:
        _link(session, actor=actor, original=original, duplicate=row, now=now)
    if draft_id:
        session.execute(delete(Draft).where(Draft.id == draft_id, Draft.operator == actor.username))
        from dispatch_console.services.eido import adopt_attachments  # here: the intake form loads without EIDO

        adopt_attachments(session, draft_id=draft_id, threat_id=row.id)  # an imported EIDO's unread parts
    return SavedThreat(number, row.id, assessment.priority, assessment.reasons, clean.linked_to)


def unresolved_message(reading: Ambiguous) -> str:
    """What the form (and the service) say about a threatened time left with several readings."""
    readings = " or ".join(_clock_words(o) for o in reading.options)
    return (f"Unresolved: {readings}. {reading.message} Choose a reading (Down, then Enter or its number), type the "
            "time more exactly, or clear the field to save it as unknown.")


def _clock_words(option: Parsed) -> str:
    return f"{option.at:%a %H:%M}" if option.at is not None else option.description


def _suspect_row(s: SuspectInput, day: date) -> SuspectRow:
    return SuspectRow(
        name=s.name, date_of_birth=s.date_of_birth, age=s.age, school=s.school, grade=s.grade,
        description=s.description, social_handles=s.social_handles, weapon_access=s.weapon_access,
        juvenile=s.is_juvenile(day),
    )


def _root(session: Session, number: str) -> ThreatRow | None:
    """The report a case number stands for, followed to the original when it is itself a linked duplicate."""
    row = session.execute(select(ThreatRow).where(ThreatRow.case_number == number)).scalar_one_or_none()
    seen: set[int] = set()
    while row is not None and row.linked_to_id is not None and row.id not in seen:
        seen.add(row.id)
        row = session.get(ThreatRow, row.linked_to_id)
    return row


def _link(session: Session, *, actor: Actor, original: ThreatRow, duplicate: ThreatRow, now: datetime) -> None:
    """Audit the link and, since the threat is now repeated, raise the original's priority if the rules say so."""
    audit.record(session, actor=actor, action="threat.link", record_type="threat", record_id=duplicate.case_number,
                 at=now, detail={"linked_to": original.case_number})
    if original.priority_overridden:
        return
    raised = assess_priority(
        weapons=(Weapon(w) for w in original.weapons),
        weapon_access=original.weapon_access,
        indicators=(Indicator(i) for i in original.indicators),
        threatened_at=original.threatened_at,
        now=now,
        suspects_weapon_access=any(s.weapon_access for s in original.suspects),
        repeated=True,
    )
    if Priority(original.priority).rank > raised.priority.rank:
        previous = original.priority
        original.priority = raised.priority.value
        original.priority_reasons = list(raised.reasons)
        original.mark_edited(actor.username, now)
        session.flush()
        audit.record(session, actor=actor, action="threat.priority_raised", record_type="threat",
                     record_id=original.case_number, at=now,
                     detail={"from": previous, "to": raised.priority.value, "because": duplicate.case_number})
        changes.record_change(session, threat_id=original.id, kind="updated", by=actor.username,
                              what=f"{original.case_number} {previous}->{raised.priority.value} (repeated)")


def _next_case_number(session: Session, year: int) -> str:
    name = f"case:{year}"
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Create the row without racing another console (the loser of the race does nothing), then lock it.
    session.execute(insert(Sequence).values(name=name, value=0, text_value="").on_conflict_do_nothing())
    counter = session.execute(select(Sequence).where(Sequence.name == name).with_for_update()).scalar_one()
    counter.value += 1
    session.flush()
    return case_number(year, counter.value)


def find_duplicates(session: Session, *, data: ThreatInput, now: datetime) -> list[DuplicateMatch]:
    """Open, unlinked threats of the last 72 hours that may be the same threat as the report being typed.

    Only originals are offered (not reports already linked to one), so every link points at the case that is
    counted; the domain rules (same target and time, or a very similar statement) decide and give the reason.
    """
    since = now - RECENT_WINDOW - timedelta(minutes=1)
    rows = session.execute(
        select(
            ThreatRow.case_number, ThreatRow.received_at, ThreatRow.site_id, ThreatRow.target_name,
            ThreatRow.target_address, ThreatRow.threatened_at, ThreatRow.statement,
        ).where(
            ThreatRow.status != Status.CLOSED.value,
            ThreatRow.linked_to_id.is_(None),
            ThreatRow.received_at >= since,
        ).order_by(ThreatRow.id.desc()).limit(2000)
    ).all()
    views = [DuplicateCandidateView(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]
    return find_possible_duplicates(candidate_from_input(data, now=now), views, now=now)


def override_priority(
    session: Session,
    *,
    actor: Actor,
    threat_id: int,
    priority: Priority,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> PriorityChange:
    """A supervisor sets the priority by hand, with a reason; the computed reasons stay underneath.

    Raises:
        PermissionDenied: For a call-taker (the refusal is audited and committed by ``Database.write``).
        ThreatNotFound: If there is no such threat.
        StaleThreat: If the threat changed since the supervisor read ``expected_version``.
        dispatch_console.domain.priority.PriorityError: If the reason is blank (nothing written).
    """
    moment = now or datetime.now(UTC)
    row = session.get(ThreatRow, threat_id)
    record_id = row.case_number if row is not None else str(threat_id)
    if not actor.is_supervisor:
        audit.record(session, actor=actor, action="threat.priority_override", record_type="threat",
                     record_id=record_id, outcome="denied", at=moment, detail={"priority": priority.value})
        raise PermissionDenied("Only a supervisor can override a priority. Ask the dispatch supervisor.")
    if row is None:
        raise ThreatNotFound(f"No threat with id {threat_id}.")
    if row.version != expected_version:
        raise StaleThreat(f"{row.case_number} was changed by {row.updated_by or 'another console'} meanwhile. "
                          "Look at the new values, then override again if still needed.")
    current = PriorityAssessment(Priority(row.priority), tuple(str(r) for r in row.priority_reasons))
    changed = override_assessment(current, priority, reason)
    previous = row.priority
    row.priority = changed.priority.value
    row.priority_reasons = list(changed.reasons)
    row.priority_overridden = True
    row.mark_edited(actor.username, moment)
    session.flush()
    audit.record(session, actor=actor, action="threat.priority_override", record_type="threat",
                 record_id=row.case_number, at=moment,
                 detail={"from": previous, "to": changed.priority.value, "reason": " ".join(reason.split())[:500]})
    changes.record_change(session, threat_id=row.id, kind="updated", by=actor.username,
                          what=f"{row.case_number} priority {previous}->{changed.priority.value} (override)")
    return PriorityChange(row.id, changed.priority, changed.reasons, row.version)


__all__ = [
    "PriorityChange",
    "SavedThreat",
    "StaleThreat",
    "ThreatNotFound",
    "ValidationFailed",
    "assess",
    "case_number",
    "cleaned_input",
    "find_duplicates",
    "override_priority",
    "save_threat",
    "unresolved_message",
]
