"""Five requests a fuzzer or an attacker sends with a valid token: each gets a 4xx with the contract's error body.

Before, each one made the handler thread raise (the int-digits limit, the recursion limit, the SQLite bind, an
integer too large for SQLite), so the client saw the connection cut without an answer and the console counted a
backend outage.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import SchemaCheck, auth, make_request


def _post_text(url: str, text: str, key: str) -> requests.Response:
    """POST a body the client library would never produce (the JSON is written by hand)."""
    headers = auth() | {"Idempotency-Key": key, "Content-Type": "application/json"}
    return requests.post(f"{url}/v1/notifications", data=text.encode("utf-8"), headers=headers, timeout=10)


def _error(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    err: dict[str, Any] = body["error"]
    return err


def test_a_number_with_more_than_4300_digits_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    text = json.dumps(req.to_json())[:-1] + ', "extra": ' + "9" * 5000 + "}"
    r = _post_text(backend.url, text, req.notification_id)
    assert r.status_code == 422
    assert _error(r) == {
        "code": "invalid_request",
        "message": "the body is not JSON this backend can read",
        "fields": {"body": "a number has more digits than this backend reads"},
    }
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 0


def test_json_nested_100000_deep_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    text = json.dumps(req.to_json())[:-1] + ', "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = _post_text(backend.url, text, req.notification_id)
    assert r.status_code == 422
    assert _error(r) == {
        "code": "invalid_request",
        "message": "the body is not JSON this backend can read",
        "fields": {"body": "nested deeper than 32 levels"},
    }
    schema_check.check_response("/v1/notifications", "POST", r)


def test_moderately_deep_json_that_parses_is_also_refused(backend: ReferenceBackend) -> None:
    """900 levels parse fine but would hit the recursion limit later, when the body is fingerprinted."""
    req = make_request()
    text = json.dumps(req.to_json())[:-1] + ', "extra": ' + "[" * 900 + "]" * 900 + "}"
    r = _post_text(backend.url, text, req.notification_id)
    assert r.status_code == 422
    assert _error(r)["fields"] == {"body": "nested deeper than 32 levels"}


def test_a_lone_surrogate_in_a_text_field_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    body = req.to_json()
    body["incident"]["case_number"] = "TT-\ud800"
    body["message"] = "respond \udfff now"
    text = json.dumps(body)  # ensure_ascii writes them as \ud800 escapes, which json.loads turns back into lone ones
    assert "\\ud800" in text
    r = _post_text(backend.url, text, req.notification_id)
    assert r.status_code == 422
    assert _error(r) == {
        "code": "invalid_request",
        "message": "the request body is invalid",
        "fields": {
            "incident.case_number": "must be Unicode text (a lone surrogate is not)",
            "message": "must be Unicode text (a lone surrogate is not)",
        },
    }
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 0


def test_a_limit_with_5000_digits_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    r = requests.get(f"{backend.url}/v1/notifications", params={"limit": "7" * 5000}, headers=auth(), timeout=10)
    assert r.status_code == 422
    assert _error(r) == {
        "code": "invalid_request",
        "message": "invalid query parameters",
        "fields": {"limit": "an integer from 1 to 500"},
    }
    schema_check.check_response("/v1/notifications", "GET", r)


def test_a_cursor_that_decodes_to_a_huge_number_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    expected = {
        "code": "invalid_request",
        "message": "invalid query parameters",
        "fields": {"since": "not a cursor from this backend; omit it to start at the beginning"},
    }
    for number in ("9" * 30, "9" * 4000, "9" * 5000):
        since = base64.urlsafe_b64encode(f"seq:{number}".encode()).decode().rstrip("=")
        r = requests.get(f"{backend.url}/v1/notifications", params={"since": since}, headers=auth(), timeout=10)
        assert r.status_code == 422, len(number)
        assert _error(r) == expected
        schema_check.check_response("/v1/notifications", "GET", r)


def test_the_backend_still_serves_after_all_five(backend: ReferenceBackend) -> None:
    req = make_request()
    _post_text(backend.url, json.dumps(req.to_json())[:-1] + ', "x": ' + "1" * 5000 + "}", req.notification_id)
    _post_text(backend.url, "[" * 100_000, req.notification_id)
    requests.get(f"{backend.url}/v1/notifications", params={"limit": "7" * 5000}, headers=auth(), timeout=10)
    r = _post_text(backend.url, json.dumps(req.to_json()), req.notification_id)
    assert r.status_code == 202
    assert backend.response_counts().get(500, 0) == 0
