"""Password hashing with scrypt, a memory-hard KDF from the standard library, and the password policy.

Memory-hard so that a stolen operator table is expensive to attack on GPUs. The parameters are stored with each hash,
so they can be raised later without invalidating existing accounts.

The policy is NIST SP 800-63B's (which the CJIS Security Policy v6 adopts): a minimum length (a setting, default 12),
a check against a list of commonly used passwords shipped in ``resources/security/``, and nothing else: no
composition rules ("one digit, one symbol") and no forced expiry, which make people choose worse passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from dispatch_console.resources import resource

# n=2**14, r=8 uses 16 MiB per hash and takes ~40 ms here: slow for an attacker, unnoticeable at sign-in.
N, R, P = 2**14, 8, 1
MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; any malformed stored value is simply a mismatch."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), maxmem=64 * 1024 * 1024, dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (lower case), read once."""
    text = resource("security", "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, min_length: int = MIN_LENGTH, username: str = "") -> str | None:
    """Why a new password is not acceptable, in words, or None."""
    if len(password) < min_length:
        return (f"The password must have at least {min_length} characters. A few unrelated words make a long "
                "password that is easy to remember.")
    if len(password) > MAX_LENGTH:
        return f"The password must have at most {MAX_LENGTH} characters."
    if password.strip() != password:
        return "The password must not start or end with a space."
    if username and password.lower() == username.lower():
        return "The password must not be your user name."
    if password.lower() in common_passwords():
        return "This password is too easy to guess (it is on the list of commonly used passwords). Choose another."
    return None
