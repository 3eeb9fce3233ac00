"""Small helpers for operator-facing words: counts that read right in the singular and the plural.

Why a module of its own: "1 tries" on a screen read in a hurry costs a second look; every text that counts things
uses :func:`plural` so the rule lives in one place.
"""

from __future__ import annotations


def plural(count: int, one: str, many: str) -> str:
    """``one`` for a count of exactly 1, else ``many`` (``plural(7, "try", "tries")`` → ``"tries"``)."""
    return one if count == 1 else many


def counted(count: int, one: str, many: str) -> str:
    """The count and its noun: ``counted(1, "try", "tries")`` → ``"1 try"``, ``counted(7, …)`` → ``"7 tries"``."""
    return f"{count} {plural(count, one, many)}"
