"""Reading the threatened time the way a caller says it.

Callers rarely give a timestamp. They say "after school on the 12th", "tomorrow at 3", "Friday". A wrong guess here
moves the countdown that decides how fast units converge, so this parser follows three rules:

* **Understand the common phrasings** (see below) and describe the result in words, so the call-taker can read
  it back to the caller ("Thursday 16 April 2026, 15:10 (dismissal at Northview High School)").
* **Never guess silently.** When a phrase has more than one sensible reading ("3:00" am or pm, "Friday" said on a
  Friday, "after school" without a site, a bare "12") the result is :class:`Ambiguous`, carrying a question and the
  readings to choose from.
* **Never fail on input.** Whatever is typed or pasted (any Unicode, control characters, 100 000 characters) gives
  :class:`Parsed`, :class:`Ambiguous` or :class:`Rejected`; never an exception, never a hang. Inputs are bounded to
  :data:`MAX_INPUT_CHARS` before any regular expression runs, and every pattern is linear.

The center is in the US, so numeric dates are month/day ("4/12" is 12 April). Understood phrasings (case-insensitive,
combinable as "<date> <time or window>"):

=========================  ============================================================================
Dates                      ``2026-04-12``, ``4/12``, ``4/12/2026``, ``4/12/26``, ``April 12``, ``12 April``,
                           ``Apr 12th 2026``, ``the 12th``, ``today``, ``tonight``, ``tomorrow``,
                           ``day after tomorrow``, ``friday``/``fri``, ``this friday``, ``next monday``
Times                      ``15:10``, ``3:10pm``, ``3 pm``, ``3:10 p.m.``, ``1510``, ``15h10``, ``noon``,
                           ``midnight``; ``3:00`` without am/pm is asked (a leading zero, ``03:00``, or an hour
                           of 0 or 13–23 means the 24-hour clock)
Windows                    ``after school`` / ``dismissal`` (the site's dismissal that day, via
                           :meth:`Site.dismissal_on`), ``lunch`` (the site's lunch, else 12:00 with a note),
                           ``morning``, ``first period`` / ``before school`` (07:00, noted), ``afternoon``
                           (12:00), ``evening`` / ``tonight`` (18:00)
Unknown                    empty, ``unknown``, ``don't know``, ``not sure``, ``n/a``, ``?``
=========================  ============================================================================

A date without a year is its next occurrence: this year, unless that is more than
:data:`PAST_DATE_TOLERANCE_DAYS` days ago, then next year. A time already passed is allowed (a caller may report late)
and the description says "(already passed)"; a bare time already passed today is asked (today or tomorrow?).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeAlias

from dispatch_console.domain.sites import Site

MAX_INPUT_CHARS = 200
"""Longer inputs are rejected before parsing: nobody types a threatened time that long, and it bounds the work."""

PAST_DATE_TOLERANCE_DAYS = 30
"""A yearless date up to this many days ago is this year's (reported late); older means next year's."""

YEARS_AHEAD = 2
"""An explicit year beyond this many years ahead (or before last year) is almost certainly a typo."""

ParseKind: TypeAlias = Literal["exact", "site_window", "day", "unknown"]

MORNING_START = time(7, 0)
AFTERNOON_START = time(12, 0)
DEFAULT_LUNCH = time(12, 0)
EVENING_START = time(18, 0)

_INTERNAL_ERROR_MESSAGE = (
    "The threatened time could not be read. Type it as e.g. '4/12 3:10pm', 'tomorrow 15:10' or 'unknown'."
)
_EXAMPLES = "Type e.g. '4/12 3:10pm', 'tomorrow 15:10', 'friday after school' or 'unknown'."

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    """One reading of the threatened time.

    Attributes:
        at: The moment the countdown runs to, in the center's zone; ``None`` only for kind ``"unknown"``. For a
            window ("after school", "tonight") it is the window's start; for a whole day it is the day's first
            minute, the earliest moment the threat could be carried out.
        description: The reading in words, to be read back to the caller.
        kind: ``"exact"`` (a stated clock time), ``"site_window"`` (taken from the site directory),
            ``"day"`` (a day or a generic window of a day) or ``"unknown"``.
    """

    at: datetime | None
    description: str
    kind: ParseKind


@dataclass(frozen=True)
class Ambiguous:
    """More than one sensible reading: the call-taker must ask the caller.

    Attributes:
        message: The question to ask, in words.
        options: The readings to choose from; empty when more information is needed first (e.g. the site).
    """

    message: str
    options: tuple[Parsed, ...]


@dataclass(frozen=True)
class Rejected:
    """The text is not a possible time.

    Attributes:
        message: What is wrong and how to fix it; never empty.
    """

    message: str


TimeParse: TypeAlias = Parsed | Ambiguous | Rejected

UNKNOWN = Parsed(at=None, description="Unknown (not stated)", kind="unknown")


def parse_threatened_time(text: str, *, now: datetime, site: Site | None = None) -> TimeParse:
    """Read a threatened time as typed by the call-taker.

    Args:
        text: What the caller said, e.g. ``"4/12 after school"``. Any string is accepted.
        now: The current moment, timezone-aware, in the center's zone; results are in ``now.tzinfo``.
        site: The target site if chosen; needed for "after school" and used for "lunch".

    Returns:
        :class:`Parsed`, :class:`Ambiguous` or :class:`Rejected`; never raises for any ``text``.

    Raises:
        ValueError: If ``now`` is naive: that is a programming error, not a typing error.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(text, str):
        return Rejected(_INTERNAL_ERROR_MESSAGE)
    if len(text) > MAX_INPUT_CHARS:
        return Rejected(
            f"The threatened time is too long ({len(text)} characters; at most {MAX_INPUT_CHARS}). "
            "Type only the date and time, e.g. '4/12 3:10pm'; put the rest in the narrative."
        )
    try:
        return _Parser(now, site).parse(text)
    except Exception:  # a safety net: a bug in here must never cost the call-taker the form
        return Rejected(_INTERNAL_ERROR_MESSAGE)


