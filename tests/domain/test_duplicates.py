"""Possible-duplicate detection: same target and time, or a very similar statement."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch_console.domain.duplicates import (
    DuplicateCandidateView,
    DuplicateMatch,
    candidate_from_input,
    find_possible_duplicates,
    normalise_target,
)
from dispatch_console.domain.threat import ThreatInput
from tests.domain.conftest import NOW

WHEN = NOW + timedelta(hours=30)
STATEMENT = "Two students said they will bring a gun after school to confront other students on April 12."


def view(
    case: str,
    *,
    received: datetime = NOW - timedelta(hours=1),
    site: int | None = 7,
    name: str = "",
    address: str = "",
    when: datetime | None = WHEN,
    statement: str = "Something else entirely, about a fight at the football game.",
) -> DuplicateCandidateView:
    return DuplicateCandidateView(case, received, site, name, address, when, statement)


NEW = view("", received=NOW, statement=STATEMENT)


def test_same_site_same_time() -> None:
    assert find_possible_duplicates(NEW, [view("TT-2026-00001")], now=NOW) == [
        DuplicateMatch("TT-2026-00001", "same target and threatened time")
    ]


def test_same_site_times_within_two_hours() -> None:
    matches = find_possible_duplicates(NEW, [view("TT-1", when=WHEN + timedelta(minutes=40))], now=NOW)
    assert matches == [DuplicateMatch("TT-1", "same target, threatened times 40 min apart")]
    assert find_possible_duplicates(NEW, [view("TT-1", when=WHEN + timedelta(hours=2, minutes=1))], now=NOW) == []


def test_both_times_unknown() -> None:
    new = view("", received=NOW, when=None, statement=STATEMENT)
    matches = find_possible_duplicates(new, [view("TT-1", when=None)], now=NOW)
    assert matches[0].reason == "same target, both threatened times unknown"
    assert find_possible_duplicates(new, [view("TT-1")], now=NOW) == []


def test_only_threats_received_in_the_last_72_hours_match_by_target() -> None:
    old = view("TT-1", received=NOW - timedelta(hours=73))
    assert find_possible_duplicates(NEW, [old], now=NOW) == []


def test_same_target_by_normalised_name_or_address() -> None:
    new = view("", received=NOW, site=None, address="1200 North Main Street")
    other = view("TT-1", site=None, address="1200 N. Main St.")
    assert find_possible_duplicates(new, [other], now=NOW)[0].case_number == "TT-1"
    assert normalise_target("Northview High School") == normalise_target("  NORTHVIEW  high school ")


def test_different_site_does_not_match() -> None:
    assert find_possible_duplicates(NEW, [view("TT-1", site=8)], now=NOW) == []


def test_very_similar_statement_anywhere() -> None:
    similar = STATEMENT.replace("Two students", "2 students").upper()
    other = view("TT-9", site=99, when=None, received=NOW - timedelta(days=10), statement=similar)
    matches = find_possible_duplicates(NEW, [other], now=NOW)
    assert len(matches) == 1
    assert matches[0].reason.startswith("very similar statement (")
    assert matches[0].reason.endswith(" %)")


def test_both_reasons_and_order() -> None:
    both = view("TT-3", statement=STATEMENT)
    target_only = view("TT-2")
    text_only = view("TT-1", site=None, statement=STATEMENT + " Please hurry.")
    matches = find_possible_duplicates(NEW, [text_only, target_only, both], now=NOW)
    assert [m.case_number for m in matches] == ["TT-3", "TT-2", "TT-1"]
    assert matches[0].reason == "same target and threatened time; very similar statement (100 %)"


def test_own_case_number_is_skipped() -> None:
    saved = view("TT-5", statement=STATEMENT)
    assert find_possible_duplicates(saved, [saved], now=NOW) == []


def test_short_statements_are_not_compared() -> None:
    a = view("", received=NOW, site=1, when=None, statement="gun")
    assert find_possible_duplicates(a, [view("TT-1", site=2, when=None, statement="gun")], now=NOW) == []


def test_long_statements_stay_fast() -> None:
    long_a = view("", received=NOW, site=1, statement="a b c " * 4000)
    others = [view(f"TT-{i}", site=2, statement=("a b c " * 4000)[i:]) for i in range(20)]
    assert len(find_possible_duplicates(long_a, others, now=NOW)) == 20


def test_candidate_from_input() -> None:
    threat = ThreatInput(site_id=7, statement=STATEMENT, threatened_at=WHEN)
    candidate = candidate_from_input(threat, now=NOW)
    assert (candidate.case_number, candidate.received_at, candidate.site_id) == ("", NOW, 7)
