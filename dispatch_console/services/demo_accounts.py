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


def is_exempt_demo(username: str, *, training: bool) -> bool:
    """Training mode's demo operators sign in and step up without a second factor (their passwords are public)."""
    return training and username in DEMO_USERNAMES
