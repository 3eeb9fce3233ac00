"""Typed payloads of the backend notification API v1 (``resources/api/notify-api-v1.yaml``).

Both sides of the contract use these classes: the console's client builds requests with them and reads responses
into them, and the reference backend validates incoming bodies with :func:`parse_notification_request`. Keeping one
definition means the two sides cannot drift apart without a test noticing; the OpenAPI document is checked against
both in ``tests/gateway``.

Values reuse the domain enums (``UnitKind``, ``UnitStatus``, ``Priority``, ``Weapon``, ``TargetKind``) because the
values sent on the wire are the values stored in the console's database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dispatch_console.domain.enums import Priority, TargetKind, UnitKind, UnitStatus, Weapon

API_VERSION = "v1"
MAX_TEXT = 4000
"""Longest free text accepted; a pager message that long is already unreadable, longer is a client bug."""
MAX_SHORT_TEXT = 200
MAX_ID = 64
MAX_SUSPECTS = 50
FEED_DEFAULT_LIMIT = 200
FEED_MAX_LIMIT = 500

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RFC3339_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


class NotificationState(StrEnum):
    """Where a notification stands at the backend; ``failed`` carries a ``failure_reason``."""

    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


class ContractError(ValueError):
    """A payload does not follow the contract.

    Args:
        message: What is wrong, in plain words.
        fields: Field path (``incident.target.name``) → problem; the backend returns it as the error's ``fields``.
    """

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp that carries an offset.

    ``datetime.fromisoformat`` alone accepts forms RFC 3339 forbids (no offset, basic format), so the shape is
    checked first: a time without an offset is ambiguous across the midnight shift change and DST, and the
    contract requires one.

    Raises:
        ValueError: The text is not an RFC 3339 date-time with offset.
    """
    match = _RFC3339_RE.match(value)
    if match is None:
        raise ValueError("not an RFC 3339 date-time with offset")
    frac = match.group(7) or ""
    if len(frac) > 7:  # fromisoformat takes at most microseconds
        frac = frac[:7]
    offset = match.group(8)
    offset = "+00:00" if offset in ("Z", "z") else offset
    text = f"{match.group(1)}-{match.group(2)}-{match.group(3)}T{match.group(4)}:{match.group(5)}:{match.group(6)}"
    text += f"{frac}{offset}"
    return datetime.fromisoformat(text)


