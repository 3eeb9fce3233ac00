"""Telling every console that a threat changed.

Every service that changes a threat calls ``record_change`` inside its transaction, after its audit entry. The audit
entry takes the chain-head row lock first, so change rows are numbered in commit order even on PostgreSQL, where a
plain serial id could otherwise commit out of order and be skipped by a reader. On PostgreSQL the same transaction
sends ``NOTIFY threat_changes``; it is delivered only if the transaction commits.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dispatch_console.db.models import Change
from dispatch_console.services.clock import utcnow

CHANNEL = "threat_changes"


def record_change(session: Session, *, threat_id: int, kind: str, by: str, what: str = "") -> int:
    """Append one change row (kind: inserted / updated / removed) and wake PostgreSQL listeners."""
    last = session.execute(select(func.max(Change.id))).scalar() or 0
    change = Change(id=last + 1, at=utcnow(), threat_id=threat_id, kind=kind, by=by, what=what[:200])
    session.add(change)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(change.id)})
    return change.id


def changes_since(session: Session, last_id: int, limit: int = 1000) -> list[Change]:
    rows = session.execute(select(Change).where(Change.id > last_id).order_by(Change.id).limit(limit)).scalars()
    return list(rows)


def latest_change_id(session: Session) -> int:
    return int(session.execute(select(func.max(Change.id))).scalar() or 0)
