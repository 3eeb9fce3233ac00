"""The reference backend follows notify API v1: status codes, error shape, idempotency, feed and lifecycle."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import requests

from dispatch_console.domain.enums import UnitKind, UnitStatus
from dispatch_console.gateway.demo_units import DEMO_UNITS
from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import TOKEN, SchemaCheck, auth, make_request, post_raw, wait_until


def _error(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    err: dict[str, Any] = body["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str)
    return err


def test_health_needs_no_token(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    r = requests.get(f"{backend.url}/v1/health", timeout=5)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    schema_check.check_response("/v1/health", "GET", r)


def test_units_lists_the_demo_city(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    r = requests.get(f"{backend.url}/v1/units", headers=auth(), timeout=5)
    assert r.status_code == 200
    schema_check.check_response("/v1/units", "GET", r)
    units = r.json()["units"]
    assert len(units) == len(DEMO_UNITS) == 61
    assert {u["unit_id"] for u in units} >= {"CEN-P1", "HAR-P4", "SRO-01", "SRO-18", "CEN-SUP", "TAC-2", "SW-4"}


def test_demo_roster_shape() -> None:
    by_id = {u.unit_id: u for u in DEMO_UNITS}
    assert by_id["SRO-01"].division == "Central" and by_id["SRO-03"].division == "Central"
    assert by_id["SRO-04"].division == "North" and by_id["SRO-18"].division == "Harbor"
    assert by_id["JUV-3"].division == "Citywide" and by_id["JUV-3"].kind is UnitKind.JUVENILE
    assert by_id["HAR-SUP"].kind is UnitKind.SUPERVISOR
    statuses = [u.status for u in DEMO_UNITS]
    assert UnitStatus.BUSY in statuses and statuses.count(UnitStatus.OUT_OF_SERVICE) == 1
    for division in ("Central", "North", "South", "East", "West", "Harbor"):
        available = [
            u
            for u in DEMO_UNITS
            if u.division == division and u.kind is UnitKind.PATROL and u.status is UnitStatus.AVAILABLE
        ]
        assert len(available) >= 2, division


def test_wrong_or_missing_token_is_401_with_error_body(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    for headers in ({}, auth("wrong"), {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}):
        r = requests.get(f"{backend.url}/v1/units", headers=headers, timeout=5)
        assert r.status_code == 401, headers
        assert _error(r)["code"] == "unauthorized"
        schema_check.check_response("/v1/units", "GET", r)
    body = make_request().to_json()
    r = post_raw(backend.url, body, token="wrong")
    assert r.status_code == 401
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 0


def test_post_accepts_and_replays_identically(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    first = post_raw(backend.url, req.to_json())
    assert first.status_code == 202
    schema_check.check_response("/v1/notifications", "POST", first)
    assert first.json()["notification_id"] == req.notification_id
    assert first.json()["status"] == "accepted"
    # Wait until the notification has moved on: the replay must still be the *first* response.
    wait_until(lambda: backend.delivery_counts() and _status(backend, req.notification_id) == "delivered")
    again = post_raw(backend.url, req.to_json())
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert backend.delivery_counts() == {("TT-2026-00042", "SRO-04"): 1}


def _status(backend: ReferenceBackend, nid: str) -> str:
    r = requests.get(f"{backend.url}/v1/notifications/{nid}", headers=auth(), timeout=5)
    status: str = r.json()["status"]
    return status


def test_same_key_in_flight_is_409(make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck) -> None:
    backend = make_backend(latency_ms=600)
    body = make_request().to_json()
    first: list[requests.Response] = []
    worker = threading.Thread(target=lambda: first.append(post_raw(backend.url, body)))
    worker.start()
    # The claim is committed before the latency wait; wait until the first request holds it.
    wait_until(lambda: backend.in_progress_keys() == [body["notification_id"]], timeout=3)
    second = post_raw(backend.url, body)
    assert second.status_code == 409
    assert _error(second)["code"] == "in_progress"
    assert second.headers["Retry-After"].isdigit()
    schema_check.check_response("/v1/notifications", "POST", second)
    worker.join(5)
    assert first[0].status_code == 202
    assert backend.notification_count() == 1


def test_same_key_different_body_is_422_reused(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    assert post_raw(backend.url, req.to_json()).status_code == 202
    changed = req.to_json() | {"message": "a different message"}
    r = post_raw(backend.url, changed)
    assert r.status_code == 422
    assert _error(r)["code"] == "idempotency_key_reused"
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 1


def test_key_order_and_whitespace_do_not_make_a_different_body(backend: ReferenceBackend) -> None:
    body = make_request().to_json()
    assert post_raw(backend.url, body).status_code == 202
    reordered = dict(reversed(list(body.items())))
    r = requests.post(
        f"{backend.url}/v1/notifications",
        data=__import__("json").dumps(reordered, indent=2),
        headers={**auth(), "Idempotency-Key": body["notification_id"], "Content-Type": "application/json"},
        timeout=5,
    )
    assert r.status_code == 202
    assert backend.notification_count() == 1


def test_missing_key_is_400(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    r = post_raw(backend.url, make_request().to_json(), key=None)
    assert r.status_code == 400
    assert _error(r)["code"] == "idempotency_key_missing"
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 0


def test_key_must_equal_notification_id(backend: ReferenceBackend) -> None:
    r = post_raw(backend.url, make_request().to_json(), key=str(uuid.uuid4()))
    assert r.status_code == 422
    err = _error(r)
    assert err["code"] == "invalid_request" and "notification_id" in err["fields"]
    assert backend.notification_count() == 0


def test_unknown_unit_is_422(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    r = post_raw(backend.url, make_request(unit_id="NOPE-9").to_json())
    assert r.status_code == 422
    assert _error(r)["code"] == "unknown_unit"
    schema_check.check_response("/v1/notifications", "POST", r)


def test_invalid_body_lists_every_bad_field(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    body = make_request().to_json()
    body["priority"] = "P9"
    body["incident"]["weapons"] = ["firearm", "slingshot"]
    body["incident"]["threatened_at"] = "tomorrow at noon"
    body["incident"]["target"]["name"] = ""
    del body["incident"]["suspects"]
    body["incident"]["suspects"] = [{"display_name": "x", "juvenile": "yes"}]
    r = post_raw(backend.url, body)
    assert r.status_code == 422
    err = _error(r)
    assert err["code"] == "invalid_request"
    assert set(err["fields"]) == {
        "priority",
        "incident.weapons[1]",
        "incident.threatened_at",
        "incident.target.name",
        "incident.suspects[0].juvenile",
    }
    schema_check.check_response("/v1/notifications", "POST", r)
    for raw in (b"not json", b"[1, 2]", b"\xff\xfe"):
        r = requests.post(
            f"{backend.url}/v1/notifications",
            data=raw,
            headers={**auth(), "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
            timeout=5,
        )
        assert r.status_code == 422 and _error(r)["code"] == "invalid_request", raw
        assert "body" in _error(r)["fields"]
    assert backend.notification_count() == 0


def test_threatened_at_may_be_null_and_suspects_empty(backend: ReferenceBackend) -> None:
    body = make_request(threatened_at=None).to_json()
    body["incident"]["suspects"] = []
    assert body["incident"]["threatened_at"] is None
    assert post_raw(backend.url, body).status_code == 202


def test_get_notification_and_404(backend: ReferenceBackend, schema_check: SchemaCheck) -> None:
    req = make_request()
    post_raw(backend.url, req.to_json())
    r = requests.get(f"{backend.url}/v1/notifications/{req.notification_id}", headers=auth(), timeout=5)
    assert r.status_code == 200
    schema_check.check_response("/v1/notifications/{notification_id}", "GET", r)
    assert r.json()["unit_id"] == "SRO-04"
    missing = requests.get(f"{backend.url}/v1/notifications/{uuid.uuid4()}", headers=auth(), timeout=5)
    assert missing.status_code == 404
    assert _error(missing)["code"] == "not_found"
    schema_check.check_response("/v1/notifications/{notification_id}", "GET", missing)


def test_unsupported_method_is_405_with_allow(backend: ReferenceBackend) -> None:
    r = requests.delete(f"{backend.url}/v1/units", headers=auth(), timeout=5)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
    r = requests.request("QUERY", f"{backend.url}/v1/notifications", headers=auth(), timeout=5)
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


def test_lifecycle_delivers_then_acknowledges_with_call_sign(
    make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck
) -> None:
    backend = make_backend(deliver_after=0.05, ack_after=0.3)
    req = make_request(unit_id="CEN-P1")
    post_raw(backend.url, req.to_json())
    assert _status(backend, req.notification_id) in ("accepted", "delivered")
    wait_until(lambda: _status(backend, req.notification_id) == "acknowledged", timeout=5)
    r = requests.get(f"{backend.url}/v1/notifications/{req.notification_id}", headers=auth(), timeout=5)
    schema_check.check_response("/v1/notifications/{notification_id}", "GET", r)
    body = r.json()
    assert body["acknowledged_by"] == "CEN-P1"
    assert body["accepted_at"] <= body["delivered_at"] <= body["acknowledged_at"]


def test_no_ack_when_ack_after_is_none(backend: ReferenceBackend) -> None:
    req = make_request()
    post_raw(backend.url, req.to_json())
    wait_until(lambda: _status(backend, req.notification_id) == "delivered")
    body = requests.get(f"{backend.url}/v1/notifications/{req.notification_id}", headers=auth(), timeout=5).json()
    assert body["acknowledged_at"] is None and body["acknowledged_by"] is None


def test_out_of_service_unit_fails_with_reason(backend: ReferenceBackend) -> None:
    oos = next(u for u in DEMO_UNITS if u.status is UnitStatus.OUT_OF_SERVICE)
    req = make_request(unit_id=oos.unit_id)
    assert post_raw(backend.url, req.to_json()).status_code == 202
    wait_until(lambda: _status(backend, req.notification_id) == "failed")
    body = requests.get(f"{backend.url}/v1/notifications/{req.notification_id}", headers=auth(), timeout=5).json()
    assert "out of service" in body["failure_reason"]


def _feed(url: str, since: str | None = None, limit: int | None = None) -> requests.Response:
    params: dict[str, str] = {}
    if since is not None:
        params["since"] = since
    if limit is not None:
        params["limit"] = str(limit)
    return requests.get(f"{url}/v1/notifications", params=params, headers=auth(), timeout=5)


def test_feed_cursor_semantics(make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck) -> None:
    backend = make_backend(deliver_after=3600)  # nothing moves on by itself during this test
    empty = _feed(backend.url)
    assert empty.status_code == 200
    schema_check.check_response("/v1/notifications", "GET", empty)
    assert empty.json()["notifications"] == []
    start_cursor = empty.json()["next_cursor"]

    ids = []
    for unit in ("CEN-P1", "NOR-P1", "SOU-P2"):
        req = make_request(unit_id=unit)
        ids.append(req.notification_id)
        assert post_raw(backend.url, req.to_json()).status_code == 202

    # Absent cursor = from the beginning, oldest change first; limit pages through.
    page1 = _feed(backend.url, limit=2).json()
    assert [n["notification_id"] for n in page1["notifications"]] == ids[:2]
    page2 = _feed(backend.url, since=page1["next_cursor"], limit=2).json()
    assert [n["notification_id"] for n in page2["notifications"]] == ids[2:]
    # The cursor from the empty feed sees everything that came after it.
    assert [n["notification_id"] for n in _feed(backend.url, since=start_cursor).json()["notifications"]] == ids
    # Nothing new: empty page, cursor unchanged.
    page3 = _feed(backend.url, since=page2["next_cursor"]).json()
    assert page3 == {"notifications": [], "next_cursor": page2["next_cursor"]}

    bad = _feed(backend.url, since="not-a-cursor")
    assert bad.status_code == 422 and set(_error(bad)["fields"]) == {"since"}
    schema_check.check_response("/v1/notifications", "GET", bad)
    for limit in (0, 501):
        r = _feed(backend.url, limit=limit)
        assert r.status_code == 422 and "limit" in _error(r)["fields"]


def test_feed_shows_status_changes_in_order(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(deliver_after=0.05, ack_after=0.2)
    reqs = [make_request(unit_id=u) for u in ("CEN-P1", "CEN-P3", "NOR-P1")]
    for req in reqs:
        post_raw(backend.url, req.to_json())
    cursor: str | None = None
    seen: list[tuple[str, str]] = []

    def poll() -> bool:
        nonlocal cursor
        page = _feed(backend.url, since=cursor).json()
        cursor = page["next_cursor"]
        seen.extend((n["notification_id"], n["status"]) for n in page["notifications"])
        return sum(1 for _, s in seen if s == "acknowledged") == len(reqs)

    wait_until(poll, timeout=5)
    rank = {"accepted": 0, "delivered": 1, "acknowledged": 2}
    for req in reqs:
        states = [rank[s] for nid, s in seen if nid == req.notification_id]
        assert states == sorted(states), states  # a notification never goes backwards in the feed
    # A fresh reader from the beginning sees each notification once, in its final state.
    everything = _feed(backend.url).json()["notifications"]
    assert sorted(n["notification_id"] for n in everything) == sorted(r.notification_id for r in reqs)
    assert {n["status"] for n in everything} == {"acknowledged"}
