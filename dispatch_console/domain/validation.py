"""Checking an intake form without ever blocking a call-taker who is still talking.

A threat report is saveable as soon as it names a target and holds the statement: everything else can follow while
units are already moving. So only those two are *required*; every other message is about a value that is wrong
(a phone number that cannot be dialled, a date of birth in the future). Every message says what is wrong **and how
to fix it**, and errors are returned as a mapping, never raised, so the form can show them all next to their fields.

Text is cleaned rather than refused: control characters (pasted from chat apps, terminals, PDFs) are stripped by
:func:`clean_text`, because a stray ``\\x00`` must not cost a report.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from dispatch_console.domain.threat import SuspectInput, ThreatInput

STATEMENT_LIMIT = 20_000
NARRATIVE_LIMIT = 50_000
NAME_LIMIT = 200
ADDRESS_LIMIT = 300
LIMITS: dict[str, int] = {
    "caller_name": NAME_LIMIT,
    "callback_number": 50,
    "evidence": 2_000,
    "target_name": NAME_LIMIT,
    "target_address": ADDRESS_LIMIT,
    "division": 100,
    "named_persons": 2_000,
    "threatened_text": 200,
    "statement": STATEMENT_LIMIT,
    "narrative": NARRATIVE_LIMIT,
    "linked_to": 50,
    "cad_number": 40,
}
"""Longest accepted text per ``ThreatInput`` field, in characters after :func:`clean_text`."""

SUSPECT_LIMITS: dict[str, int] = {
    "name": NAME_LIMIT,
    "school": NAME_LIMIT,
    "grade": 20,
    "description": 2_000,
    "social_handles": 1_000,
}
"""Longest accepted text per ``SuspectInput`` field."""

MIN_AGE = 5
MAX_AGE = 120
AGE_MISMATCH_TOLERANCE = 1
"""A stated age may lag the date of birth by a year (the caller's knowledge is rarely current)."""

TARGET_FIELD = "target_name"
"""The field that carries the "no target" message: the form's target box (site type-ahead or free name)."""

_FIELD_LABELS = {
    "caller_name": "Caller name",
    "callback_number": "Callback number",
    "evidence": "Evidence",
    "target_name": "Target name",
    "target_address": "Target address",
    "division": "Division",
    "named_persons": "Named persons",
    "threatened_text": "Threatened time",
    "statement": "Statement",
    "narrative": "Narrative",
    "linked_to": "Linked case number",
    "cad_number": "CAD event number",
    "name": "name",
    "school": "school",
    "grade": "grade",
    "description": "description",
    "social_handles": "social-media handles",
}
_KEPT_CONTROLS = frozenset("\n\t")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MAX_PHONE_CHARS = 50


def clean_text(s: str, limit: int) -> str:
    """Make typed or pasted text safe to store, show and export; never raises.

    Removes control characters except newline and tab (a carriage return becomes a newline), unpaired surrogates
    (which cannot be encoded) and bidirectional overrides (which can make a name read differently than it is
    stored), normalises to NFC so that the same word is always stored the same way (duplicate detection, search),
    strips surrounding whitespace and cuts to ``limit`` characters.

    Args:
        s: Any text.
        limit: The most characters to keep (negative counts as 0).

    Returns:
        The cleaned text.
    """
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch
        for ch in s
        if ch in _KEPT_CONTROLS or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI_CONTROLS)
    )
    return unicodedata.normalize("NFC", kept).strip()[: max(limit, 0)]


