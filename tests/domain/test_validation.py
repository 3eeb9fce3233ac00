"""Intake validation: required fields, each bad value, phone numbers and text cleaning."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.domain.validation import (
    NAME_LIMIT,
    STATEMENT_LIMIT,
    TARGET_FIELD,
    clean_text,
    normalise_phone,
    validate_threat,
)
from tests.domain.conftest import NOW


def valid(**changes: object) -> ThreatInput:
    threat = ThreatInput(target_name="Northview High School", statement="They said they will bring a gun.")
    for name, value in changes.items():
        setattr(threat, name, value)
    return threat


def test_minimal_record_is_saveable() -> None:
    assert validate_threat(valid(), now=NOW) == {}
    assert validate_threat(ThreatInput(site_id=7, statement="x"), now=NOW) == {}
    assert validate_threat(ThreatInput(target_address="1 Main St", statement="x"), now=NOW) == {}


def test_empty_form_has_exactly_the_two_required_errors() -> None:
    errors = validate_threat(ThreatInput(), now=NOW)
    assert set(errors) == {TARGET_FIELD, "statement"}
    assert "Choose a site" in errors[TARGET_FIELD]
    assert "caller reported" in errors["statement"]


def test_blank_and_control_only_text_counts_as_missing() -> None:
    errors = validate_threat(ThreatInput(target_name=" \x00\t ", statement="\n\x07"), now=NOW)
    assert set(errors) == {TARGET_FIELD, "statement"}


@pytest.mark.parametrize("number", ["(816) 234-5678", "816.234.5678", "+1 816 234 5678", "+44 20 7946 0958", ""])
def test_good_callback_numbers(number: str) -> None:
    assert "callback_number" not in validate_threat(valid(callback_number=number), now=NOW)


@pytest.mark.parametrize("number", ["12345", "911", "call me maybe", "816-234-567", "0" * 60])
def test_bad_callback_number_says_how_to_fix(number: str) -> None:
    message = validate_threat(valid(callback_number=number), now=NOW)["callback_number"]
    assert "area code" in message or "characters" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(816) 234-5678", "+18162345678"),
        ("816.234.5678", "+18162345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", None),
        ("not a number", None),
        ("911", None),
        ("8" * 500, None),
    ],
)
def test_normalise_phone(text: str, expected: str | None) -> None:
    assert normalise_phone(text) == expected


def test_statement_limit() -> None:
    errors = validate_threat(valid(statement="a" * (STATEMENT_LIMIT + 1)), now=NOW)
    assert "20,001 characters" in errors["statement"] and "narrative" in errors["statement"]
    assert validate_threat(valid(statement="a" * STATEMENT_LIMIT), now=NOW) == {}


@pytest.mark.parametrize("field", ["caller_name", "target_name"])
def test_name_limits(field: str) -> None:
    errors = validate_threat(valid(**{field: "n" * (NAME_LIMIT + 1)}), now=NOW)
    assert f"limit is {NAME_LIMIT}" in errors[field]


def test_target_address_limit() -> None:
    assert "Shorten" in validate_threat(valid(target_address="a" * 301), now=NOW)["target_address"]


def test_suspect_date_of_birth_in_the_future() -> None:
    suspect = SuspectInput(name="J.", date_of_birth=NOW.date() + timedelta(days=1))
    message = validate_threat(valid(suspects=[SuspectInput(), suspect]), now=NOW)["suspects[1].date_of_birth"]
    assert "Suspect 2" in message and "future" in message and "Check the year" in message


def test_suspect_date_of_birth_too_old() -> None:
    errors = validate_threat(valid(suspects=[SuspectInput(date_of_birth=date(1850, 1, 1))]), now=NOW)
    assert "outside 5–120" in errors["suspects[0].date_of_birth"]


@pytest.mark.parametrize(("age", "ok"), [(4, False), (5, True), (15, True), (120, True), (121, False), (-1, False)])
def test_suspect_age_range(age: int, ok: bool) -> None:
    errors = validate_threat(valid(suspects=[SuspectInput(age=age)]), now=NOW)
    assert ("suspects[0].age" not in errors) is ok
    if not ok:
        assert "leave it empty" in errors["suspects[0].age"]


def test_suspect_age_must_match_date_of_birth() -> None:
    suspect = SuspectInput(date_of_birth=date(2010, 1, 1), age=25)
    assert "does not match" in validate_threat(valid(suspects=[suspect]), now=NOW)["suspects[0].age"]
    close = SuspectInput(date_of_birth=date(2010, 1, 1), age=15)  # 16 by the date of birth: tolerated
    assert validate_threat(valid(suspects=[close]), now=NOW) == {}


def test_suspect_text_limits() -> None:
    errors = validate_threat(valid(suspects=[SuspectInput(name="x" * 201, grade="y" * 21)]), now=NOW)
    assert set(errors) == {"suspects[0].name", "suspects[0].grade"}


def test_naive_threatened_at_is_reported_not_raised() -> None:
    errors = validate_threat(valid(threatened_at=datetime(2026, 4, 12, 15, 10)), now=NOW)
    assert "time zone" in errors["threatened_at"]


def test_control_characters_are_not_errors() -> None:
    assert validate_threat(valid(statement="gun\x00 after\x1b[31m school\r\n"), now=NOW) == {}


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        ("a\x00b\x07c", 10, "abc"),
        ("line1\r\nline2\rline3", 100, "line1\nline2\nline3"),
        ("tab\tkept\n", 100, "tab\tkept"),
        ("  padded  ", 100, "padded"),
        ("e\u0301cole", 100, "\u00e9cole"),  # NFC
        ("abcdef", 3, "abc"),
        ("abc", -1, ""),
        ("evil\u202egnp.exe", 100, "evilgnp.exe"),
        ("\ud800lone surrogate", 100, "lone surrogate"),
    ],
)
def test_clean_text(raw: str, limit: int, expected: str) -> None:
    assert clean_text(raw, limit) == expected
