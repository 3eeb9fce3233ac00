"""Counted nouns in messages: "1 entry", "2 entries", never "1 entries" or a noun with "(s)" tacked on.

Operators read these lines aloud and quote them in briefings, so the console says what it means in plain English.
One helper, used everywhere a count meets a noun, keeps the rule in one place.
"""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` followed by the noun in the right number: ``plural(1, "entry", "entries") == "1 entry"``.

    The plural defaults to the singular with an ``s`` ("case" -> "cases"); pass the irregular ones ("entries").
    Zero takes the plural, as English does ("0 open threats").
    """
    word = singular if count == 1 else (plural_form if plural_form is not None else singular + "s")
    return f"{count} {word}"
