"""The training-mode demo operators, whose passwords the sign-in screen shows (so they prove nothing)."""

from __future__ import annotations

from dispatch_console.domain.enums import Role

DEMO_OPERATORS = (
    # (username, display name, role, password): shown on the sign-in screen in training mode only.
    ("calltaker", "Casey Call-Taker", Role.CALL_TAKER, "training-ct"),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR, "training-sv"),
    ("admin", "Alex Admin", Role.ADMIN, "training-ad"),
)
DEMO_USERNAMES = frozenset(name for name, _display, _role, _password in DEMO_OPERATORS)
# Their scrypt hashes, computed once and shipped: a new training console would otherwise derive three keys (16 MiB
# each) before its sign-in page could accept anyone (issue 17). Same parameters as every account's; the passwords are
# public anyway. tests/storage/test_operators.py checks that each verifies its password with today's parameters.
DEMO_PASSWORD_HASHES = {
    "calltaker": "scrypt$16384$8$1$voXuGUKhlmg5wYSuZjMk9A==$0kSFuQqezUKASJhrFhnhhWVoBEY0+EUb3/JtG/tPE74=",
    "supervisor": "scrypt$16384$8$1$b4vuzZHSU7QpCNWFqzqb4g==$iUlsqj3SwQT4B+cBBatKRBqp7mQRy0U6mlrsfmSSUzY=",
    "admin": "scrypt$16384$8$1$boCAiKo0zIibhV6vrdX+yA==$cmg40PC3g2eY0JnoJ0Y3BfkYJvhys9wDA2cslB0cvzo=",
}


def is_exempt_demo(username: str, *, training: bool) -> bool:
    """Training mode's demo operators sign in and step up without a second factor (their passwords are public)."""
    return training and username in DEMO_USERNAMES
