"""The second factor: TOTP enrolment, codes at sign-in and for a step-up, recovery codes, and an admin's reset.

The secret is sealed under the center key (``center_key``) before it is stored and is opened only to check a code.
A code is accepted once, with one step of clock drift either way (``domain.totp``); a wrong code counts towards the
lockout like a wrong password (``lockout``). Ten single-use recovery codes are shown once and stored hashed (scrypt,
like passwords). Revealing a juvenile's identity and exporting cases ask for the current code again (``step_up``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.db.models import Operator, RecoveryCode
from dispatch_console.domain import totp
from dispatch_console.domain.enums import Role
from dispatch_console.domain.passwords import hash_password, verify_password
from dispatch_console.services import audit, center_key, lockout
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow
from dispatch_console.services.demo_accounts import is_exempt_demo

DEFAULT_REQUIRED_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
WRONG_CODE = "That code is not right (or was already used). Type the current code from your authenticator app."


class SecondFactorError(AuditedRefusal):
    """A code was refused or a second factor cannot be checked; the message is safe to show and says what to do."""


@dataclass(frozen=True)
class Policy:
    """Who must sign in with a second factor (a setting), whether this is training, and this console's key."""

    required_roles: frozenset[Role] = DEFAULT_REQUIRED_ROLES
    training: bool = False
    key: bytes | None = field(default=None, repr=False)

    def applies(self, row: Operator) -> bool:
        """Enrolled operators always use it; their role may require it; training's demo operators are exempt."""
        if is_exempt_demo(row.username, training=self.training):
            return False
        return row.totp_secret is not None or Role(row.role) in self.required_roles


def roles_from_setting(values: list[str]) -> frozenset[Role]:
    return frozenset(role for role in Role if role.value in values)


def _row(session: Session, username: str) -> Operator:
    """The operator's row, locked until commit (a code checked here is then used up before anyone else checks it)."""
    return session.execute(select(Operator).where(Operator.username == username).with_for_update()).scalar_one()


def is_enrolled(session: Session, username: str) -> bool:
    return session.execute(select(Operator.totp_secret).where(Operator.username == username)).scalar() is not None


def check_code(session: Session, *, row: Operator, code: str, key: bytes | None, now: datetime) -> str | None:
    """``"totp"`` or ``"recovery"`` when ``code`` is good (it is then used up), else None.

    Raises ``center_key.CenterKeyError`` when this console cannot open the secret.
    """
    if row.totp_secret is None:
        return None
    secret = center_key.unseal(key, row.totp_secret, owner=row.username)
    if totp.looks_like_code(code):
        step = totp.matching_step(secret, code, now, row.totp_last_step)
        if step is None:
            return None
        row.totp_last_step = step
        return "totp"
    typed = totp.normalise_recovery_code(code)
    unused = select(RecoveryCode).where(RecoveryCode.username == row.username, RecoveryCode.used_at.is_(None))
    for stored in session.execute(unused).scalars():
        if verify_password(typed, stored.code_hash):
            stored.used_at = now
            return "recovery"
    return None


def store_secret(row: Operator, *, secret: str, code: str, key: bytes | None, now: datetime) -> bool:
    """Keep a new secret only once the operator has typed a first code from it (so the phone really has it)."""
    if key is None:
        raise center_key.CenterKeyError(center_key.MISSING)
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        return False
    row.totp_secret = center_key.seal(key, secret, owner=row.username)
    row.totp_last_step = step
    return True


def issue_recovery_codes(session: Session, *, username: str) -> list[str]:
    """Ten new single-use codes (the old ones stop working); returned once, stored hashed."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.username == username))
    codes = totp.new_recovery_codes()
    session.add_all(RecoveryCode(username=username, code_hash=hash_password(code)) for code in codes)
    return codes


def enrol(session: Session, *, actor: Actor, secret: str, code: str, key: bytes | None,
          now: datetime | None = None) -> list[str]:
    """A signed-in operator sets up (or replaces) their own second factor; returns the recovery codes."""
    now = now or utcnow()
    row = _row(session, actor.username)
    try:
        kept = store_secret(row, secret=secret, code=code, key=key, now=now)
    except center_key.CenterKeyError as error:
        audit.record(session, actor=actor, action="second_factor.enrol", record_type="operator",
                     record_id=actor.username, outcome="denied", detail={"reason": "no_center_key"})
        raise SecondFactorError(str(error)) from None
    if not kept:
        audit.record(session, actor=actor, action="second_factor.enrol", record_type="operator",
                     record_id=actor.username, outcome="denied", detail={"reason": "wrong_code"})
        raise SecondFactorError(WRONG_CODE)
    audit.record(session, actor=actor, action="second_factor.enrol", record_type="operator", record_id=actor.username)
    return issue_recovery_codes(session, username=actor.username)


def step_up(session: Session, *, actor: Actor, code: str, purpose: str, policy: Policy,
            now: datetime | None = None) -> None:
    """Ask for the current code again before a sensitive act (``purpose``: "reveal", "export"); audited."""
    now = now or utcnow()
    detail: dict[str, object] = {"purpose": purpose}
    if is_exempt_demo(actor.username, training=policy.training):
        audit.record(session, actor=actor, action="step_up", record_type="operator", record_id=actor.username,
                     detail={**detail, "exempt": "training demo operator"})
        return
    row = _row(session, actor.username)

    def refuse(reason: str, message: str) -> SecondFactorError:
        audit.record(session, actor=actor, action="step_up", record_type="operator", record_id=actor.username,
                     outcome="denied", detail={**detail, "reason": reason})
        return SecondFactorError(message)

    if row.locked_at is not None:
        raise refuse("locked", "Your account is locked after too many failed attempts. An admin must release it.")
    if row.totp_secret is None:
        raise refuse("not_enrolled", "This needs your second factor, and you have none yet: set it up with "
                     "File → Set up second factor, then try again.")
    try:
        how = check_code(session, row=row, code=code, key=policy.key, now=now)
    except center_key.CenterKeyError as error:
        raise refuse("no_center_key", str(error)) from None
    if how is None:
        lockout.record_failure(session, row=row, username=actor.username, console=actor.console, now=now,
                               reason=f"step_up:{purpose}", action="step_up")
        raise SecondFactorError(WRONG_CODE)
    audit.record(session, actor=actor, action="step_up", record_type="operator", record_id=actor.username,
                 detail={**detail, "with": how})


def reset(session: Session, *, actor: Actor, username: str, reason: str) -> None:
    """An admin removes an operator's second factor (lost phone); they enrol again at their next sign-in."""
    if not actor.is_admin:
        audit.record(session, actor=actor, action="second_factor.reset", record_type="operator", record_id=username,
                     outcome="denied")
        raise PermissionDenied("Only an admin can reset an operator's second factor.")
    if not reason.strip():
        raise ValueError("Give the reason for the reset (it is audited), e.g. \"phone lost, ticket 4711\".")
    row = _row(session, username)
    row.totp_secret = None
    row.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.username == username))
    audit.record(session, actor=actor, action="second_factor.reset", record_type="operator", record_id=username,
                 detail={"reason": reason.strip()})
