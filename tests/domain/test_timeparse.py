"""The threatened-time parser: common phrasings, ambiguity, rejection, and the countdown words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from dispatch_console.domain.enums import TargetKind
from dispatch_console.domain.sites import Site
from dispatch_console.domain.timeparse import (
    MAX_INPUT_CHARS,
    Ambiguous,
    Parsed,
    Rejected,
    describe_countdown,
    parse_threatened_time,
)
from tests.domain.conftest import CHICAGO, EARLY_RELEASE_DAY, NOW


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHICAGO)


def parsed(text: str, *, now: datetime = NOW, site: Site | None = None) -> Parsed:
    result = parse_threatened_time(text, now=now, site=site)
    assert isinstance(result, Parsed), result
    return result


def ambiguous(text: str, *, now: datetime = NOW, site: Site | None = None) -> Ambiguous:
    result = parse_threatened_time(text, now=now, site=site)
    assert isinstance(result, Ambiguous), result
    assert result.message.strip()
    return result


def rejected(text: str, *, now: datetime = NOW, site: Site | None = None) -> Rejected:
    result = parse_threatened_time(text, now=now, site=site)
    assert isinstance(result, Rejected), result
    assert result.message.strip()
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-12 15:10", at(2026, 4, 12, 15, 10)),
        ("2026-04-12T15:10", at(2026, 4, 12, 15, 10)),
        ("4/12 3:10pm", at(2026, 4, 12, 15, 10)),
        ("4/12 3:10 p.m.", at(2026, 4, 12, 15, 10)),
        ("4/12 3pm", at(2026, 4, 12, 15, 0)),
        ("4/12 at 3 pm", at(2026, 4, 12, 15, 0)),
        ("4/12/2026 15:10", at(2026, 4, 12, 15, 10)),
        ("4/12/26 15:10", at(2026, 4, 12, 15, 10)),
        ("April 12 15:10", at(2026, 4, 12, 15, 10)),
        ("apr 12th, 2026 at 15:10", at(2026, 4, 12, 15, 10)),
        ("12 April 15:10", at(2026, 4, 12, 15, 10)),
        ("today 15:10", at(2026, 4, 10, 15, 10)),
        ("TODAY 3:10PM", at(2026, 4, 10, 15, 10)),
        ("tomorrow 9am", at(2026, 4, 11, 9, 0)),
        ("tomorrow at 15:00", at(2026, 4, 11, 15, 0)),
        ("tomorrow morning 9", at(2026, 4, 11, 9, 0)),
        ("tonight 9", at(2026, 4, 10, 21, 0)),
        ("4/14 1510", at(2026, 4, 14, 15, 10)),
        ("4/14 15h10", at(2026, 4, 14, 15, 10)),
        ("4/14 noon", at(2026, 4, 14, 12, 0)),
        ("4/14 08:00", at(2026, 4, 14, 8, 0)),
        ("4/14 0:30", at(2026, 4, 14, 0, 30)),
        ("next monday 10am", at(2026, 4, 13, 10, 0)),
        ("monday 10am", at(2026, 4, 13, 10, 0)),
        ("Thursday 4/16 2pm", at(2026, 4, 16, 14, 0)),
        ("４/１２ ３:１０pm", at(2026, 4, 12, 15, 10)),  # full-width digits from an IME
    ],
)
def test_exact_times(text: str, expected: datetime) -> None:
    result = parsed(text)
    assert result.kind == "exact"
    assert result.at == expected
    assert result.at is not None and result.at.tzinfo is CHICAGO


def test_description_reads_back_in_words() -> None:
    assert parsed("4/16 3:10pm").description == "Thursday 16 April 2026, 15:10"


def test_past_time_is_allowed_but_marked() -> None:
    result = parsed("4/9 15:10")
    assert result.at == at(2026, 4, 9, 15, 10)
    assert result.description.endswith("(already passed)")


@pytest.mark.parametrize("text", ["", "   ", "unknown", "Unknown", "don't know", "dont know", "n/a", "?", "\x00"])
def test_unknown(text: str) -> None:
    result = parsed(text)
    assert result.kind == "unknown"
    assert result.at is None
    assert result.description


def test_tomorrow_alone_is_the_whole_day() -> None:
    result = parsed("tomorrow")
    assert (result.kind, result.at) == ("day", at(2026, 4, 11))
    assert "time not stated" in result.description


def test_tonight_is_the_evening_window() -> None:
    result = parsed("tonight")
    assert (result.kind, result.at) == ("day", at(2026, 4, 10, 18, 0))


def test_tonight_already_under_way_counts_from_now() -> None:
    later = at(2026, 4, 10, 21, 5)
    result = parsed("tonight", now=later)
    assert result.at == later
    assert "under way" in result.description


@pytest.mark.parametrize(("text", "expected"), [("fri", None), ("wednesday", date(2026, 4, 15)), ("sat", None)])
def test_weekdays(text: str, expected: date | None) -> None:
    result = parse_threatened_time(text, now=NOW)
    if text == "fri":  # said on a Friday: today or next week? ask
        assert isinstance(result, Ambiguous)
        assert [o.at for o in result.options] == [at(2026, 4, 10), at(2026, 4, 17)]
    elif expected is not None:
        assert isinstance(result, Parsed) and result.at is not None
        assert result.at.date() == expected
    else:
        assert isinstance(result, Parsed) and result.at == at(2026, 4, 11)


def test_next_weekday_within_this_week_is_asked() -> None:
    tuesday = at(2026, 4, 7, 9, 0)
    result = ambiguous("next friday", now=tuesday)
    assert [o.at for o in result.options] == [at(2026, 4, 10), at(2026, 4, 17)]


def test_next_weekday_in_the_following_week_is_clear() -> None:
    assert parsed("next monday").at == at(2026, 4, 13)
    assert parsed("next friday").at == at(2026, 4, 17)  # said on a Friday


def test_weekday_that_contradicts_the_date_is_asked() -> None:
    result = ambiguous("thursday 4/17")
    assert {o.at for o in result.options} == {at(2026, 4, 16), at(2026, 4, 17)}


# -- the seed story: "bring a gun after school ... on April 12" ------------------------------------------------


def test_after_school_on_a_school_day_is_that_days_dismissal(site: Site) -> None:
    result = parsed("4/14 after school", site=site)
    assert result.kind == "site_window"
    assert result.at == at(2026, 4, 14, 15, 10)
    assert result.description == "Tuesday 14 April 2026, 15:10 (dismissal at Northview High School)"


def test_after_school_uses_the_weekday_schedule(site: Site) -> None:
    assert parsed("4/17 after school", site=site).at == at(2026, 4, 17, 14, 0)  # Friday: 14:00


def test_after_school_on_an_early_release_day(site: Site) -> None:
    result = parsed(f"{EARLY_RELEASE_DAY.month}/{EARLY_RELEASE_DAY.day} after school", site=site)
    assert result.at == at(2026, 4, 15, 12, 30)
    assert "early release" in result.description


def test_after_school_on_april_12_2026_a_sunday_is_rejected_with_advice(site: Site) -> None:
    message = rejected("4/12 after school", site=site).message
    assert "Northview High School" in message and "Sunday 12 April 2026" in message
    assert "type the time" in message


def test_seed_story_phrase_in_2018_when_april_12_was_a_thursday(site: Site) -> None:
    # In 2018 (the year of the seed story) 12 April was a Thursday; "the previous day" was the 11th.
    now_2018 = datetime(2018, 4, 11, 10, 0, tzinfo=CHICAGO)
    result = parsed("April 12 after school", now=now_2018, site=site)
    assert result.at == datetime(2018, 4, 12, 15, 10, tzinfo=CHICAGO)
    assert result.description == "Thursday 12 April 2018, 15:10 (dismissal at Northview High School)"


def test_after_school_without_a_site_asks_for_the_site() -> None:
    result = ambiguous("after school")
    assert "site" in result.message and result.options == ()


def test_after_school_today_before_dismissal(site: Site) -> None:
    assert parsed("after school", site=site).at == at(2026, 4, 10, 14, 0)


def test_after_school_today_after_dismissal_is_asked(site: Site) -> None:
    result = ambiguous("after school", now=at(2026, 4, 10, 16, 0), site=site)
    assert [o.at for o in result.options] == [at(2026, 4, 10, 14, 0), at(2026, 4, 13, 15, 10)]


def test_after_school_on_a_weekend_offers_the_next_school_day(site: Site) -> None:
    result = ambiguous("after school", now=at(2026, 4, 11, 10, 0), site=site)
    assert [o.at for o in result.options] == [at(2026, 4, 13, 15, 10)]


def test_explicit_time_wins_over_the_window(site: Site) -> None:
    assert parsed("4/14 after school at 3", site=site).at == at(2026, 4, 14, 15, 0)


def test_lunch_from_the_site_or_noon_with_a_note(site: Site) -> None:
    with_site = parsed("4/14 lunch", site=site)
    assert (with_site.kind, with_site.at) == ("site_window", at(2026, 4, 14, 11, 45))
    without = parsed("4/14 lunch")
    assert without.at == at(2026, 4, 14, 12, 0)
    assert "assumed" in without.description


def test_morning_and_first_period() -> None:
    assert parsed("tomorrow morning").at == at(2026, 4, 11, 7, 0)
    assert "confirm" in parsed("4/14 first period").description


# -- ambiguity -----------------------------------------------------------------------------------------------


def test_hour_without_am_pm_is_asked() -> None:
    result = ambiguous("4/14 3:00")
    assert [o.at for o in result.options] == [at(2026, 4, 14, 3, 0), at(2026, 4, 14, 15, 0)]
    assert "am or pm" in result.message


def test_bare_twelve_is_asked() -> None:
    result = ambiguous("12")
    assert at(2026, 4, 10, 12, 0) in [o.at for o in result.options]
    assert at(2026, 4, 12) in [o.at for o in result.options]  # or the 12th


def test_bare_time_already_passed_today_is_asked() -> None:
    result = ambiguous("08:00")
    assert [o.at for o in result.options] == [at(2026, 4, 10, 8, 0), at(2026, 4, 11, 8, 0)]


# -- rejection -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("2/30", "February has no day 30. Check the date (month/day)."),
        ("2/30 3pm", "February has no day 30"),
        ("4/31", "April has no day 31"),
        ("13/45", "month must be 1–12"),
        ("25/12", "did you mean 12/25"),
        ("25:00", "hours go 0–23"),
        ("4/12 15:75", "minutes 0–59"),
        ("13:10pm", "mixes the 24-hour clock and am/pm"),
        ("2/29", "no day 29"),
        ("4/12/1999", "year 1999"),
        ("purple monkey", "Could not read 'purple monkey'"),
        ("45", "neither an hour nor a day"),
        ("x" * (MAX_INPUT_CHARS + 1), "too long"),
    ],
)
def test_rejections_say_what_is_wrong(text: str, needle: str) -> None:
    assert needle in rejected(text).message


# -- years ---------------------------------------------------------------------------------------------------


def test_yearless_date_is_the_next_occurrence() -> None:
    assert parsed("1/5 10am").at == at(2027, 1, 5, 10, 0)  # 95 days ago: next year
    assert parsed("3/20 10am").at == at(2026, 3, 20, 10, 0)  # 21 days ago: reported late, this year


def test_leap_day_in_a_leap_year() -> None:
    assert parsed("2/29 10am", now=at(2028, 2, 1, 9, 0)).at == at(2028, 2, 29, 10, 0)


# -- countdown -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(hours=3, minutes=10, seconds=59), "in 3 h 10 min"),
        (timedelta(seconds=45), "in 45 s"),
        (-timedelta(minutes=12), "passed 12 min ago"),
        (timedelta(days=2, hours=4, minutes=30), "in 2 days 4 h"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(hours=5), "in 5 h"),
        (timedelta(0), "now"),
    ],
)
def test_countdown(delta: timedelta, words: str) -> None:
    assert describe_countdown(NOW + delta, NOW) == words


def test_countdown_across_daylight_saving_counts_real_time() -> None:
    before = datetime(2026, 3, 7, 12, 0, tzinfo=CHICAGO)  # clocks spring forward on 8 March 2026
    after = datetime(2026, 3, 8, 12, 0, tzinfo=CHICAGO)
    assert describe_countdown(after, before) == "in 23 h"


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_threatened_time("4/12", now=datetime(2026, 4, 10, 9, 0))


def test_site_without_schedule(site: Site) -> None:
    hall = Site(site_id=9, name="Civic Arena", kind=TargetKind.EVENT_VENUE, address="1 Arena Way", division="East")
    message = rejected("4/14 after school", site=hall).message
    assert "Civic Arena" in message
    assert parsed("4/14 15:00", site=hall).at == at(2026, 4, 14, 15, 0)
    assert time(15, 10) == site.dismissal_on(date(2026, 4, 14))