def normalise_phone(text: str, region: str = "US") -> str | None:
    """A callback number in E.164 (``+18162345678``), or ``None`` when blank or not a valid number.

    Args:
        text: As typed, in any common format ("(816) 234-5678", "816.234.5678", "+44 20 7946 0958").
        region: Where numbers without a country code belong.

    Returns:
        The E.164 form, or ``None``.
    """
    cleaned = clean_text(text, _MAX_PHONE_CHARS + 1)
    if not cleaned or len(cleaned) > _MAX_PHONE_CHARS:
        return None
    import phonenumbers  # on the first number checked, not when the intake form is built (issue 17)

    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def validate_threat(t: ThreatInput, *, now: datetime) -> dict[str, str]:
    """Every problem with the form, by field; empty when the record can be saved as it is.

    Args:
        t: The form's content.
        now: The current moment (aware), for dates of birth and ages.

    Returns:
        ``{field: message}``; the field is a ``ThreatInput`` attribute name, or ``"suspects[i].<attribute>"`` with
        ``i`` the 0-based position in ``t.suspects`` (messages say "Suspect 1" for position 0).
    """
    errors: dict[str, str] = {}
    has_target = t.site_id is not None or any(
        clean_text(v, LIMITS[k]) for k, v in (("target_name", t.target_name), ("target_address", t.target_address))
    )
    if not has_target:
        errors[TARGET_FIELD] = (
            "A target is required. Choose a site from the directory, or type the target's name or address."
        )
    if not clean_text(t.statement, LIMITS["statement"]):
        errors["statement"] = (
            "The statement is required. Type the threat as the caller reported it, in their words "
            '("unknown" if they cannot say).'
        )

    for name, limit in LIMITS.items():
        value = getattr(t, name)
        if isinstance(value, str) and name not in errors:
            message = _length_error(_FIELD_LABELS[name], value, limit)
            if message:
                errors[name] = message

    phone = t.callback_number if isinstance(t.callback_number, str) else ""
    if "callback_number" not in errors and clean_text(phone, _MAX_PHONE_CHARS) and normalise_phone(phone) is None:
        shown = clean_text(phone, 30)
        errors["callback_number"] = (
            f"'{shown}' is not a valid phone number. Type the 10-digit US number with its area code "
            "(e.g. 816-234-5678), or + and the country code for another country; leave it empty if unknown."
        )

    if t.threatened_at is not None and t.threatened_at.utcoffset() is None:
        errors["threatened_at"] = (
            "The threatened time has no time zone (internal error). Type the threatened time again."
        )

    today = now.date()
    for index, suspect in enumerate(t.suspects):
        errors.update(_suspect_errors(index, suspect, today))
    return errors


def _suspect_errors(index: int, suspect: SuspectInput, today: date) -> dict[str, str]:
    prefix = f"suspects[{index}]"
    who = f"Suspect {index + 1}"
    errors: dict[str, str] = {}
    for name, limit in SUSPECT_LIMITS.items():
        value = getattr(suspect, name)
        if isinstance(value, str):
            message = _length_error(f"{who}'s {_FIELD_LABELS[name]}", value, limit)
            if message:
                errors[f"{prefix}.{name}"] = message

    dob = suspect.date_of_birth
    dob_age: int | None = None
    if dob is not None:
        if dob > today:
            errors[f"{prefix}.date_of_birth"] = (
                f"{who}'s date of birth {dob.isoformat()} is in the future. Check the year (month/day/year), "
                "or clear it and give an approximate age."
            )
        else:
            dob_age = suspect.age_on(today)
            if dob_age is not None and not MIN_AGE <= dob_age <= MAX_AGE:
                errors[f"{prefix}.date_of_birth"] = (
                    f"{who}'s date of birth {dob.isoformat()} gives an age of {dob_age}, "
                    f"outside {MIN_AGE}–{MAX_AGE}. Check the year, or clear it and give an approximate age."
                )
                dob_age = None

    age = suspect.age
    if age is not None:
        if not MIN_AGE <= age <= MAX_AGE:
            errors[f"{prefix}.age"] = (
                f"{who}'s age {age} is outside {MIN_AGE}–{MAX_AGE}. "
                "Type the age in years, or leave it empty if unknown."
            )
        elif dob_age is not None and abs(dob_age - age) > AGE_MISMATCH_TOLERANCE:
            errors[f"{prefix}.age"] = (
                f"{who}'s age {age} does not match the date of birth (age {dob_age}). Correct one of them, "
                "or clear the age."
            )
    return errors


def _length_error(label: str, value: str, limit: int) -> str:
    # Measured on the stored form (controls stripped, NFC), but cut only after the check so the length is honest.
    length = len(clean_text(value, len(value) * 3 + 1))
    if length <= limit:
        return ""
    return f"{label} is {length:,} characters long; the limit is {limit:,}. Shorten it" + (
        ", or move the rest into the narrative." if label in ("Statement", "Named persons", "Evidence") else "."
    )