def describe_countdown(at: datetime, now: datetime) -> str:
    """The time left before ``at`` in words, as the live countdown shows it.

    The difference is taken in UTC so that a daylight-saving change in between is counted correctly. Units are
    truncated (3 h 10 min 59 s reads "in 3 h 10 min"): a countdown must never promise more time than there is.

    Args:
        at: The threatened time (aware).
        now: The current moment (aware).

    Returns:
        E.g. ``"in 3 h 10 min"``, ``"in 45 s"``, ``"passed 12 min ago"``, ``"in 2 days 4 h"`` or ``"now"``.
    """
    seconds = int((at.astimezone(UTC) - now.astimezone(UTC)).total_seconds())
    if seconds == 0:
        return "now"
    body = _duration_words(abs(seconds))
    return f"in {body}" if seconds > 0 else f"passed {body} ago"


def _duration_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, rest = divmod(seconds, 86400)
    hours = rest // 3600
    day_word = "day" if days == 1 else "days"
    return f"{days} {day_word} {hours} h" if hours else f"{days} {day_word}"


def day_words(day: date) -> str:
    """``date(2026, 4, 16)`` -> ``"Thursday 16 April 2026"``; locale-independent, for read-back."""
    return f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


# --------------------------------------------------------------------------------------------------------------
# Patterns. Every one is anchored on simple character classes with bounded repetition: linear time on any input.

_UNKNOWN_PHRASES = frozenset(
    {
        "", "unknown", "unk", "dont know", "do not know", "doesnt know", "does not know", "caller doesnt know",
        "not known", "not sure", "unsure", "n/a", "na", "none", "no time", "no time given", "not stated",
        "not given", "?", "??", "???", "idk", "no idea", "unknown time", "time unknown", "-", "--",
    }
)  # fmt: skip

