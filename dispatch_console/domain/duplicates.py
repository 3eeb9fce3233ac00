"""Spotting the same threat reported twice, while the second caller is still on the line.

One threat often reaches 911 through many callers (a post shared across a school). Linking the reports keeps the
count honest and stops units being sent twice, but only a human can decide that two reports are the same threat:
this module proposes candidates with a reason, the call-taker links them.

Two reports are *possible duplicates* when either rule holds:

1. **Same target and time**: the same site (or, without a site, the same normalised target name or address), the
   threatened times equal or within :data:`TIME_TOLERANCE` of each other (or both unknown), and the other report was
   received within the last :data:`RECENT_WINDOW`.
2. **Very similar statement**: :class:`difflib.SequenceMatcher` ratio of at least :data:`SIMILARITY_THRESHOLD` on
   the casefolded, whitespace-collapsed statements (at most :data:`COMPARED_CHARS` characters of each are compared,
   after cheap length and character-multiset prefilters, so a 20 000-character statement stays fast).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dispatch_console.domain.threat import ThreatInput

TIME_TOLERANCE = timedelta(hours=2)
RECENT_WINDOW = timedelta(hours=72)
SIMILARITY_THRESHOLD = 0.85
COMPARED_CHARS = 1_000
MIN_STATEMENT_CHARS = 12
"""Shorter statements ("gun", "bomb threat") are too generic to call two reports the same."""

_ADDRESS_WORDS = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "parkway": "pkwy",
    "highway": "hwy",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "saint": "st",
    "school": "sch",
    "high": "hs",
}


@dataclass(frozen=True)
class DuplicateCandidateView:
    """What duplicate detection needs to know about one threat (the new one or an open one).

    Attributes:
        case_number: The case number; ``""`` for the report being typed.
        received_at: When the call was received (aware).
        site_id: The directory site, if chosen.
        target_name: The target's free name.
        target_address: The target's free address.
        threatened_at: The threatened time (aware), or ``None`` when unknown.
        statement: The verbatim statement.
    """

    case_number: str
    received_at: datetime
    site_id: int | None
    target_name: str
    target_address: str
    threatened_at: datetime | None
    statement: str


@dataclass(frozen=True)
class DuplicateMatch:
    """An open threat that may be the same as the new report, and why."""

    case_number: str
    reason: str


def candidate_from_input(t: ThreatInput, *, now: datetime) -> DuplicateCandidateView:
    """The view of the report being typed, received ``now``."""
    return DuplicateCandidateView(
        case_number="",
        received_at=now,
        site_id=t.site_id,
        target_name=t.target_name,
        target_address=t.target_address,
        threatened_at=t.threatened_at,
        statement=t.statement,
    )


def find_possible_duplicates(
    candidate: DuplicateCandidateView, open_threats: Iterable[DuplicateCandidateView], *, now: datetime
) -> list[DuplicateMatch]:
    """Open threats that may be the same threat as ``candidate``, best first.

    Args:
        candidate: The new report.
        open_threats: Open threats to compare with; the candidate's own case number is skipped.
        now: The current moment (aware), for the recency window.

    Returns:
        Matches ordered: same target and time first, then by statement similarity, then by case number.
    """
    own_statement = _statement_key(candidate.statement)
    own_targets = _target_keys(candidate)
    scored: list[tuple[int, float, str, DuplicateMatch]] = []
    for other in open_threats:
        if candidate.case_number and other.case_number == candidate.case_number:
            continue
        reasons: list[str] = []
        same_target_time = False
        age = _utc(now) - _utc(other.received_at)
        if age <= RECENT_WINDOW and own_targets & _target_keys(other):
            time_words = _time_agreement(candidate.threatened_at, other.threatened_at)
            if time_words is not None:
                same_target_time = True
                reasons.append(time_words)
        similarity = _similarity(own_statement, _statement_key(other.statement))
        if similarity >= SIMILARITY_THRESHOLD:
            reasons.append(f"very similar statement ({round(similarity * 100)} %)")
        if reasons:
            match = DuplicateMatch(other.case_number, "; ".join(reasons))
            scored.append((0 if same_target_time else 1, -similarity, other.case_number, match))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored]


def _time_agreement(a: datetime | None, b: datetime | None) -> str | None:
    if a is None and b is None:
        return "same target, both threatened times unknown"
    if a is None or b is None:
        return None
    gap = abs(_utc(a) - _utc(b))
    if gap == timedelta(0):
        return "same target and threatened time"
    if gap <= TIME_TOLERANCE:
        minutes = int(gap.total_seconds() // 60)
        apart = f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
        return f"same target, threatened times {apart} apart"
    return None


def _target_keys(view: DuplicateCandidateView) -> frozenset[str]:
    keys: set[str] = set()
    if view.site_id is not None:
        keys.add(f"site:{view.site_id}")
    for prefix, text in (("name", view.target_name), ("addr", view.target_address)):
        key = normalise_target(text)
        if key:
            keys.add(f"{prefix}:{key}")
    return frozenset(keys)


def normalise_target(text: str) -> str:
    """A target name or address in a canonical form: "Northview High School, 1200 N. Main Street" and
    "northview high school 1200 n main st" agree."""
    folded = unicodedata.normalize("NFKC", text[:1000]).casefold()
    words = re.findall(r"\w+", folded)
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in words)


def _statement_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _similarity(a: str, b: str) -> float:
    if len(a) < MIN_STATEMENT_CHARS or len(b) < MIN_STATEMENT_CHARS:
        return 0.0
    a, b = a[:COMPARED_CHARS], b[:COMPARED_CHARS]
    shorter, longer = sorted((len(a), len(b)))
    if 2 * shorter / (shorter + longer) < SIMILARITY_THRESHOLD:  # the ratio can never reach the threshold
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.quick_ratio() < SIMILARITY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
