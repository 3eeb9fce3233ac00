"""Masking names typed into free text (the verbatim statement) before it leaves the console.

Why: the statement is paged to every responding unit, and call-takers type what they hear: "Jake Smith said he'd
bring his dad's gun; his mom Mary called it in". The payload already never names a suspect or the caller, so a name
left in the statement would undo that. Every name given in the caller and suspect fields is replaced by the mask the
payload uses for that person ("[suspect 1]", "[caller]"), so the unit can still tell who did what.

Matching rules, each for a reason:

* the whole name and each of its parts ("Jake Smith", "Jake", "Smith"; "Al-Hassan" and "Hassan"): people are
  mentioned by first or last name;
* case-insensitive ("JAKE", "jake"): statements are typed in a hurry;
* word-bounded, so "Al" never masks "Alarm" - but a possessive ("Jake's") is still masked;
* longest first, so "Jake Smith" becomes one mask, not two;
* parts of one letter ("J.") are skipped: masking every "a" or "I" would destroy the statement and hide nobody;
* a part shared by two people (a parent calling about a child: same last name) takes the mask of the first person
  given (callers first), so it is masked either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPLIT = re.compile(r"[\s,;/()\"]+")
_EDGE = ".'’"


@dataclass(frozen=True)
class Person:
    """A name as typed in a field, and the mask that stands for that person in the payload."""

    name: str
    mask: str


def _parts(name: str) -> list[str]:
    words = " ".join(name.split())
    parts = [words] if words else []
    for word in _SPLIT.split(words):
        for part in [word, *word.split("-")] if "-" in word else [word]:
            part = part.strip(_EDGE)
            if sum(ch.isalnum() for ch in part) >= 2:
                parts.append(part)
    return parts


def _pattern(variant: str) -> str:
    return r"\s+".join(re.escape(word) for word in variant.split())


def mask_names(text: str, people: list[Person]) -> str:
    """``text`` with every name of ``people`` (and its parts) replaced by that person's mask; see the module."""
    masks: dict[str, str] = {}
    for person in people:
        for variant in _parts(person.name):
            masks.setdefault(" ".join(variant.casefold().split()), person.mask)
    if not text or not masks:
        return text
    ordered = sorted(masks, key=len, reverse=True)
    groups = "|".join(f"(?P<v{i}>{_pattern(v)})" for i, v in enumerate(ordered))
    regex = re.compile(rf"(?<!\w)(?:{groups})(?!\w)", re.IGNORECASE)
    return regex.sub(lambda m: masks[ordered[int(str(m.lastgroup)[1:])]], text)