_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:\s(19\d\d|20\d\d)(?![\d:]))?"
_RE_ISO = re.compile(r"(?<![\d/])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/])", re.ASCII)
_RE_NUMERIC = re.compile(r"(?<![\d/:.])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])", re.ASCII)
_RE_MONTH_DAY = re.compile(rf"\b{_MONTH}\s?(\d{{1,2}}){_ORD}\b(?![:.h]\d){_YEAR}", re.ASCII)
_RE_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s(?:of\s)?{_MONTH}(?![a-z]){_YEAR}", re.ASCII)
_RE_ORDINAL = re.compile(r"\b(?:the\s)?(\d{1,2})(st|nd|rd|th)\b", re.ASCII)
_RE_RELATIVE = re.compile(
    r"\b(day after tomorrow|today|tonight|tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|"
    r"this (?:morning|afternoon|evening))\b",
    re.ASCII,
)
_RE_WEEKDAY = re.compile(
    r"\b(?:(next|this|on|coming)\s)?"
    r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
    r"\b",
    re.ASCII,
)
_AMPM = r"(?:\s?(a\.m\.?|p\.m\.?|am|pm|a|p)(?![a-z]))"
_RE_CLOCK = re.compile(rf"(?<![\d:/.])(\d{{1,2}})(?::|h|\.)(\d{{2}})(?::(\d{{2}}))?(?!\d){_AMPM}?", re.ASCII)
_RE_HOUR_AMPM = re.compile(rf"(?<![\d:/.])(\d{{1,2}}){_AMPM}", re.ASCII)
_RE_COMPACT = re.compile(r"(?<![\d:/.-])(\d{4})(?:\s?(?:hrs|hours|hr|h)\b)?(?![\d:/.-])", re.ASCII)
_RE_NOON = re.compile(r"\b(noon|midday|midnight)\b", re.ASCII)
_RE_BARE = re.compile(r"(?<![\d:/.-])(\d{1,3})(?![\d:/.-])", re.ASCII)

_WINDOWS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "dismissal",
        re.compile(
            r"\b(?:after[- ]?school|after class(?:es)?|at dismissal|after dismissal|dismissal|"
            r"when school (?:lets|gets) out|school(?:'s| is)? out|end of (?:the )?school(?: day)?)\b",
            re.ASCII,
        ),
    ),
    ("school_start", re.compile(r"\b(?:first period|1st period|before school|start of (?:the )?school(?: day)?)\b")),
    ("lunch", re.compile(r"\b(?:at )?lunch(?: ?time| break| period)?\b", re.ASCII)),
    ("morning", re.compile(r"\b(?:in the )?morning\b", re.ASCII)),
    ("afternoon", re.compile(r"\b(?:in the )?afternoon\b", re.ASCII)),
    ("evening", re.compile(r"\b(?:in the )?(?:evening|night)\b", re.ASCII)),
)
_PM_WINDOWS = frozenset({"dismissal", "lunch", "afternoon", "evening"})
_AM_WINDOWS = frozenset({"morning", "school_start"})

