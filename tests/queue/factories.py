"""Saving threats for the queue tests the way intake does: the row, its audit entry and a change row, together.

Kept small on purpose: the queue's tests need threats in given priorities, states and times, not the intake form.
Runnable as a child process (``python -m tests.queue.factories URL COUNT``) so a test can have "console A" be
another program writing to the same database.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_console.db.models import Notification, SuspectRow, ThreatRow
from dispatch_console.domain.enums import Role
from dispatch_console.services import audit, changes
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow

WRITER = Actor("calltaker", "Casey Call-Taker", Role.CALL_TAKER, "console-a")


def add_threat(
    session: Session,
    *,
    actor: Actor = WRITER,
    priority: str = "P2",
    status: str = "new",
    target_name: str = "Lincoln High School",
    target_kind: str = "school",
    division: str = "North",
    threatened_in: timedelta | None = timedelta(hours=3),
    received_ago: timedelta = timedelta(minutes=5),
    suspects: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> int:
    """Insert one threat (plus audit entry and change row) and return its id."""
    now = utcnow()
    number = (session.execute(select(func.max(ThreatRow.id))).scalar() or 0) + 1
    threat = ThreatRow(
        case_number=f"TT-{now.year}-{number:05d}",
        received_at=now - received_ago,
        call_taker=actor.username,
        target_kind=target_kind,
        target_name=target_name,
        division=division,
        threatened_at=None if threatened_in is None else now + threatened_in,
        threatened_text="" if threatened_in is None else "after school",
        statement=fields.pop("statement", "I'll bring a gun after school"),
        priority=priority,
        status=status,
        updated_at=now,
        updated_by=actor.username,
        **fields,
    )
    session.add(threat)
    session.flush()
    for suspect in suspects or []:
        session.add(SuspectRow(threat_id=threat.id, **suspect))
    audit.record(session, actor=actor, action="threat.create", record_type="threat", record_id=threat.case_number,
                 detail={"summary": f"{threat.case_number} saved"})
    changes.record_change(session, threat_id=threat.id, kind="inserted", by=actor.username, what="new threat")
    return threat.id


def add_notification(session: Session, *, threat_id: int, unit_id: str, state: str, at: datetime | None = None) -> None:
    """A notification row in a given state (the outbox engineer's code writes these in the real console)."""
    at = at or utcnow()
    session.add(Notification(id=f"{threat_id}-{unit_id}", threat_id=threat_id, unit_id=unit_id, state=state,
                             payload={}, next_attempt_at=at, created_at=at, created_by="supervisor",
                             acknowledged_at=at if state == "acknowledged" else None,
                             acknowledged_by=unit_id if state == "acknowledged" else ""))
    changes.record_change(session, threat_id=threat_id, kind="updated", by="system", what=f"{unit_id} {state}")


def main(argv: list[str]) -> int:
    """Child-process writer: ``python -m tests.queue.factories URL COUNT PRIORITY``; prints each new id."""
    from dispatch_console.db.engine import open_database

    db = open_database(argv[0])
    for i in range(int(argv[1])):
        with db.write() as session:
            threat_id = add_threat(session, priority=argv[2] if len(argv) > 2 else "P1",
                                   target_name=f"Remote School {i}")
        print(threat_id, flush=True)
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
