"""The typed payloads, and agreement between the backend's validation and the OpenAPI request schema."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from dispatch_console.gateway.contract import (
    ContractError,
    NotificationState,
    NotificationStatus,
    format_rfc3339,
    parse_notification_request,
    parse_rfc3339,
)
from tests.gateway.conftest import SchemaCheck, make_request


def test_request_round_trips_through_the_backend_parser() -> None:
    req = make_request()
    assert parse_notification_request(req.to_json()) == req
    nullable = make_request(threatened_at=None)
    assert parse_notification_request(nullable.to_json()) == nullable


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = body
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()

MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("valid", lambda b: None),
    ("extra top-level field", _set("extra", 1)),
    ("uppercase uuid", lambda b: b.update(notification_id=b["notification_id"].upper())),
    ("bad uuid", _set("notification_id", "not-a-uuid")),
    ("no unit", _set("unit_id", _DELETE)),
    ("empty unit", _set("unit_id", "")),
    ("long unit", _set("unit_id", "U" * 65)),
    ("priority P5", _set("priority", "P5")),
    ("priority int", _set("priority", 1)),
    ("no message", _set("message", _DELETE)),
    ("empty message", _set("message", "")),
    ("message too long", _set("message", "x" * 4001)),
    ("incident null", _set("incident", None)),
    ("no case number", _set("incident.case_number", _DELETE)),
    ("threatened_at null", _set("incident.threatened_at", None)),
    ("threatened_at missing", _set("incident.threatened_at", _DELETE)),
    ("threatened_at no offset", _set("incident.threatened_at", "2026-04-12T15:10:00")),
    ("threatened_at Z", _set("incident.threatened_at", "2026-04-12T15:10:00.123Z")),
    ("threatened_at number", _set("incident.threatened_at", 1712934600)),
    ("weapons empty", _set("incident.weapons", [])),
    ("weapons duplicate", _set("incident.weapons", ["knife", "knife"])),
    ("weapons unknown", _set("incident.weapons", ["slingshot"])),
    ("suspects empty", _set("incident.suspects", [])),
    ("suspect juvenile string", _set("incident.suspects.0.juvenile", "true")),
    ("suspect no name", _set("incident.suspects.0.display_name", _DELETE)),
    ("target kind unknown", _set("incident.target.kind", "castle")),
    ("target name empty", _set("incident.target.name", "")),
    ("target address missing", _set("incident.target.address", _DELETE)),
    ("summary number", _set("incident.summary", 5)),
]


@pytest.mark.parametrize(("name", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_backend_validation_agrees_with_the_document(
    schema_check: SchemaCheck, name: str, mutate: Callable[[dict[str, Any]], None]
) -> None:
    body = copy.deepcopy(make_request().to_json())
    mutate(body)
    schema_errors = schema_check.errors(schema_check.request_body("/v1/notifications", "POST"), body)
    try:
        parse_notification_request(body)
        backend_ok = True
    except ContractError as exc:
        backend_ok = False
        assert exc.fields
    assert backend_ok == (not schema_errors), (name, schema_errors)


def test_rfc3339() -> None:
    assert parse_rfc3339("2026-04-12T15:10:00-05:00") == datetime(
        2026, 4, 12, 15, 10, tzinfo=timezone(timedelta(hours=-5))
    )
    assert parse_rfc3339("2026-04-12t20:10:00.123456789z").tzinfo is not None
    for bad in ("2026-04-12 15:10:00", "20260412T151000Z", "2026-04-12T15:10:00", "yesterday"):
        with pytest.raises(ValueError):
            parse_rfc3339(bad)
    with pytest.raises(ValueError):
        format_rfc3339(datetime(2026, 1, 1))


def test_status_round_trip() -> None:
    status = NotificationStatus(
        "n1",
        "SRO-01",
        NotificationState.ACKNOWLEDGED,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
        "SRO-01",
        None,
    )
    assert NotificationStatus.from_json(status.to_json()) == status
    with pytest.raises(ContractError):
        NotificationStatus.from_json({**status.to_json(), "status": "lost"})
