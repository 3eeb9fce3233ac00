"""Password hashing with scrypt, a memory-hard KDF from the standard library.

Memory-hard so that a stolen operator table is expensive to attack on GPUs. The parameters are stored with each hash,
so they can be raised later without invalidating existing accounts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

# n=2**14, r=8 uses 16 MiB per hash and takes ~40 ms here: slow for an attacker, unnoticeable at sign-in.
N, R, P = 2**14, 8, 1
MIN_LENGTH = 8


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


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, in words, or None."""
    if len(password) < MIN_LENGTH:
        return f"The password must have at least {MIN_LENGTH} characters."
    if password.strip() != password:
        return "The password must not start or end with a space."
    return None
