"""A small factory that writes threats the way intake does: row, suspects, audit entry and change row together."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from dispatch_console.db.engine import Database
from dispatch_console.db.models import SuspectRow, ThreatRow
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.changes import record_change

_numbers = itertools.count(1)


@dataclass
class Suspect:
    name: str = ""
    date_of_birth: date | None = None
    age: int | None = None
    juvenile: bool = True
    grade: str = ""
    school: str = ""


@dataclass
class Threat:
    received_at: datetime
    target_kind: str = "school"
    target_name: str = "Lincoln High School"
    division: str = "Central"
    verification: str = "verified"
    status: str = "investigating"
    outcomes: list[str] = field(default_factory=list)
    outcome_other: str = ""
    linked_to_id: int | None = None
    sealed: bool = False
    caller_name: str = ""
    callback_number: str = ""
    confidential_reporter: bool = False
    statement: str = "said they will bring a gun after school"
    narrative: str = ""
    notified_after: timedelta | None = None
    acked_after: timedelta | None = None
    threatened_at: datetime | None = None
    suspects: list[Suspect] = field(default_factory=list)
    priority: str = "P2"


def add_threat(session: Session, actor: Actor, spec: Threat) -> int:
    number = next(_numbers)
    row = ThreatRow(
        case_number=f"TT-{spec.received_at.year}-{number:05d}",
        received_at=spec.received_at,
        call_taker=actor.username,
        caller_name=spec.caller_name,
        callback_number=spec.callback_number,
        caller_relation="parent",
        confidential_reporter=spec.confidential_reporter,
        learned_how="told_by_someone",
        evidence="",
        target_kind=spec.target_kind,
        site_id=None,
        target_name=spec.target_name,
        target_address="1 Main St",
        division=spec.division,
        named_persons="",
        threatened_text="",
        threatened_at=spec.threatened_at,
        statement=spec.statement,
        narrative=spec.narrative,
        weapons=["firearm"],
        weapon_access=False,
        indicators=[],
        priority=spec.priority,
        priority_reasons=[],
        priority_overridden=False,
        status=spec.status,
        verification=spec.verification,
        outcomes=list(spec.outcomes),
        outcome_other=spec.outcome_other,
        linked_to_id=spec.linked_to_id,
        sealed=spec.sealed,
        ack_overdue=False,
        escalations=0,
        first_notified_at=spec.received_at + spec.notified_after if spec.notified_after is not None else None,
        first_ack_at=spec.received_at + spec.acked_after if spec.acked_after is not None else None,
        closed_at=None,
        updated_at=spec.received_at,
        updated_by=actor.username,
    )
    for s in spec.suspects:
        row.suspects.append(SuspectRow(name=s.name, date_of_birth=s.date_of_birth, age=s.age, juvenile=s.juvenile,
                                       grade=s.grade, school=s.school))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="threat.create", record_type="threat", record_id=row.case_number,
                 detail={"case_number": row.case_number})
    record_change(session, threat_id=row.id, kind="inserted", by=actor.username, what="created")
    return row.id


def add_threats(db: Database, actor: Actor, specs: list[Threat]) -> list[int]:
    with db.write() as session:
        return [add_threat(session, actor, spec) for spec in specs]


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


SEED_SINCE = date(2018, 2, 14)
SEED_UNTIL = date(2018, 4, 30)


def seed_case_file(db: Database, actor: Actor) -> dict[str, list[int]]:
    """The seed's ten weeks: 21 verified threats since February 14, 2018, 20 at schools, one at a restaurant.

    Around them, the noise a real file has: duplicate reports of three of those threats (linked, so counted once),
    two unfounded hoaxes and one unverified report, one verified threat from before the range, and a sealed case.
    """
    originals: list[int] = []
    specs = []
    for i in range(21):
        day = SEED_SINCE + timedelta(days=i * 3)
        kind = "business" if i == 7 else "school"
        specs.append(Threat(
            received_at=at(day, 9 + i % 8), target_kind=kind,
            target_name="Waffle House" if kind == "business" else f"School {i % 6}",
            division=("Central", "East Patrol", "Metro", "North", "South", "Shoal Creek")[i % 6],
            verification="verified", status="closed" if i % 2 else "investigating",
            outcomes=(["in_custody", "charged"] if i % 4 == 1 else ["cit_contact"]) if i % 2 else [],
            notified_after=timedelta(minutes=2 + i), acked_after=timedelta(minutes=4 + i),
        ))
    with db.write() as session:
        originals = [add_threat(session, actor, s) for s in specs]
        duplicates = [
            add_threat(session, actor, Threat(received_at=at(SEED_SINCE + timedelta(days=d), 15),
                                              linked_to_id=originals[i], verification="verified"))
            for i, d in ((0, 0), (0, 1), (5, 16), (12, 37))
        ]
        noise = [
            add_threat(session, actor, Threat(received_at=at(date(2018, 3, 1)), verification="unfounded",
                                              status="closed", outcomes=["unfounded"])),
            add_threat(session, actor, Threat(received_at=at(date(2018, 3, 20)), verification="unfounded",
                                              status="closed", outcomes=["unfounded"])),
            add_threat(session, actor, Threat(received_at=at(date(2018, 4, 2)), verification="unverified")),
            add_threat(session, actor, Threat(received_at=at(date(2018, 2, 10)), verification="verified")),
            add_threat(session, actor, Threat(received_at=at(date(2018, 3, 5)), verification="verified", sealed=True)),
        ]
    return {"originals": originals, "duplicates": duplicates, "noise": noise}
