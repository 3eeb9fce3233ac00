"""Every count in a message is followed by the noun in the right number ("1 entry", "1 open threat", "1 case")."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest

from dispatch_console.domain.text import plural

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("count", "singular", "plural_form", "expected"),
    [
        (1, "entry", "entries", "1 entry"),
        (2, "entry", "entries", "2 entries"),
        (0, "entry", "entries", "0 entries"),
        (1, "open threat", None, "1 open threat"),
        (7, "open threat", None, "7 open threats"),
        (1, "case", None, "1 case"),
        (21, "case", None, "21 cases"),
        (1, "site", None, "1 site"),
        (1, "unit", None, "1 unit"),
        (3, "follow-up", None, "3 follow-ups"),
    ],
)
def test_a_count_takes_the_noun_in_the_right_number(
    count: int, singular: str, plural_form: str | None, expected: str
) -> None:
    assert plural(count, singular, plural_form) == expected


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module, with the code inside f-string braces taken out."""
    with path.open("rb") as source:
        tokens = tokenize.tokenize(source.readline)
        return [(t.start[0], re.sub(r"\{[^{}]*\}", "", t.string)) for t in tokens if t.type == tokenize.STRING]


def test_no_message_in_the_code_base_writes_a_plural_as_noun_s() -> None:
    """"3 unit(s)" reads as a form to fill in, and "1 entries" as a mistake: both go through plural() instead."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sorted([*ROOT.joinpath("dispatch_console").rglob("*.py"), ROOT / "main.py"])
        for line, text in _strings(path)
        if re.search(r"[a-z]\((s|es)\)", text.replace("http(s)", "http"))  # a URL scheme, not a plural
    ]
    assert offenders == []


def test_the_first_run_backend_check_counts_a_roster_of_one_unit_in_the_singular() -> None:
    """A small center's backend may list one unit; "1 units on the roster" was what the first-run check said."""
    from dispatch_console.gateway.demo_units import DEMO_UNITS
    from dispatch_console.gateway.server import ReferenceBackend
    from dispatch_console.services.first_run import check_backend

    token = "plural-check-token-4Rk9wQz7LmP2xVb8NcT5"
    backend = ReferenceBackend(token, units=DEMO_UNITS[:1])
    try:
        url = backend.start()
        assert check_backend(url, "", token) == "The backend is healthy and the token works: 1 unit on the roster."
    finally:
        backend.close()
