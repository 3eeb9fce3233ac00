"""Operator accounts and sign-in: password, then the second factor where the policy asks for it.

The lockout rule lives in ``lockout`` (five failures in fifteen minutes, until an admin releases the account), the
second factor in ``second_factor``. Every attempt, good or bad, is audited with the console it came from.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.db.models import Operator, SignInAttempt
from dispatch_console.domain.enums import Role
from dispatch_console.domain.passwords import (
    MIN_LENGTH,
    N,
    P,
    R,
    hash_password,
    password_problem,
    verify_password,
)
from dispatch_console.services import audit, center_key, lockout, second_factor
from dispatch_console.services.actor import SYSTEM, Actor, PermissionDenied
from dispatch_console.services.clock import utcnow
from dispatch_console.services.demo_accounts import DEMO_OPERATORS as DEMO_OPERATORS  # re-exported for callers
from dispatch_console.services.demo_accounts import DEMO_PASSWORD_HASHES
from dispatch_console.services.lockout import MAX_FAILURES as MAX_FAILURES


class SignInError(AuditedRefusal):
    """Sign-in refused; the message is safe to show and says what to do."""


class SecondFactorNeeded(Exception):
    """The password was right: now a code is needed, or (``enrol``) the second factor must first be set up."""

    def __init__(self, *, enrol: bool) -> None:
        super().__init__("Set up your second factor to sign in." if enrol else
                         "Type the 6-digit code from your authenticator app (or a recovery code).")
        self.enrol = enrol


class PasswordChangeNeeded(Exception):
    """The password was a one-time password from an admin: the operator chooses their own before going on."""

    def __init__(self) -> None:
        super().__init__("Your password was reset by an admin. Choose a new password to continue.")


@dataclass(frozen=True)
class OperatorView:
    username: str
    display_name: str
    role: Role
    active: bool
    locked: bool
    can_reveal_juveniles: bool
    second_factor: bool = False
    must_change_password: bool = False


def _view(row: Operator) -> OperatorView:
    locked = row.locked_at is not None
    return OperatorView(row.username, row.display_name, Role(row.role), row.active, locked, row.can_reveal_juveniles,
                        row.totp_secret is not None, row.must_change_password)


def _require_admin(session: Session, actor: Actor, action: str, username: str, what: str) -> None:
    if actor is SYSTEM or actor.is_admin:
        return
    audit.record(session, actor=actor, action=action, record_type="operator", record_id=username, outcome="denied")
    raise PermissionDenied(f"Only an admin can {what}.")


def create_operator(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    actor: Actor = SYSTEM,
    can_reveal_juveniles: bool | None = None,
    min_length: int = MIN_LENGTH,
    one_time: bool = False,
) -> OperatorView:
    """A new account; with ``one_time`` the operator must choose their own password at the first sign-in."""
    username = username.strip().lower()
    _require_admin(session, actor, "operator.create", username, "create operators")
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValueError("The user name may contain letters, digits, '.', '-' and '_' only.")
    problem = password_problem(password, min_length=min_length, username=username)
    if problem:
        raise ValueError(problem)
    return _insert(session, username=username, display_name=display_name, role=role, password=password, actor=actor,
                   can_reveal_juveniles=can_reveal_juveniles, one_time=one_time)


def _insert(session: Session, *, username: str, display_name: str, role: Role, password: str, actor: Actor,
            can_reveal_juveniles: bool | None, one_time: bool = False, password_hash: str | None = None
            ) -> OperatorView:
    if session.execute(select(Operator.id).where(Operator.username == username)).first():
        raise ValueError(f"An operator named '{username}' already exists; choose another user name.")
    row = Operator(
        username=username,
        display_name=display_name.strip() or username,
        role=role.value,
        password_hash=password_hash or hash_password(password),
        active=True,
        created_at=utcnow(),
        can_reveal_juveniles=role is not Role.CALL_TAKER if can_reveal_juveniles is None else can_reveal_juveniles,
        must_change_password=one_time,
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
        if row is None:  # the public demo passwords are exempt from the policy: they protect nothing
            _insert(session, username=username, display_name=display, role=role, password=password, actor=SYSTEM,
                    can_reveal_juveniles=None, password_hash=DEMO_PASSWORD_HASHES.get(username))
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

# A stored hash nobody knows a password for (random salt, random digest, today's parameters): checked for unknown
# names so that every refusal costs the same key derivation (a missing account must not answer faster than a wrong
# password). Random bytes rather than hashing a random password: the same cost to check, none to make at import.
_DUMMY_HASH = (f"scrypt${N}${R}${P}${base64.b64encode(os.urandom(16)).decode()}$"
               f"{base64.b64encode(os.urandom(32)).decode()}")


def _operator(session: Session, username: str) -> Operator | None:
    return session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()


def sign_in(
    session: Session,
    *,
    username: str,
    password: str,
    console: str,
    now: datetime | None = None,
    policy: second_factor.Policy = second_factor.Policy(),  # noqa: B008 - frozen, so one shared default is safe
    code: str | None = None,
    new_secret: str | None = None,
    new_password: str | None = None,
    min_length: int = MIN_LENGTH,
) -> Actor:
    """Check the password (then the code, where the policy asks for one) and return the signed-in operator.

    A wrong name, a wrong password, a disabled account and a locked one get the same message (``WRONG``) after the
    same key derivation, so the screen tells nobody which accounts exist or are locked; the lock is told only to
    someone who typed the right password (and to admins, in Admin → Operators). A correct password raises
    ``SecondFactorNeeded`` until a good ``code`` comes with it (with ``new_secret`` when enrolling), and
    ``PasswordChangeNeeded`` after an admin's reset until ``new_password`` comes with it; nothing is kept until the
    whole sign-in succeeds, so the operator's client sends everything again at each step.
    """
    now = now or utcnow()
    username = username.strip().lower()
    # the row is locked until commit: two consoles given the same code at once must not both accept it (on
    # PostgreSQL both would otherwise read the last accepted step before either wrote it)
    row = session.execute(select(Operator).where(Operator.username == username).with_for_update()
                          ).scalar_one_or_none()
    ok = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
    if row is None or not row.active or not ok:
        reason = "unknown" if row is None else "disabled" if not row.active else "password"
        lockout.record_failure(session, row=row, username=username, console=console, now=now, reason=reason)
        raise SignInError(WRONG)
    anonymous = Actor(username, username, Role.CALL_TAKER, console)

    def refuse(reason: str, message: str) -> SignInError:
        audit.record(session, actor=anonymous, action="sign_in", record_type="operator", record_id=username,
                     outcome="denied", detail={"reason": reason})
        return SignInError(message)

    if row.locked_at is not None:
        raise refuse("locked", LOCKED)
    method = "password"
    if policy.applies(row):
        if policy.key is None:
            raise refuse("no_center_key", center_key.MISSING)
        if code is None or (row.totp_secret is None and new_secret is None):
            raise SecondFactorNeeded(enrol=row.totp_secret is None)
        try:
            if row.totp_secret is None:
                assert new_secret is not None
                method = "totp_enrolled" if second_factor.store_secret(
                    row, secret=new_secret, code=code, key=policy.key, now=now) else ""
            else:
                method = second_factor.check_code(session, row=row, code=code, key=policy.key, now=now) or ""
        except center_key.CenterKeyError as error:
            raise refuse("no_center_key", str(error)) from None
        if not method:
            lockout.record_failure(session, row=row, username=username, console=console, now=now, reason="code")
            raise SignInError(second_factor.WRONG_CODE)
    if row.must_change_password:
        if new_password is None:
            raise PasswordChangeNeeded()
        _set_password(session, row, new_password, actor=anonymous, action="operator.password_change",
                      min_length=min_length)
        row.must_change_password = False
    session.add(SignInAttempt(username=username, at=now, success=True, console=console))
    audit.record(session, actor=anonymous, action="sign_in", record_type="operator", record_id=username,
                 detail={"with": method})
    return Actor(row.username, row.display_name, Role(row.role), console, row.can_reveal_juveniles)


def _set_password(session: Session, row: Operator, password: str, *, actor: Actor, action: str,
                  min_length: int) -> None:
    problem = password_problem(password, min_length=min_length, username=row.username)
    if problem:
        raise ValueError(problem)
    row.password_hash = hash_password(password)
    audit.record(session, actor=actor, action=action, record_type="operator", record_id=row.username)


def check_password(session: Session, *, actor: Actor, password: str) -> bool:
    """Unlocking the screen: the same operator's password, audited.

    A wrong password counts towards the lockout like one at sign-in (AC-7: guesses at an unattended console are
    guesses too). A locked account stays locked; with the right password the operator is told so (``LOCKED``).
    """
    row = session.execute(select(Operator).where(Operator.username == actor.username)).scalar_one_or_none()
    if row is None or not verify_password(password, row.password_hash):
        lockout.record_failure(session, row=row, username=actor.username, console=actor.console, now=utcnow(),
                               reason="screen_unlock", action="screen.unlock")
        return False
    if row.locked_at is not None:
        audit.record(session, actor=actor, action="screen.unlock", record_type="operator", record_id=actor.username,
                     outcome="denied", detail={"reason": "locked"})
        raise SignInError(LOCKED)
    audit.record(session, actor=actor, action="screen.unlock", record_type="operator", record_id=actor.username)
    return True


def _row(session: Session, username: str) -> Operator:
    row = _operator(session, username)
    if row is None:
        raise ValueError(f"There is no operator named '{username}'.")
    return row


def release(session: Session, *, actor: Actor, username: str) -> None:
    """Unlock an account; the failures before the release no longer count (a fresh window)."""
    _require_admin(session, actor, "operator.release", username, "release a locked account")
    row = _row(session, username)
    row.locked_at = None
    row.failures_since = utcnow()
    audit.record(session, actor=actor, action="operator.release", record_type="operator", record_id=username)


def set_role(session: Session, *, actor: Actor, username: str, role: Role) -> None:
    _require_admin(session, actor, "operator.role", username, "change an operator's role")
    if username == actor.username and role is not Role.ADMIN:
        raise ValueError("You cannot take the admin role from yourself; ask another admin.")
    row = _row(session, username)
    before = row.role
    row.role = role.value
    audit.record(session, actor=actor, action="operator.role", record_type="operator", record_id=username,
                 detail={"from": before, "to": role.value})


def set_active(session: Session, *, actor: Actor, username: str, active: bool) -> None:
    """Disable an account (it cannot sign in; its history stays) or enable it again."""
    action = "operator.enable" if active else "operator.disable"
    _require_admin(session, actor, action, username, "enable or disable operators")
    if username == actor.username and not active:
        raise ValueError("You cannot disable your own account; ask another admin.")
    _row(session, username).active = active
    audit.record(session, actor=actor, action=action, record_type="operator", record_id=username)


def one_time_password() -> str:
    """80 random bits as five groups of four, easy to read out over the phone; changed at the first sign-in."""
    return "-".join(secrets.token_hex(2) for _ in range(5))


def reset_password(session: Session, *, actor: Actor, username: str) -> str:
    """A one-time password for the operator (told to them by the admin), to be changed at the next sign-in.

    It also releases a lock and starts a fresh failure window: the operator is about to type a new password.
    """
    _require_admin(session, actor, "operator.password_reset", username, "reset passwords")
    row = _row(session, username)
    one_time = one_time_password()
    row.password_hash = hash_password(one_time)
    row.must_change_password = True
    row.locked_at = None
    row.failures_since = utcnow()
    audit.record(session, actor=actor, action="operator.password_reset", record_type="operator", record_id=username)
    return one_time


def list_operators(session: Session) -> list[OperatorView]:
    return [_view(r) for r in session.execute(select(Operator).order_by(Operator.username)).scalars()]


def display_name(session: Session, username: str) -> str | None:
    return session.execute(select(Operator.display_name).where(Operator.username == username)).scalar_one_or_none()
