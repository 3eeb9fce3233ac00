"""Property tests: the parser and the validator never fail on any input, and valid dates round-trip.

The counted fuzz test pushes at least 10 000 generated inputs through ``parse_threatened_time`` and
``validate_threat`` in one run; the counter proves hypothesis really ran them all.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch_console.domain.sites import Site
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.domain.timeparse import (
    _INTERNAL_ERROR_MESSAGE,
    MAX_INPUT_CHARS,
    Ambiguous,
    Parsed,
    Rejected,
    TimeParse,
    describe_countdown,
    parse_threatened_time,
)
from dispatch_console.domain.validation import clean_text, normalise_phone, validate_threat
from tests.domain.conftest import CHICAGO, NOW, make_site

SITE = make_site()
FUZZ_EXAMPLES = 10_000

# Text that looks like what call-takers type, mixed with anything at all.
VOCABULARY = [
    "4/12", "12/31", "2/30", "13/45", "2026-04-12", "april", "12th", "tomorrow", "today", "tonight", "friday",
    "next", "mon", "after school", "lunch", "morning", "first period", "3:10", "3:10pm", "pm", "am", "15:10",
    "25:00", "noon", "midnight", "at", "on", "unknown", "don't know", "12", "0", "1510", "/", ":", "-", " ",
]  # fmt: skip
phrases = st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join)
any_text = st.one_of(
    st.text(max_size=MAX_INPUT_CHARS + 20),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=40),  # control characters
    phrases,
)
nows = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(CHICAGO))
sites = st.sampled_from([None, SITE])


def check_result(result: TimeParse, now: datetime) -> None:
    assert isinstance(result, Parsed | Ambiguous | Rejected)
    if isinstance(result, Rejected):
        assert result.message.strip()
        assert result.message != _INTERNAL_ERROR_MESSAGE  # the safety net was never needed
    elif isinstance(result, Ambiguous):
        assert result.message.strip()
        for option in result.options:
            assert option.kind != "unknown" and option.at is not None and option.description
    else:
        assert (result.at is None) == (result.kind == "unknown")
        assert result.description.strip()
        if result.at is not None:
            assert result.at.tzinfo is now.tzinfo


class Counter:
    runs = 0


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=any_text, now=nows, site=sites)
def test_fuzz_parse_and_validate_never_raise(text: str, now: datetime, site: Site | None) -> None:
    Counter.runs += 1
    check_result(parse_threatened_time(text, now=now, site=site), now)
    threat = ThreatInput(
        caller_name=text,
        callback_number=text[:60],
        target_name=text,
        statement=text,
        threatened_text=text,
        suspects=[SuspectInput(name=text, description=text)],
    )
    errors = validate_threat(threat, now=now)
    assert all(isinstance(k, str) and v.strip() for k, v in errors.items())


def test_fuzz_ran_at_least_ten_thousand_examples() -> None:
    # Runs after the fuzz test in file order; skip the count when the fuzz test was deselected.
    if Counter.runs:
        assert Counter.runs >= FUZZ_EXAMPLES


@settings(max_examples=30, deadline=None, database=None)
@given(size=st.integers(min_value=MAX_INPUT_CHARS + 1, max_value=100_000), char=st.characters())
def test_huge_inputs_are_rejected_quickly(size: int, char: str) -> None:
    result = parse_threatened_time(char * size, now=NOW)
    assert isinstance(result, Rejected) and "too long" in result.message
    threat = ThreatInput(target_name=char * size, statement=char * size)
    assert validate_threat(threat, now=NOW)  # too long: reported, not raised


@settings(max_examples=500, deadline=None, database=None)
@given(
    day=st.dates(min_value=date(2026, 3, 15), max_value=date(2027, 3, 9)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    style=st.sampled_from(["24h", "ampm", "ampm_space", "year", "iso"]),
)
def test_round_trip_of_valid_dates(day: date, hour: int, minute: int, style: str) -> None:
    # Yearless dates from 26 days ago up to 11 months ahead are their next occurrence, so the year is implied.
    h12 = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    text = {
        "24h": f"{day.month}/{day.day} {hour:02d}:{minute:02d}",
        "ampm": f"{day.month}/{day.day} {h12}:{minute:02d}{suffix}",
        "ampm_space": f"{day.month}/{day.day} {h12}:{minute:02d} {suffix.upper()}",
        "year": f"{day.month}/{day.day}/{day.year} {hour:02d}:{minute:02d}",
        "iso": f"{day.isoformat()} {hour:02d}:{minute:02d}",
    }[style]
    now = datetime(2026, 4, 10, 9, 0, tzinfo=CHICAGO)
    result = parse_threatened_time(text, now=now)
    expected = datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO)
    if style in ("24h", "year", "iso") and 10 <= hour <= 12:
        # "10:00" to "12:59" without am/pm have two readings by design: asked, with the right one offered.
        assert isinstance(result, Ambiguous), (text, result)
        assert expected in [option.at for option in result.options]
        return
    assert isinstance(result, Parsed), (text, result)
    assert result.at == expected
    assert result.kind == "exact"


@settings(max_examples=200, deadline=None, database=None)
@given(month=st.integers(1, 12), day=st.integers(1, 31), year=st.integers(2025, 2028))
def test_impossible_days_are_rejected(month: int, day: int, year: int) -> None:
    now = datetime(year, 1, 1, 9, 0, tzinfo=CHICAGO)
    result = parse_threatened_time(f"{month}/{day}/{year} 15:00", now=now)
    if day > calendar.monthrange(year, month)[1]:
        assert isinstance(result, Rejected)
        assert f"no day {day}" in result.message
    else:
        assert isinstance(result, Parsed)


@settings(max_examples=300, deadline=None, database=None)
@given(now=nows, seconds=st.integers(-10 * 86400, 10 * 86400))
def test_countdown_words(now: datetime, seconds: int) -> None:
    words = describe_countdown(now + timedelta(seconds=seconds), now)
    assert words == "now" or words.startswith("in ") or (words.startswith("passed ") and words.endswith(" ago"))


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=300), limit=st.integers(-5, 400))
def test_clean_text_is_total_and_idempotent(text: str, limit: int) -> None:
    once = clean_text(text, limit)
    assert len(once) <= max(limit, 0)
    assert clean_text(once, limit) == once.strip()
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in once)
    result = normalise_phone(text)
    assert result is None or result.startswith("+")
