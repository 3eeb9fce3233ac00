"""When the call was answered: shown ticking on the form, corrected by keyboard, checked before it is stored.

Every response-time figure in Reports (call → first notification, call → first acknowledgement) starts at this
moment, so it must be the call's own time: the form stamps it at the first keystroke into an empty report (or the
explicit "call answered" key), not when the form was last cleared. The call may have been answered on another screen
first, so the call-taker can correct it; a correction is typed as a clock time ("14:01", "14:01:30", "1401") or as
minutes ago ("-5", "5 min ago"), and is stored with the original stamp and audited.

A correction may only move the time back, by at most :data:`MAX_CORRECTION` (a call-taker's shift): a later time
would be a time the call had not yet been answered, and "07:00" typed at 06:50 means yesterday's 07:00 only if that
is within the shift, otherwise it is a typo.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dispatch_console.domain.timeparse import describe_countdown

MAX_CORRECTION = timedelta(hours=12)
"""How far back an answered time may be set: a shift; anything older is a typo, not a call still on the line."""

FUTURE_TOLERANCE = timedelta(seconds=60)
"""Clocks of two consoles may differ a little; an answered time up to this far ahead of ``now`` is accepted."""

_CLOCK = re.compile(r"^(\d{1,2})(?::?(\d{2}))(?::(\d{2}))?$")
_AGO = re.compile(r"^-?\s*(\d{1,3})\s*(?:m|min|mins|minutes?)?(?:\s+ago)?$")


class AnsweredTimeError(ValueError):
    """The text is not a possible answered time; the message says what to type instead."""


def parse_answered_correction(text: str, *, now: datetime) -> datetime:
    """The answered time the call-taker typed, as an aware moment in ``now``'s zone.

    Args:
        text: ``"14:01"``, ``"14:01:30"``, ``"1401"`` (the most recent such time, today or yesterday), or minutes
            ago: ``"-5"``, ``"5 min ago"``.
        now: The current moment (aware, in the center's zone).

    Returns:
        The moment, never after ``now`` and at most :data:`MAX_CORRECTION` before it.

    Raises:
        AnsweredTimeError: With a message saying how to type it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cleaned = " ".join(text.strip().lower().split())[:40]
    moment: datetime | None = None
    clock = _CLOCK.match(cleaned)
    ago = _AGO.match(cleaned) if clock is None else None
    if clock is not None and (cleaned.count(":") or len(cleaned) == 4):
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour < 24 and minute < 60 and second < 60:
            moment = now.replace(hour=hour, minute=minute, second=second, microsecond=0)
            if moment > now + FUTURE_TOLERANCE and now - (moment - timedelta(days=1)) <= MAX_CORRECTION:
                moment -= timedelta(days=1)  # "23:58" typed at 00:03: the call came in before midnight
    elif ago is not None and (cleaned.startswith("-") or "ago" in cleaned or "m" in cleaned):
        moment = (now - timedelta(minutes=int(ago.group(1)))).replace(microsecond=0)
    if moment is None:
        shown = text.strip()[:20]
        raise AnsweredTimeError(f"'{shown}' is not a time. Type when the call was answered as 14:01 or 14:01:30, or "
                                "as minutes ago (-5); leave it empty to keep the stamped time.")
    return check_answered(moment, now=now)


def check_answered(moment: datetime, *, now: datetime) -> datetime:
    """``moment`` if it is a possible answered time at ``now``.

    Raises:
        AnsweredTimeError: If it is in the future or more than :data:`MAX_CORRECTION` ago.
    """
    if moment.tzinfo is None:
        raise AnsweredTimeError("The answered time has no time zone (internal error). Press the answered key again.")
    if moment > now + FUTURE_TOLERANCE:
        raise AnsweredTimeError(f"{moment.astimezone(now.tzinfo):%H:%M:%S} is later than now: a call cannot be "
                                "answered in the future. Type the time it was answered.")
    if now - moment > MAX_CORRECTION:
        hours = int(MAX_CORRECTION.total_seconds() // 3600)
        raise AnsweredTimeError(f"{moment.astimezone(now.tzinfo):%a %H:%M} is more than {hours} h ago. Type the time "
                                "the call was answered (a recent one).")
    return moment


def describe_answered(moment: datetime, now: datetime) -> str:
    """``"answered 14:03:12 (2 min ago)"``: what the form shows, ticking every second."""
    left = describe_countdown(moment, now)
    ago = "just now" if left in ("now",) or left.startswith("in ") else left.removeprefix("passed ")
    return f"answered {moment.astimezone(now.tzinfo):%H:%M:%S} ({ago})"
