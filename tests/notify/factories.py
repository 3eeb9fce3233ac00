"""A tiny threat factory for the notification stories (the intake service is another engineer's work in progress).

It writes a threat the way a save does: the row, its suspects, an audit entry and a change-log row, in one
transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import SuspectRow, ThreatRow
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.changes import record_change


def make_threat(
    db: Database,
    actor: Actor,
    *,
    priority: str = "P1",
    division: str = "North",
    target_name: str = "Northview High School",
    weapons: tuple[str, ...] = ("firearm",),
    indicators: tuple[str, ...] = (),
    juvenile_name: str = "",
    caller_name: str = "Pat Confidential",
    confidential: bool = True,
    status: str = "new",
    statement: str = "two students said they would bring a gun after school",
    juvenile_description: str = "",
    adult_name: str = "",
) -> int:
    """Save one threat and return its id."""
    now = datetime.now(UTC)
    with db.write() as session:
        n = (session.execute(select(func.count(ThreatRow.id))).scalar() or 0) + 1
        row = ThreatRow(
            case_number=f"TT-2026-{n:05d}",
            received_at=now,
            call_taker=actor.username,
            caller_name=caller_name,
            callback_number="555-0100",
            confidential_reporter=confidential,
            target_kind="school",
            target_name=target_name,
            target_address="100 Northview Rd",
            division=division,
            threatened_text="4/12 after school",
            threatened_at=now + timedelta(hours=3),
            statement=statement,
            weapons=list(weapons),
            indicators=list(indicators),
            priority=priority,
            priority_reasons=["firearm mentioned"],
            status=status,
            updated_at=now,
            updated_by=actor.username,
        )
        if juvenile_name:
            row.suspects.append(
                SuspectRow(name=juvenile_name, date_of_birth=date(2011, 3, 4), school="Northview High", grade="9",
                           juvenile=True, description=juvenile_description, social_handles="@jj_2011")
            )
        if adult_name:
            row.suspects.append(SuspectRow(name=adult_name, age=34, juvenile=False, description="bald, grey van"))
        session.add(row)
        session.flush()
        audit.record(session, actor=actor, action="threat.create", record_type="threat", record_id=row.id)
        record_change(session, threat_id=row.id, kind="inserted", by=actor.username)
        return row.id