_FILLER = frozenset(
    {
        "at", "on", "around", "about", "approx", "approximately", "roughly", "by", "the", "of", "in", "@", "~",
        "-", "--", "and", "time", "date", "sometime", "some", "maybe", "probably", "o'clock", "oclock", "ish",
        "from", "before", "after", "til", "until", "circa", "ca", "est", "abt",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Clock:
    """One or more readings of a clock time, with the question to ask when there are several."""

    readings: tuple[time, ...]
    question: str = ""


class _Parser:
    """One parse: holds ``now`` and the site so the helpers stay short."""

    def __init__(self, now: datetime, site: Site | None) -> None:
        self.now = now
        self.tz = now.tzinfo
        self.today = now.date()
        self.site = site

    # -- entry ---------------------------------------------------------------------------------------------

    def parse(self, raw: str) -> TimeParse:
        text = _normalise(raw)
        if text.replace("'", "") in _UNKNOWN_PHRASES:
            return UNKNOWN

        # 1. Dates (explicit ones first, so "2026" inside "4/12/2026" is never read as a time).
        dates: list[tuple[date, str]] = []
        weekday: tuple[int, str, str] | None = None
        window: str | None = None
        text, found = _take(_RE_ISO, text)
        for m in found:
            result = self._explicit_date(m.group(0), int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if isinstance(result, Rejected):
                return result
            dates.append((result, m.group(0)))
        text, found = _take(_RE_NUMERIC, text)
        for m in found:
            year = _year(m.group(3))
            result = self._explicit_date(m.group(0), year, int(m.group(1)), int(m.group(2)))
            if isinstance(result, Rejected):
                return result
            dates.append((result, m.group(0)))
        for pattern, month_group, day_group in ((_RE_DAY_MONTH, 2, 1), (_RE_MONTH_DAY, 1, 2)):
            text, found = _take(pattern, text)
            for m in found:
                month = _month_number(m.group(month_group))
                result = self._explicit_date(m.group(0), _year(m.group(3)), month, int(m.group(day_group)))
                if isinstance(result, Rejected):
                    return result
                dates.append((result, m.group(0)))
        text, found = _take(_RE_RELATIVE, text)
        for m in found:
            word = m.group(1)
            if word == "day after tomorrow":
                dates.append((self.today + timedelta(days=2), word))
            elif word.startswith(("to", "tm")) and word not in ("today", "tonight"):
                dates.append((self.today + timedelta(days=1), word))
            else:
                dates.append((self.today, word))
                if word == "tonight" or word.endswith("evening"):
                    window = "evening"
                elif word.endswith("morning"):
                    window = "morning"
                elif word.endswith("afternoon"):
                    window = "afternoon"
        text, found = _take(_RE_WEEKDAY, text)
        if len(found) > 1:
            return Rejected(f"More than one weekday given ({', '.join(m.group(0) for m in found)}). {_EXAMPLES}")
        if found:
            weekday = (_weekday_number(found[0].group(2)), found[0].group(1) or "", found[0].group(0))
        if not dates:
            text, found = _take(_RE_ORDINAL, text)
            for m in found:
                result = self._day_of_month(m.group(0), int(m.group(1)))
                if isinstance(result, Rejected):
                    return result
                dates.append((result, m.group(0)))

        # 2. Windows tied to the day or the site.
        for name, pattern in _WINDOWS:
            text, found = _take(pattern, text)
            if found:
                if (window in _AM_WINDOWS and name in _PM_WINDOWS) or (window in _PM_WINDOWS and name in _AM_WINDOWS):
                    return Rejected(f"Both a morning and a later part of the day were given. Keep one. {_EXAMPLES}")
                window = window or name

        # 3. Clock times.
        clocks: list[_Clock | Rejected] = []
        text, found = _take(_RE_CLOCK, text)
        clocks += [self._clock(m.group(0), m.group(1), int(m.group(2)), m.group(4), window) for m in found]
        text, found = _take(_RE_HOUR_AMPM, text)
        clocks += [self._clock(m.group(0), m.group(1), 0, m.group(2), window) for m in found]
        text, found = _take(_RE_COMPACT, text)
        for m in found:
            digits = m.group(1)
            clocks.append(
                self._clock(
                    m.group(0), "0" + digits[:2] if digits[0] != "0" else digits[:2], int(digits[2:]), None, window
                )
            )
        text, found = _take(_RE_NOON, text)
        clocks += [_Clock((time(0, 0) if m.group(1) == "midnight" else time(12, 0),)) for m in found]
        for piece in clocks:
            if isinstance(piece, Rejected):
                return piece
        if len(clocks) > 1:
            return Rejected(f"More than one time given. Keep one, e.g. '4/12 3:10pm'. {_EXAMPLES}")

        bare: int | None = None
        bare_raw = ""
        if not clocks:
            text, found = _take(_RE_BARE, text)
            if len(found) > 1:
                return Rejected(f"Could not read the numbers '{' '.join(m.group(0) for m in found)}'. {_EXAMPLES}")
            if found:
                bare, bare_raw = int(found[0].group(1)), found[0].group(1)

        # 4. Anything left must be filler words.
        leftover = [w for w in text.split() if w not in _FILLER]
        if leftover:
            shown = " ".join(leftover)
            if len(shown) > 40:
                shown = shown[:40] + "…"
            return Rejected(f"Could not read '{shown}' as part of a date or time. {_EXAMPLES}")

        clock = clocks[0] if clocks and isinstance(clocks[0], _Clock) else None
        return self._combine(dates, weekday, window, clock, bare, bare_raw)

    # -- pieces --------------------------------------------------------------------------------------------

    def _explicit_date(self, raw: str, year: int | None, month: int, day: int) -> date | Rejected:
        if not 1 <= month <= 12:
            if 1 <= day <= 12 and 1 <= month <= 31:
                return Rejected(
                    f"There is no month {month} in '{raw}'. Dates are month/day: did you mean {day}/{month}?"
                )
            return Rejected(
                f"'{raw}' is not a date: the month must be 1–12 and the day 1–31. Type month/day, e.g. 4/12."
            )
        month_name = _MONTH_NAMES[month - 1]
        if year is not None and not self.today.year - 1 <= year <= self.today.year + YEARS_AHEAD:
            return Rejected(
                f"The year {year} in '{raw}' looks wrong for a threatened time. Check the year, or leave it out "
                "(the next occurrence of the date is used)."
            )
        if day < 1 or day > 31:
            return Rejected(f"{month_name} has no day {day}. Check the date (month/day).")
        if year is None:
            year = self.today.year
            if (
                day <= calendar.monthrange(year, month)[1]
                and (self.today - date(year, month, day)).days > PAST_DATE_TOLERANCE_DAYS
            ):
                year += 1
        last = calendar.monthrange(year, month)[1]
        if day > last:
            if month == 2 and day == 29:
                return Rejected(
                    f"February {year} has no day 29 ({year} is not a leap year). Check the date (month/day)."
                )
            return Rejected(f"{month_name} has no day {day}. Check the date (month/day).")
        return date(year, month, day)

    def _day_of_month(self, raw: str, day: int) -> date | Rejected:
        if not 1 <= day <= 31:
            return Rejected(f"There is no day {day} in a month ('{raw}'). Type the date as month/day, e.g. 4/12.")
        year, month = self.today.year, self.today.month
        for _ in range(3):
            if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= self.today:
                return date(year, month, day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return Rejected(f"No month soon has a day {day}. Type the date as month/day, e.g. 4/12.")  # pragma: no cover

    def _clock(
        self, raw: str, hour_text: str, minute: int, ampm: str | None, window: str | None
    ) -> _Clock | Rejected:
        hour = int(hour_text)
        if ampm:
            if not 1 <= hour <= 12 or minute > 59:
                if 13 <= hour <= 23 and minute <= 59:
                    return Rejected(
                        f"'{raw}' mixes the 24-hour clock and am/pm. Type {hour}:{minute:02d} "
                        f"or {hour - 12}:{minute:02d}{ampm[0]}m."
                    )
                return Rejected(f"'{raw}' is not a time: with am/pm the hour is 1–12 and minutes 0–59. {_EXAMPLES}")
            afternoon = ampm.startswith("p")
            return _Clock((time(hour % 12 + (12 if afternoon else 0), minute),))
        if hour > 23 or minute > 59:
            return Rejected(f"'{raw}' is not a time: hours go 0–23 and minutes 0–59. Type e.g. 15:10 or 3:10pm.")
        if hour == 0 or hour >= 13 or hour_text.startswith("0"):
            return _Clock((time(hour, minute),))
        # 1..12 without am/pm: let a stated window decide, else ask.
        am, pm = time(hour % 12, minute), time(hour % 12 + 12, minute)
        if window in _AM_WINDOWS:
            return _Clock((am,))
        if window in _PM_WINDOWS:
            return _Clock((pm,) if not (window == "lunch" and hour == 12) else (time(12, minute),))
        label = f"{hour}:{minute:02d}"
        if hour == 12:
            return _Clock((pm, am), f"{label}: noon or midnight?")
        return _Clock((am, pm), f"{label}: am or pm?")

    def _weekday_dates(self, weekday: int, qualifier: str, raw: str) -> tuple[list[date], str]:
        ahead = (weekday - self.today.weekday()) % 7
        coming = self.today + timedelta(days=ahead)
        name = _WEEKDAY_NAMES[weekday]
        if qualifier == "next":
            if ahead == 0:
                return [self.today + timedelta(days=7)], ""
            week_end = self.today + timedelta(days=6 - self.today.weekday())
            if coming <= week_end:  # "next Friday" said on a Tuesday: this week's or the week after?
                return [coming, coming + timedelta(days=7)], (
                    f"'{raw}': this coming {name} ({day_words(coming)}) or the one after "
                    f"({day_words(coming + timedelta(days=7))})?"
                )
            return [coming], ""
        if ahead == 0 and qualifier != "this":
            return [self.today, self.today + timedelta(days=7)], f"'{raw}' said on a {name}: today or next week?"
        return [coming], ""

    # -- combining -----------------------------------------------------------------------------------------

    def _combine(
        self,
        dates: list[tuple[date, str]],
        weekday: tuple[int, str, str] | None,
        window: str | None,
        clock: _Clock | None,
        bare: int | None,
        bare_raw: str,
    ) -> TimeParse:
        questions: list[str] = []
        implicit_date = False
        distinct = sorted({d for d, _ in dates})
        if len(distinct) > 1:
            readings = ", ".join(f"'{raw}' = {day_words(d)}" for d, raw in dates)
            questions.append(f"The dates given disagree ({readings}): which is meant?")
        candidates: list[date] = distinct
        if weekday is not None:
            number, qualifier, raw = weekday
            if candidates:
                mismatched = [d for d in candidates if d.weekday() != number]
                if mismatched:
                    week_dates, _ = self._weekday_dates(number, qualifier, raw)
                    questions.append(f"'{raw}' does not match {day_words(mismatched[0])}: which day is meant?")
                    candidates = sorted(set(candidates) | set(week_dates))
            else:
                candidates, question = self._weekday_dates(number, qualifier, raw)
                if question:
                    questions.append(question)

        if bare is not None:
            if not (candidates or window) or bare > 23:
                return self._bare_number(candidates, window, bare, bare_raw, questions)
            # With a day or a window stated, a lone number is an hour ("tomorrow at 3", "4/12 after school at 3").
            built = self._clock(bare_raw, bare_raw, 0, None, window)
            if isinstance(built, Rejected):
                return built
            clock = built

        if not candidates:
            implicit_date = True
            candidates = [self.today]

        options: list[Parsed] = []
        if clock is not None:
            if len(clock.readings) > 1:
                questions.append(clock.question)
            for day in candidates:
                for reading in clock.readings:
                    options.append(self._exact(day, reading))
        elif window is not None:
            result = self._window_options(candidates, window, implicit_date, questions)
            if not isinstance(result, list):
                return result
            options = result
        else:
            if implicit_date:  # only filler words: nothing was said
                return UNKNOWN
            options = [self._whole_day(day) for day in candidates]

        if implicit_date and clock is not None and len(options) == 1 and options[0].at is not None:
            only = options[0]
            assert only.at is not None
            if only.at < self.now:
                tomorrow = self._exact(self.today + timedelta(days=1), only.at.time())
                questions.append(f"{only.at:%H:%M} today has already passed: today or tomorrow?")
                options = [only, tomorrow]
        return self._result(options, questions)

    def _result(self, options: list[Parsed], questions: list[str]) -> TimeParse:
        unique: list[Parsed] = []
        for option in options:
            if option not in unique:
                unique.append(option)
        if len(unique) == 1 and not questions:
            return unique[0]
        message = " ".join(q for q in questions if q) or "More than one reading: ask the caller which is meant."
        return Ambiguous(message, tuple(unique))

    def _bare_number(
        self, candidates: list[date], window: str | None, number: int, raw: str, questions: list[str]
    ) -> TimeParse:
        """A lone number with no day or window stated: an hour (either half of the day) or a day of the month."""
        options: list[Parsed] = []
        if number <= 23:
            built = self._clock(raw, raw, 0, None, window)
            if isinstance(built, _Clock):
                options += [self._exact(self.today, reading) for reading in built.readings]
        if 1 <= number <= 31:
            result = self._day_of_month(raw, number)
            if isinstance(result, date):
                options.append(self._whole_day(result))
        if not options:
            return Rejected(f"'{raw}' is neither an hour nor a day of the month. {_EXAMPLES}")
        questions.append(f"'{raw}' alone is unclear: which time or day is meant?")
        return self._result(options, questions)

    def _window_options(
        self, candidates: list[date], window: str, implicit_date: bool, questions: list[str]
    ) -> list[Parsed] | TimeParse:
        if window == "dismissal":
            site = self.site
            if site is None:
                return Ambiguous(
                    "'After school' depends on the school: choose the site first, or type the time (e.g. 3:10pm).",
                    (),
                )
            options = [p for p in (self._dismissal(site, d) for d in candidates) if p is not None]
            if not implicit_date:
                if not options:
                    day = candidates[0]
                    return Rejected(
                        f"{site.name} has no dismissal time on {day_words(day)} (no school that day?). Check the "
                        f"date, or type the time instead, e.g. '{day.month}/{day.day} 3:10pm'."
                    )
                return options
            today = options[0] if options else None
            if today is not None and today.at is not None and today.at >= self.now:
                return [today]
            upcoming = self._next_dismissal(site)
            if upcoming is None:
                return Rejected(
                    f"{site.name} has no dismissal time in the next two weeks in the directory. Type the time "
                    "instead, e.g. '4/12 3:10pm'."
                )
            if today is None:
                questions.append(
                    f"No dismissal at {site.name} today ({_WEEKDAY_NAMES[self.today.weekday()]}): is the next "
                    "school day meant?"
                )
                return [upcoming]
            questions.append(f"Today's dismissal at {site.name} has already passed: today or the next school day?")
            return [today, upcoming]
        options = [self._generic_window(d, window) for d in candidates]
        if implicit_date and len(options) == 1 and options[0].at is not None and window != "evening":
            only = options[0]
            assert only.at is not None
            if only.at < self.now and only.at.date() == self.today:
                later = self._generic_window(self.today + timedelta(days=1), window)
                questions.append(f"This {window.replace('_', ' ')} has already passed: today or tomorrow?")
                return [only, later]
        return options

    def _next_dismissal(self, site: Site) -> Parsed | None:
        for ahead in range(1, 15):
            found = self._dismissal(site, self.today + timedelta(days=ahead))
            if found is not None:
                return found
        return None

    def _dismissal(self, site: Site, day: date) -> Parsed | None:
        at_time = site.dismissal_on(day)
        if at_time is None:
            return None
        note = "early release" if day in site.early_release else "dismissal"
        return self._make(day, at_time, f"{note} at {site.name}", "site_window")

    def _generic_window(self, day: date, window: str) -> Parsed:
        if window == "lunch":
            if self.site is not None and self.site.lunch is not None:
                return self._make(day, self.site.lunch, f"lunch at {self.site.name}", "site_window")
            return self._make(day, DEFAULT_LUNCH, "lunch — no lunch time on file, 12:00 assumed; confirm", "day")
        if window == "school_start":
            note = "first period / start of school — not in the directory, from 07:00; confirm"
            return self._make(day, MORNING_START, note, "day")
        if window == "morning":
            return self._make(day, MORNING_START, "morning — time not stated, from 07:00", "day")
        if window == "afternoon":
            return self._make(day, AFTERNOON_START, "afternoon — time not stated, from 12:00", "day")
        start = datetime.combine(day, EVENING_START, tzinfo=self.tz)
        if day == self.today and start < self.now:
            under_way = self.now.replace(second=0, microsecond=0)
            return Parsed(under_way, f"{day_words(day)}, evening — already under way (from 18:00)", "day")
        return self._make(day, EVENING_START, "evening — time not stated, from 18:00", "day")

    def _exact(self, day: date, at_time: time) -> Parsed:
        return self._make(day, at_time, None, "exact")

    def _make(self, day: date, at_time: time, note: str | None, kind: ParseKind) -> Parsed:
        at = datetime.combine(day, at_time, tzinfo=self.tz)
        description = f"{day_words(day)}, {at_time:%H:%M}"
        if note:
            description += f" ({note})"
        if at < self.now:
            description += " (already passed)"
        return Parsed(at, description, kind)

    def _whole_day(self, day: date) -> Parsed:
        at = datetime.combine(day, time(0, 0), tzinfo=self.tz)
        description = f"{day_words(day)} (all day — time not stated)"
        if day < self.today:
            description += " (already passed)"
        return Parsed(at, description, "day")


# --------------------------------------------------------------------------------------------------------------
# Small helpers


def _normalise(raw: str) -> str:
    """Fold what people type into one spelling: NFKC (full-width digits), lower case, one space, no controls."""
    text = unicodedata.normalize("NFKC", raw)[: MAX_INPUT_CHARS * 4]
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(\d)t(\d)", r"\1 \2", text)  # ISO "2026-04-12T15:10"
    text = re.sub(r"[,;!\"()\[\]{}]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" .")


def _take(pattern: re.Pattern[str], text: str) -> tuple[str, list[re.Match[str]]]:
    """Remove every match of ``pattern`` from ``text`` (replaced by a space) and return the matches."""
    found = list(pattern.finditer(text))
    if found:
        text = pattern.sub(" ", text)
    return text, found


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_number(text: str) -> int:
    return next(i for i, name in enumerate(_MONTH_NAMES, start=1) if name.casefold().startswith(text[:3]))


def _weekday_number(text: str) -> int:
    return next(i for i, name in enumerate(_WEEKDAY_NAMES) if name.casefold().startswith(text[:3]))
