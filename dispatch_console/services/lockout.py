"""The lockout rule shared by passwords, sign-in codes and step-up codes.

Five failed attempts for one account within fifteen minutes lock it until an admin releases it (not until a timer
runs out: someone guessing a dispatcher's password is an incident to look at). A release (or a password reset)
starts a fresh window: the failures before it no longer count. Every failure is audited with the console it came from.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_console.db.models import Operator, SignInAttempt
from dispatch_console.domain.enums import Role
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def recent_failures(session: Session, username: str, now: datetime, since: datetime | None = None) -> int:
    start = now - FAILURE_WINDOW
    if since is not None and since > start:
        start = since  # a release starts a fresh window
    return int(
        session.execute(
            select(func.count(SignInAttempt.id)).where(
                SignInAttempt.username == username,
                SignInAttempt.success.is_(False),
                SignInAttempt.at > start,
            )
        ).scalar()
        or 0
    )


def record_failure(session: Session, *, row: Operator | None, username: str, console: str, now: datetime,
                   reason: str, action: str = "sign_in") -> None:
    """Count one failed attempt (password or code) and lock the account at the fifth in the window; audited."""
    anonymous = Actor(username or "?", username or "?", Role.CALL_TAKER, console)
    session.add(SignInAttempt(username=username, at=now, success=False, console=console))
    session.flush()
    failures = recent_failures(session, username, now, row.failures_since if row is not None else None)
    detail: dict[str, object] = {"failures_in_window": failures, "reason": reason}
    audit.record(session, actor=anonymous, action=action, record_type="operator", record_id=username,
                 outcome="denied", detail=detail)
    if row is not None and row.locked_at is None and failures >= MAX_FAILURES:
        row.locked_at = now
        audit.record(session, actor=anonymous, action="operator.lock", record_type="operator", record_id=username,
                     outcome="denied", detail=detail)
