"""The answered time a call-taker types as a correction: clock times, minutes ago, and what is refused."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch_console.domain.answered import AnsweredTimeError, describe_answered, parse_answered_correction

CENTER = ZoneInfo("America/Chicago")
NOW = datetime(2027, 4, 11, 9, 0, 30, tzinfo=CENTER)


@pytest.mark.parametrize(("typed", "expected"), [
    ("8:58", datetime(2027, 4, 11, 8, 58, tzinfo=CENTER)),
    ("08:58:15", datetime(2027, 4, 11, 8, 58, 15, tzinfo=CENTER)),
    ("0858", datetime(2027, 4, 11, 8, 58, tzinfo=CENTER)),
    ("-5", datetime(2027, 4, 11, 8, 55, 30, tzinfo=CENTER)),
    ("5 min ago", datetime(2027, 4, 11, 8, 55, 30, tzinfo=CENTER)),
    ("23:59", datetime(2027, 4, 10, 23, 59, tzinfo=CENTER)),  # before midnight, within the shift
])
def test_a_correction_is_read_as_the_most_recent_such_moment(typed: str, expected: datetime) -> None:
    assert parse_answered_correction(typed, now=NOW) == expected


@pytest.mark.parametrize(("typed", "message"), [
    ("10:00", "10:00:00 is later than now: a call cannot be answered in the future. Type the time it was answered."),
    ("20:00", "20:00:00 is later than now: a call cannot be answered in the future. Type the time it was answered."),
    ("-800", "Sat 19:40 is more than 12 h ago. Type the time the call was answered (a recent one)."),
    ("soon", "'soon' is not a time. Type when the call was answered as 14:01 or 14:01:30, or as minutes ago (-5); "
             "leave it empty to keep the stamped time."),
])
def test_an_impossible_correction_says_what_to_type(typed: str, message: str) -> None:
    with pytest.raises(AnsweredTimeError) as refused:
        parse_answered_correction(typed, now=NOW)
    assert str(refused.value) == message


def test_the_answered_time_is_said_with_how_long_ago() -> None:
    assert describe_answered(datetime(2027, 4, 11, 8, 58, 12, tzinfo=CENTER), NOW) == "answered 08:58:12 (2 min ago)"
    assert describe_answered(NOW, NOW) == "answered 09:00:30 (just now)"
