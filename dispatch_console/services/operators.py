"""Operator accounts, sign-in and lockout.

Lockout rule: five failed sign-ins for one account within fifteen minutes lock it until an admin releases it (not
until a timer runs out: someone guessing a dispatcher's password is an incident to look at). Every attempt, good or
bad, is audited with the console it came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.db.models import Operator, SignInAttempt
from dispatch_console.domain.enums import Role
from dispatch_console.domain.passwords import hash_password, password_problem, verify_password
from dispatch_console.services import audit
from dispatch_console.services.actor import SYSTEM, Actor, PermissionDenied
from dispatch_console.services.clock import utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

DEMO_OPERATORS = (
    # (username, display name, role, password): shown on the sign-in screen in training mode only.
    ("calltaker", "Casey Call-Taker", Role.CALL_TAKER, "training-ct"),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR, "training-sv"),
    ("admin", "Alex Admin", Role.ADMIN, "training-ad"),
)


class SignInError(AuditedRefusal):
    """Sign-in refused; the message is safe to show and says what to do."""


@dataclass(frozen=True)
class OperatorView:
    username: str
    display_name: str
    role: Role
    active: bool
    locked: bool
    can_reveal_juveniles: bool


def _view(row: Operator) -> OperatorView:
    locked = row.locked_at is not None
    return OperatorView(row.username, row.display_name, Role(row.role), row.active, locked, row.can_reveal_juveniles)


def create_operator(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    actor: Actor = SYSTEM,
    can_reveal_juveniles: bool | None = None,
) -> OperatorView:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValueError("The user name may contain letters, digits, '.', '-' and '_' only.")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    if session.execute(select(Operator.id).where(Operator.username == username)).first():
        raise ValueError(f"An operator named '{username}' already exists; choose another user name.")
    row = Operator(
        username=username,
        display_name=display_name.strip() or username,
        role=role.value,
        password_hash=hash_password(password),
        active=True,
        created_at=utcnow(),
        can_reveal_juveniles=role is not Role.CALL_TAKER if can_reveal_juveniles is None else can_reveal_juveniles,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="operator.create", record_type="operator", record_id=username,
                 detail={"role": role.value})
    return _view(row)


def ensure_demo_operators(session: Session) -> None:
    """Training mode only: the demo accounts whose credentials the sign-in screen shows."""
    for username, display, role, password in DEMO_OPERATORS:
        row = session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()
        if row is None:
            create_operator(session, username=username, display_name=display, role=role, password=password)
        elif not row.active:
            row.active = True
            audit.record(session, actor=SYSTEM, action="operator.demo_enabled", record_type="operator",
                         record_id=username)


def disable_demo_operators(session: Session) -> None:
    """Outside training the demo accounts (whose passwords are public) cannot sign in."""
    for username, _display, _role, _password in DEMO_OPERATORS:
        row = session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()
        if row is not None and row.active:
            row.active = False
            audit.record(session, actor=SYSTEM, action="operator.demo_disabled", record_type="operator",
                         record_id=username)


def has_operators(session: Session) -> bool:
    return bool(session.execute(select(func.count(Operator.id)).where(Operator.active.is_(True))).scalar())


WRONG = "Wrong user name or password. Check Caps Lock and try again."
"""The one message for a wrong name, a wrong password, a disabled and a locked account (no account enumeration)."""
LOCKED = "This account is locked after too many failed sign-ins. An admin must release it."
"""Told only after the right password: whoever knows it is the operator, or should be reported by them."""

# A real scrypt hash of a random password nobody knows: checked for unknown names so that every refusal costs the
# same key derivation (a missing account must not answer faster than a wrong password).
_DUMMY_HASH = hash_password(os.urandom(16).hex())


def _recent_failures(session: Session, username: str, now: datetime, since: datetime | None = None) -> int:
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


def _operator(session: Session, username: str) -> Operator | None:
    return session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()


def record_failure(session: Session, *, row: Operator | None, username: str, console: str, now: datetime,
                   reason: str) -> None:
    """Count one failed attempt (password or code) and lock the account at the fifth in the window; audited."""
    anonymous = Actor(username or "?", username or "?", Role.CALL_TAKER, console)
    session.add(SignInAttempt(username=username, at=now, success=False, console=console))
    session.flush()
    failures = _recent_failures(session, username, now, row.failures_since if row is not None else None)
    detail: dict[str, object] = {"failures_in_window": failures, "reason": reason}
    audit.record(session, actor=anonymous, action="sign_in", record_type="operator", record_id=username,
                 outcome="denied", detail=detail)
    if row is not None and row.locked_at is None and failures >= MAX_FAILURES:
        row.locked_at = now
        audit.record(session, actor=anonymous, action="operator.lock", record_type="operator", record_id=username,
                     outcome="denied", detail=detail)


def sign_in(session: Session, *, username: str, password: str, console: str, now: datetime | None = None) -> Actor:
    """Check the password and return the signed-in operator, or raise ``SignInError``.

    A wrong name, a wrong password, a disabled account and a locked one get the same message (``WRONG``) after the
    same key derivation, so the screen tells nobody which accounts exist or are locked; the lock is told only to
    someone who typed the right password (and to admins, in Admin → Operators).
    """
    now = now or utcnow()
    username = username.strip().lower()
    row = _operator(session, username)
    ok = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
    if row is None or not row.active or not ok:
        reason = "unknown" if row is None else "disabled" if not row.active else "password"
        record_failure(session, row=row, username=username, console=console, now=now, reason=reason)
        raise SignInError(WRONG)
    anonymous = Actor(username, username, Role.CALL_TAKER, console)
    if row.locked_at is not None:
        audit.record(session, actor=anonymous, action="sign_in", record_type="operator", record_id=username,
                     outcome="denied", detail={"reason": "locked"})
        raise SignInError(LOCKED)
    session.add(SignInAttempt(username=username, at=now, success=True, console=console))
    audit.record(session, actor=anonymous, action="sign_in", record_type="operator", record_id=username)
    return Actor(row.username, row.display_name, Role(row.role), console, row.can_reveal_juveniles)


def check_password(session: Session, *, actor: Actor, password: str) -> bool:
    """Unlocking the screen: the same operator's password, audited."""
    row = session.execute(select(Operator).where(Operator.username == actor.username)).scalar_one_or_none()
    ok = row is not None and row.locked_at is None and verify_password(password, row.password_hash)
    audit.record(session, actor=actor, action="screen.unlock", record_type="operator", record_id=actor.username,
                 outcome="success" if ok else "denied")
    return ok


def release(session: Session, *, actor: Actor, username: str) -> None:
    if not actor.is_admin:
        audit.record(session, actor=actor, action="operator.release", record_type="operator", record_id=username,
                     outcome="denied")
        raise PermissionDenied("Only an admin can release a locked account.")
    row = session.execute(select(Operator).where(Operator.username == username)).scalar_one()
    row.locked_at = None
    row.failures_since = utcnow()
    audit.record(session, actor=actor, action="operator.release", record_type="operator", record_id=username)


def list_operators(session: Session) -> list[OperatorView]:
    return [_view(r) for r in session.execute(select(Operator).order_by(Operator.username)).scalars()]


def display_name(session: Session, username: str) -> str | None:
    return session.execute(select(Operator.display_name).where(Operator.username == username)).scalar_one_or_none()