def format_rfc3339(value: datetime) -> str:
    """Format an aware datetime as RFC 3339 with milliseconds, as the backend writes it.

    Raises:
        ValueError: ``value`` is naive; the contract never sends a time without an offset.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: the contract requires an offset")
    return value.isoformat(timespec="milliseconds")


def is_uuid(value: object) -> bool:
    """True for the canonical 8-4-4-4-12 hex form the contract uses for ids and idempotency keys."""
    return isinstance(value, str) and _UUID_RE.match(value) is not None


@dataclass(frozen=True)
class UnitInfo:
    """One unit as the backend lists it (``GET /v1/units``)."""

    unit_id: str
    call_sign: str
    kind: UnitKind
    division: str
    status: UnitStatus

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {
            "unit_id": self.unit_id,
            "call_sign": self.call_sign,
            "kind": self.kind.value,
            "division": self.division,
            "status": self.status.value,
        }

    @classmethod
    def from_json(cls, data: Any) -> UnitInfo:
        """Read one unit.

        Raises:
            ContractError: A field is missing or has a value the contract does not define.
        """
        obj = _object(data, "unit")
        try:
            return cls(
                unit_id=_str(obj, "unit_id"),
                call_sign=_str(obj, "call_sign"),
                kind=UnitKind(_str(obj, "kind")),
                division=_str(obj, "division"),
                status=UnitStatus(_str(obj, "status")),
            )
        except ValueError as exc:
            raise ContractError(f"unit: {exc}") from None


@dataclass(frozen=True)
class TargetPayload:
    """The threatened place: what the unit drives to."""

    name: str
    kind: TargetKind
    address: str = ""
    division: str = ""

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"name": self.name, "kind": self.kind.value, "address": self.address, "division": self.division}


@dataclass(frozen=True)
class SuspectPayload:
    """A suspect as the unit may see it: a display text, never the full record (minimum necessary)."""

    display_name: str
    juvenile: bool

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"display_name": self.display_name, "juvenile": self.juvenile}


@dataclass(frozen=True)
class IncidentPayload:
    """What the unit needs to know about the threat case."""

    case_number: str
    target: TargetPayload
    threatened_at: datetime | None
    weapons: tuple[Weapon, ...]
    summary: str
    suspects: tuple[SuspectPayload, ...] = ()
    category: str = "terroristic_threat"

    def to_json(self) -> dict[str, Any]:
        """The wire form; ``threatened_at`` is sent as ``null`` when unknown, never left out."""
        return {
            "case_number": self.case_number,
            "category": self.category,
            "target": self.target.to_json(),
            "threatened_at": None if self.threatened_at is None else format_rfc3339(self.threatened_at),
            "weapons": [w.value for w in self.weapons],
            "summary": self.summary,
            "suspects": [s.to_json() for s in self.suspects],
        }


@dataclass(frozen=True)
class NotificationRequest:
    """The body of ``POST /v1/notifications``: one unit, one incident.

    ``notification_id`` doubles as the ``Idempotency-Key``, so the console generates it once, stores it before the
    first attempt, and every retry of the same notification reuses it: that is what stops a unit from being paged
    twice when a response is lost.
    """

    notification_id: str
    unit_id: str
    priority: Priority
    incident: IncidentPayload
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """The wire form (a JSON-ready dict)."""
        return {
            "notification_id": self.notification_id,
            "unit_id": self.unit_id,
            "priority": self.priority.value,
            "incident": self.incident.to_json(),
            "message": self.message,
        }


@dataclass(frozen=True)
class NotificationStatus:
    """A notification's state at the backend (``GET /v1/notifications/{id}`` and the feed)."""

    notification_id: str
    unit_id: str
    status: NotificationState
    accepted_at: datetime
    delivered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    failure_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The wire form; absent times are ``null``."""

        def fmt(value: datetime | None) -> str | None:
            return None if value is None else format_rfc3339(value)

        return {
            "notification_id": self.notification_id,
            "unit_id": self.unit_id,
            "status": self.status.value,
            "accepted_at": format_rfc3339(self.accepted_at),
            "delivered_at": fmt(self.delivered_at),
            "acknowledged_at": fmt(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "failure_reason": self.failure_reason,
        }

    @classmethod
    def from_json(cls, data: Any) -> NotificationStatus:
        """Read one status.

        Raises:
            ContractError: A field is missing or malformed.
        """
        obj = _object(data, "notification")
        try:
            return cls(
                notification_id=_str(obj, "notification_id"),
                unit_id=_str(obj, "unit_id"),
                status=NotificationState(_str(obj, "status")),
                accepted_at=parse_rfc3339(_str(obj, "accepted_at")),
                delivered_at=_opt_time(obj, "delivered_at"),
                acknowledged_at=_opt_time(obj, "acknowledged_at"),
                acknowledged_by=_opt_str(obj, "acknowledged_by"),
                failure_reason=_opt_str(obj, "failure_reason"),
            )
        except ValueError as exc:
            raise ContractError(f"notification: {exc}") from None


@dataclass(frozen=True)
class FeedPage:
    """One page of the status feed; pass ``next_cursor`` as ``since`` on the next poll."""

    notifications: tuple[NotificationStatus, ...]
    next_cursor: str

    @classmethod
    def from_json(cls, data: Any) -> FeedPage:
        """Read one page.

        Raises:
            ContractError: The page is malformed.
        """
        obj = _object(data, "feed")
        items = obj.get("notifications")
        if not isinstance(items, list):
            raise ContractError("feed: 'notifications' must be a list")
        return cls(tuple(NotificationStatus.from_json(i) for i in items), _str(obj, "next_cursor"))


@dataclass(frozen=True)
class ApiError:
    """The contract's error body: ``{"error": {"code", "message", "fields"?}}``."""

    code: str
    message: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The wire form; ``fields`` only when there are any."""
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            err["fields"] = dict(self.fields)
        return {"error": err}

    @classmethod
    def from_json(cls, data: Any) -> ApiError | None:
        """Read an error body leniently; ``None`` when the body is not the contract's error shape."""
        if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
            return None
        err = data["error"]
        code, message = err.get("code"), err.get("message")
        if not isinstance(code, str):
            return None
        raw_fields = err.get("fields")
        fields = {str(k): str(v) for k, v in raw_fields.items()} if isinstance(raw_fields, dict) else {}
        return cls(code, message if isinstance(message, str) else "", fields)


