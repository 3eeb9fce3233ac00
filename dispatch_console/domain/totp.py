"""Time-based one-time codes (RFC 6238) and recovery codes: the pure rules, with the time passed in.

A code is good for its 30-second step and one step either side (a phone clock a little off), and only once: the
caller keeps the last accepted step and a code of that step or an earlier one is refused, so a code read over a
shoulder cannot be typed again within its window.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
ISSUER = "Threat dispatch console"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI the enrolment QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def step_of(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, now: datetime) -> str:
    return pyotp.TOTP(secret).generate_otp(step_of(now))


def looks_like_code(text: str) -> bool:
    code = text.replace(" ", "").strip()
    return len(code) == DIGITS and code.isdigit()


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step whose code ``code`` is (within the drift), if it is later than ``last_step``; else None."""
    code = code.replace(" ", "").strip()
    if not looks_like_code(code):
        return None
    totp = pyotp.TOTP(secret)
    current = step_of(now)
    found: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            found = step
    return found


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """``count`` codes like ``k7m2q-x9p4t`` (about 49 bits each): typed when the phone is lost."""
    def one() -> str:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    return [one() for _ in range(count)]


def normalise_recovery_code(text: str) -> str:
    raw = "".join(ch for ch in text.lower() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw
