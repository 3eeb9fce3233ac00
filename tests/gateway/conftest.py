"""Fixtures for the gateway tests: a live reference backend on loopback, a client, and the OpenAPI document.

Everything talks real HTTP over 127.0.0.1; nothing here mocks the server. Waits poll with a deadline instead of
sleeping a fixed time, so the suite is fast on a fast machine and still correct on a slow one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import jsonschema_rs
import pytest
import requests
import yaml

from dispatch_console.domain.enums import Priority, TargetKind, Weapon
from dispatch_console.gateway.client import NotifyClient
from dispatch_console.gateway.contract import (
    IncidentPayload,
    NotificationRequest,
    SuspectPayload,
    TargetPayload,
)
from dispatch_console.gateway.server import ReferenceBackend
from tests.waiting import wait_until as shared_wait_until

TOKEN = "test-token-Zq8v3Lr0pW-gateway-suite-4kTn7Yb2"
ROOT = Path(__file__).resolve().parents[2]
OPENAPI_PATH = ROOT / "resources" / "api" / "notify-api-v1.yaml"

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02) -> T:
    """The shared deadline poll (``tests.waiting``) with this suite's default timeout."""
    return shared_wait_until(predicate, timeout, interval)


def make_request(
    unit_id: str = "SRO-04",
    case_number: str = "TT-2026-00042",
    *,
    notification_id: str | None = None,
    message: str = "respond to the school office",
    threatened_at: datetime | None = datetime(2026, 4, 12, 20, 10, tzinfo=UTC),
) -> NotificationRequest:
    """A realistic notification request."""
    incident = IncidentPayload(
        case_number=case_number,
        target=TargetPayload("Northview High School", TargetKind.SCHOOL, "100 Northview Rd", "North"),
        threatened_at=threatened_at,
        weapons=(Weapon.FIREARM,),
        summary="two students said they would bring a gun after school",
        suspects=(SuspectPayload("juvenile male, 15", True),),
    )
    return NotificationRequest(notification_id or str(uuid.uuid4()), unit_id, Priority.P1, incident, message)


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_raw(
    url: str,
    body: Any,
    *,
    key: str | None = "same-as-body",
    token: str | None = TOKEN,
    session: requests.Session | None = None,
    timeout: float = 10,
) -> requests.Response:
    """POST a notification with full control over headers (the client would not send malformed requests)."""
    headers: dict[str, str] = {}
    if token is not None:
        headers.update(auth(token))
    if key == "same-as-body":
        key = body.get("notification_id") if isinstance(body, dict) else None
    if key is not None:
        headers["Idempotency-Key"] = key
    http = session or requests
    return http.post(f"{url}/v1/notifications", json=body, headers=headers, timeout=timeout)


@pytest.fixture
def make_backend(tmp_path: Path) -> Iterator[Callable[..., ReferenceBackend]]:
    """Factory for started backends (SQLite under tmp_path); all are closed at the end of the test."""
    made: list[ReferenceBackend] = []

    def factory(**options: Any) -> ReferenceBackend:
        options.setdefault("db_path", tmp_path / f"backend-{len(made)}.sqlite3")
        options.setdefault("deliver_after", 0.05)
        options.setdefault("ack_after", None)
        backend = ReferenceBackend(options.pop("token", TOKEN), **options)
        backend.start()
        made.append(backend)
        return backend

    yield factory
    for backend in made:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[..., ReferenceBackend]) -> ReferenceBackend:
    """A started backend with default settings (no ack, delivery after 50 ms)."""
    return make_backend()


@pytest.fixture
def client(backend: ReferenceBackend) -> Iterator[NotifyClient]:
    with NotifyClient(backend.url, lambda: TOKEN, read_timeout=5) as c:
        yield c


# --- the OpenAPI document ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    with OPENAPI_PATH.open(encoding="utf-8") as f:
        doc: dict[str, Any] = yaml.safe_load(f)
    return doc


def _inline(node: Any, doc: dict[str, Any]) -> Any:
    """Replace local ``$ref``s by their targets (the document has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _inline(target, doc)
        return {k: _inline(v, doc) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, doc) for v in node]
    return node


class SchemaCheck:
    """Validates JSON values against parts of the OpenAPI document (JSON Schema 2020-12, formats checked)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def _validator(self, schema: Any) -> jsonschema_rs.Draft202012Validator:
        return jsonschema_rs.Draft202012Validator(_inline(schema, self.doc), validate_formats=True)

    def errors(self, schema: Any, value: Any) -> list[str]:
        return [f"{e.instance_path}: {e.message}" for e in self._validator(schema).iter_errors(value)]

    def request_body(self, path: str, method: str) -> Any:
        op = self.doc["paths"][path][method.lower()]
        return _inline(op["requestBody"], self.doc)["content"]["application/json"]["schema"]

    def response(self, path: str, method: str, status: int) -> dict[str, Any]:
        op = self.doc["paths"][path][method.lower()]
        responses = op["responses"]
        assert str(status) in responses, f"{method} {path} answered {status}, which the document does not declare"
        resolved: dict[str, Any] = _inline(responses[str(status)], self.doc)
        return resolved

    def check_response(self, path: str, method: str, response: requests.Response) -> None:
        """Assert the response's status, media type, body and required headers follow the document."""
        declared = self.response(path, method, response.status_code)
        content = declared.get("content")
        if content:
            assert response.headers["Content-Type"].startswith("application/json")
            errors = self.errors(content["application/json"]["schema"], response.json())
            assert not errors, f"{method} {path} {response.status_code}: {errors}"
        for name, header in declared.get("headers", {}).items():
            if name in response.headers:
                assert not self.errors(header["schema"], int(response.headers[name]))


@pytest.fixture(scope="session")
def schema_check(openapi: dict[str, Any]) -> SchemaCheck:
    return SchemaCheck(openapi)