# --- validation of a request body (the backend's side) ---------------------------------------------------------


def parse_notification_request(data: Any) -> NotificationRequest:
    """Validate a ``POST /v1/notifications`` body and build the request.

    Every problem is collected, not just the first, so the backend's ``invalid_request`` answer lists all fields
    at once and a developer fixes them in one round. The rules mirror the OpenAPI document's request schema; the
    test-suite checks that the two agree.

    Raises:
        ContractError: With ``fields`` naming every invalid field.
    """
    problems: dict[str, str] = {}
    if not isinstance(data, dict):
        raise ContractError("the body must be a JSON object", {"body": "must be a JSON object"})

    notification_id = data.get("notification_id")
    if not is_uuid(notification_id):
        problems["notification_id"] = "required; a UUID"
    unit_id = _check_text(data, "unit_id", problems, MAX_ID, required=True)
    priority_raw = data.get("priority")
    priority: Priority | None = None
    if isinstance(priority_raw, str) and priority_raw in Priority._value2member_map_:
        priority = Priority(priority_raw)
    else:
        problems["priority"] = "required; one of " + ", ".join(p.value for p in Priority)
    message = _check_text(data, "message", problems, MAX_TEXT, required=False, key="message")

    incident: IncidentPayload | None = None
    raw_incident = data.get("incident")
    if not isinstance(raw_incident, dict):
        problems["incident"] = "required; an object"
    else:
        incident = _parse_incident(raw_incident, problems)

    if problems or incident is None or priority is None:
        raise ContractError("the request body is invalid", problems)
    assert isinstance(notification_id, str)
    return NotificationRequest(notification_id, unit_id, priority, incident, message)


def _parse_incident(raw: dict[str, Any], problems: dict[str, str]) -> IncidentPayload | None:
    p = "incident."
    case_number = _check_text(raw, "case_number", problems, MAX_ID, required=True, key=p + "case_number")
    category = _check_text(raw, "category", problems, MAX_ID, required=True, key=p + "category")
    summary = _check_text(raw, "summary", problems, MAX_TEXT, required=False, key=p + "summary")

    target: TargetPayload | None = None
    raw_target = raw.get("target")
    if not isinstance(raw_target, dict):
        problems[p + "target"] = "required; an object"
    else:
        name = _check_text(raw_target, "name", problems, MAX_SHORT_TEXT, required=True, key=p + "target.name")
        kind_raw = raw_target.get("kind")
        kind: TargetKind | None = None
        if isinstance(kind_raw, str) and kind_raw in TargetKind._value2member_map_:
            kind = TargetKind(kind_raw)
        else:
            problems[p + "target.kind"] = "required; one of " + ", ".join(k.value for k in TargetKind)
        address = _check_text(
            raw_target, "address", problems, MAX_SHORT_TEXT, required=False, key=p + "target.address"
        )
        division = _check_text(
            raw_target, "division", problems, MAX_SHORT_TEXT, required=False, key=p + "target.division"
        )
        if kind is not None:
            target = TargetPayload(name, kind, address, division)

    threatened_at: datetime | None = None
    if "threatened_at" not in raw:
        problems[p + "threatened_at"] = "required; an RFC 3339 date-time with offset, or null"
    elif raw["threatened_at"] is not None:
        value = raw["threatened_at"]
        try:
            if not isinstance(value, str):
                raise ValueError
            threatened_at = parse_rfc3339(value)
        except ValueError:
            problems[p + "threatened_at"] = "an RFC 3339 date-time with offset, or null"

    weapons: list[Weapon] = []
    raw_weapons = raw.get("weapons")
    if not isinstance(raw_weapons, list):
        problems[p + "weapons"] = "required; a list (may be empty)"
    else:
        for i, w in enumerate(raw_weapons):
            if isinstance(w, str) and w in Weapon._value2member_map_:
                weapons.append(Weapon(w))
            else:
                problems[f"{p}weapons[{i}]"] = "one of " + ", ".join(x.value for x in Weapon)
        if len(set(weapons)) != len(weapons):
            problems[p + "weapons"] = "must not repeat a weapon"

    suspects: list[SuspectPayload] = []
    raw_suspects = raw.get("suspects")
    if not isinstance(raw_suspects, list) or len(raw_suspects) > MAX_SUSPECTS:
        problems[p + "suspects"] = f"required; a list of at most {MAX_SUSPECTS} (may be empty)"
    else:
        for i, s in enumerate(raw_suspects):
            key = f"{p}suspects[{i}]"
            if not isinstance(s, dict):
                problems[key] = "an object"
                continue
            display = _check_text(
                s, "display_name", problems, MAX_SHORT_TEXT, required=True, key=key + ".display_name"
            )
            juvenile = s.get("juvenile")
            if not isinstance(juvenile, bool):
                problems[key + ".juvenile"] = "required; true or false"
                continue
            suspects.append(SuspectPayload(display, juvenile))

    if target is None:
        return None
    return IncidentPayload(
        case_number=case_number,
        target=target,
        threatened_at=threatened_at,
        weapons=tuple(weapons),
        summary=summary,
        suspects=tuple(suspects),
        category=category,
    )


def _check_text(
    obj: Mapping[str, Any],
    name: str,
    problems: dict[str, str],
    max_len: int,
    *,
    required: bool,
    key: str | None = None,
) -> str:
    """Check a string field: present (``required`` means also non-blank), a string, not too long."""
    key = key or name
    value = obj.get(name)
    if not isinstance(value, str):
        problems[key] = "required; a string" + ("" if not required else " (not blank)")
        return ""
    if required and not value:
        problems[key] = "must not be empty"
    elif len(value) > max_len:
        problems[key] = f"at most {max_len} characters"
    elif not _is_unicode(value):
        problems[key] = "must be Unicode text (a lone surrogate is not)"
    return value


def _is_unicode(value: str) -> bool:
    """False for a string with a lone surrogate (JSON's ``"\\ud800"``): it cannot be stored or sent as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ContractError(f"{what}: expected a JSON object")
    return data


def _str(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise ContractError(f"'{name}' must be a string")
    return value


def _opt_str(obj: Mapping[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise ContractError(f"'{name}' must be a string or null")
    return value


def _opt_time(obj: Mapping[str, Any], name: str) -> datetime | None:
    value = _opt_str(obj, name)
    return None if value is None else parse_rfc3339(value)


def unit_list_from_json(data: Any) -> list[UnitInfo]:
    """Read a ``GET /v1/units`` body.

    Raises:
        ContractError: The body is not ``{"units": [...]}``.
    """
    obj = _object(data, "units")
    units = obj.get("units")
    if not isinstance(units, list):
        raise ContractError("'units' must be a list")
    return [UnitInfo.from_json(u) for u in units]
