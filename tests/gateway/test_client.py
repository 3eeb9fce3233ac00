"""NotifyClient: one session, pinned TLS verification, classification of every answer, and no token leaks."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from dispatch_console.domain.enums import UnitKind
from dispatch_console.gateway.client import (
    AUTH_FAILED_REASON,
    AuthFailedError,
    NotFoundError,
    NotifyClient,
    NotifyError,
    OutcomeKind,
    parse_retry_after,
)
from dispatch_console.gateway.contract import NotificationState
from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import TOKEN, SchemaCheck, make_request, wait_until

# --- a tiny canned-answer server, for statuses the reference backend never sends (500, 408, 403…) -------------


class _Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    answer: tuple[int, dict[str, str], bytes] = (200, {}, b"{}")
    seen: list[tuple[str, dict[str, str], bytes]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.path, dict(self.headers), body))
        status, headers, raw = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _reply


@pytest.fixture
def canned() -> Iterator[Callable[[int, dict[str, str], Any], str]]:
    _SEEN.clear()
    handler = type("H", (_Canned,), {"seen": _SEEN})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def set_answer(status: int, headers: dict[str, str], body: Any) -> str:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.answer = (status, headers, raw)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield set_answer
    server.shutdown()
    server.server_close()


def _last_request(client: NotifyClient) -> tuple[str, dict[str, str], bytes]:
    return _SEEN[-1]


_SEEN: list[tuple[str, dict[str, str], bytes]] = []


def _err(code: str, message: str = "m", fields: dict[str, str] | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"code": code, "message": message}
    if fields:
        e["fields"] = fields
    return {"error": e}


# --- construction ------------------------------------------------------------------------------------------------


def test_one_session_with_pool_and_no_urllib3_retries() -> None:
    client = NotifyClient("https://cad.example.org/api", lambda: TOKEN, pool_size=40)
    adapter = client.session.get_adapter("https://cad.example.org/api/v1/units")
    assert adapter._pool_maxsize == 40  # type: ignore[attr-defined]
    assert adapter.max_retries.total == 0  # type: ignore[attr-defined]
    assert client.session.verify is True


def test_tls_verification_cannot_be_switched_off(tmp_path: Path) -> None:
    for bad in (False, "", 0):
        with pytest.raises(ValueError, match="cannot be switched off"):
            NotifyClient("https://cad.example.org", lambda: TOKEN, ca_bundle=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not exist"):
        NotifyClient("https://cad.example.org", lambda: TOKEN, ca_bundle=str(tmp_path / "missing.pem"))
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    client = NotifyClient("https://cad.example.org", lambda: TOKEN, ca_bundle=str(bundle))
    assert client.session.verify == str(bundle)


def test_plain_http_only_on_loopback_and_timeouts_required() -> None:
    with pytest.raises(ValueError, match="https"):
        NotifyClient("http://cad.example.org/api", lambda: TOKEN)
    NotifyClient("http://127.0.0.1:1", lambda: TOKEN)
    NotifyClient("http://localhost:1", lambda: TOKEN)
    with pytest.raises(ValueError, match="timeout"):
        NotifyClient("https://cad.example.org", lambda: TOKEN, read_timeout=0)
    with pytest.raises(ValueError):
        NotifyClient("https://user:pw@cad.example.org", lambda: TOKEN)


# --- against the reference backend -----------------------------------------------------------------------------


def test_health_units_send_get_feed(client: NotifyClient, backend: ReferenceBackend) -> None:
    assert client.health() is True
    units = client.list_units()
    assert len(units) == 61 and {u.kind for u in units} == set(UnitKind)
    req = make_request()
    outcome = client.send(req)
    assert outcome.kind is OutcomeKind.ACCEPTED and outcome.accepted
    assert outcome.status is NotificationState.ACCEPTED and outcome.accepted_at is not None
    assert outcome.http_status == 202 and not outcome.replayed
    again = client.send(req)
    assert again.accepted and again.replayed and again.accepted_at == outcome.accepted_at
    status = wait_until(
        lambda: (s := client.get_notification(req.notification_id)).status is NotificationState.DELIVERED and s
    )
    assert status.unit_id == "SRO-04" and status.delivered_at is not None
    page = client.feed(None)
    assert [n.notification_id for n in page.notifications] == [req.notification_id]
    assert client.feed(page.next_cursor).notifications == ()
    with pytest.raises(NotFoundError):
        client.get_notification(str(uuid.uuid4()))
    assert backend.delivery_counts() == {(req.incident.case_number, "SRO-04"): 1}


def test_client_request_body_follows_the_document(
    canned: Callable[[int, dict[str, str], Any], str], schema_check: SchemaCheck
) -> None:
    url = canned(202, {}, {"notification_id": "x", "status": "accepted", "accepted_at": "2026-01-01T00:00:00Z"})
    client = NotifyClient(url, lambda: TOKEN)
    schema = schema_check.request_body("/v1/notifications", "POST")
    for req in (make_request(), make_request(threatened_at=None, message="")):
        client.send(req)
        path, headers, body = _last_request(client)
        sent = json.loads(body)
        assert schema_check.errors(schema, sent) == []
        assert headers["Idempotency-Key"] == req.notification_id == sent["notification_id"]
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["Content-Type"] == "application/json"
        assert path == "/v1/notifications"
    # The schema is not vacuous: a broken body is rejected.
    broken = make_request().to_json()
    broken["incident"]["weapons"] = ["slingshot"]
    assert schema_check.errors(schema, broken)


def test_unknown_unit_is_permanent(client: NotifyClient) -> None:
    outcome = client.send(make_request(unit_id="NOPE"))
    assert outcome.kind is OutcomeKind.PERMANENT
    assert outcome.error_code == "unknown_unit" and outcome.http_status == 422
    assert outcome.reason == "the backend does not know this unit (it may have been removed from the roster)"


def test_reused_key_is_permanent(client: NotifyClient) -> None:
    req = make_request()
    assert client.send(req).accepted
    other = make_request(notification_id=req.notification_id, message="changed")
    outcome = client.send(other)
    assert outcome.kind is OutcomeKind.PERMANENT and outcome.error_code == "idempotency_key_reused"


def test_wrong_token_is_auth_failed(backend: ReferenceBackend) -> None:
    client = NotifyClient(backend.url, lambda: "not-the-token")
    outcome = client.send(make_request())
    assert outcome.kind is OutcomeKind.AUTH_FAILED and outcome.http_status == 401
    assert outcome.reason == AUTH_FAILED_REASON
    assert "python main.py set-token" in outcome.reason and "Settings → Backend" in outcome.reason
    with pytest.raises(AuthFailedError):
        client.list_units()
    assert client.health()  # health needs no token


def test_in_progress_409_is_retryable(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(latency_ms=500)
    client = NotifyClient(backend.url, lambda: TOKEN)
    req = make_request()
    first = threading.Thread(target=client.send, args=(req,))
    first.start()
    wait_until(lambda: backend.in_progress_keys() == [req.notification_id], timeout=3)
    outcome = client.send(req)
    first.join(5)
    assert outcome.kind is OutcomeKind.RETRYABLE and outcome.error_code == "in_progress"
    assert outcome.retry_after == 1.0 and "still processing" in outcome.reason


def test_503_and_429_are_retryable_with_retry_after(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(fail_rate=1.0)
    backend.set_faults(retry_after_s=7)
    client = NotifyClient(backend.url, lambda: TOKEN)
    outcome = client.send(make_request())
    assert outcome.kind is OutcomeKind.RETRYABLE and outcome.http_status == 503 and outcome.retry_after == 7.0
    assert "temporarily unavailable" in outcome.reason and "7 s" in outcome.reason
    backend.set_faults(fail_rate=0.0, rate_limit=1)
    assert client.send(make_request(case_number="TT-A")).accepted
    limited = client.send(make_request(case_number="TT-B"))
    assert limited.kind is OutcomeKind.RETRYABLE and limited.http_status == 429
    assert limited.retry_after is not None and limited.retry_after >= 1


def test_connection_refused_and_timeout_are_retryable(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(latency_ms=1500)
    slow = NotifyClient(backend.url, lambda: TOKEN, read_timeout=0.3)
    outcome = slow.send(make_request())
    assert outcome.kind is OutcomeKind.RETRYABLE and outcome.error_code == "timeout"
    backend.stop()
    refused = NotifyClient(backend.url, lambda: TOKEN).send(make_request())
    assert refused.kind is OutcomeKind.RETRYABLE and refused.error_code == "connection_error"
    with pytest.raises(NotifyError) as exc:
        NotifyClient(backend.url, lambda: TOKEN).list_units()
    assert exc.value.retryable and exc.value.__cause__ is None


@pytest.mark.parametrize(
    ("status", "headers", "body", "kind", "code"),
    [
        (500, {}, _err("boom"), OutcomeKind.RETRYABLE, "boom"),
        (502, {}, b"<html>bad gateway</html>", OutcomeKind.RETRYABLE, None),
        (408, {}, b"", OutcomeKind.RETRYABLE, None),
        (400, {}, _err("idempotency_key_missing"), OutcomeKind.PERMANENT, "idempotency_key_missing"),
        (404, {}, _err("not_found"), OutcomeKind.PERMANENT, "not_found"),
        (403, {}, _err("forbidden"), OutcomeKind.PERMANENT, "forbidden"),
        (422, {}, _err("invalid_request", fields={"priority": "bad"}), OutcomeKind.PERMANENT, "invalid_request"),
        (401, {}, _err("unauthorized"), OutcomeKind.AUTH_FAILED, "unauthorized"),
        (202, {}, {"unexpected": True}, OutcomeKind.PERMANENT, "bad_response"),
        (302, {"Location": "http://127.0.0.1:1/"}, b"", OutcomeKind.PERMANENT, None),
    ],
)
def test_classification_of_every_status_class(
    canned: Callable[[int, dict[str, str], Any], str],
    status: int,
    headers: dict[str, str],
    body: Any,
    kind: OutcomeKind,
    code: str | None,
) -> None:
    client = NotifyClient(canned(status, headers, body), lambda: TOKEN)
    outcome = client.send(make_request())
    assert outcome.kind is kind, outcome
    assert outcome.error_code == code
    assert outcome.http_status == status
    assert outcome.reason
    if code == "invalid_request":
        assert dict(outcome.fields) == {"priority": "bad"}
        assert outcome.reason == "the backend rejected the notification as invalid: field priority: bad"


def test_retry_after_http_date_and_garbage() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("999999") == 3600.0


# --- the token never leaks -----------------------------------------------------------------------------------


PLANTED = "PLANTED-s3cr3t-7f2a9c-5e4d3c2b1a0f9e8d"


def test_token_never_in_errors_or_logs(
    make_backend: Callable[..., ReferenceBackend], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = make_backend(token=PLANTED)
    texts: list[str] = []

    good = NotifyClient(backend.url, lambda: PLANTED)
    assert good.send(make_request()).accepted
    good.list_units()
    # Tokens that requests itself would quote in an exception (invalid header value), a provider that fails with
    # the token in its message, a wrong token, and a dead backend.
    bad_tokens: list[Callable[[], str]] = [
        lambda: PLANTED + "\n",
        lambda: " " + PLANTED,
        lambda: PLANTED + "é",
        lambda: "wrong-" + PLANTED[::-1],
        _raiser,
    ]
    for provider in bad_tokens:
        client = NotifyClient(backend.url, provider)
        outcome = client.send(make_request())
        assert outcome.kind is OutcomeKind.AUTH_FAILED, outcome
        texts += [repr(outcome), str(outcome.reason)]
        with pytest.raises(NotifyError) as exc:
            client.list_units()
        texts += [str(exc.value), repr(exc.value), repr(exc.value.__cause__), repr(exc.value.__context__)]
    backend.stop()
    client = NotifyClient(backend.url, lambda: PLANTED)
    texts.append(repr(client.send(make_request())))
    with pytest.raises(NotifyError) as exc:
        client.feed(None)
    texts += [str(exc.value), repr(exc.value.__cause__), repr(client), repr(backend)]
    out, err = capfd.readouterr()
    texts += [out, err, caplog.text]
    for text in texts:
        assert PLANTED not in text and PLANTED[::-1] not in text


def _raiser() -> str:
    raise RuntimeError(f"keyring exploded while holding {PLANTED}")


def test_requests_would_leak_a_bad_token_itself() -> None:
    """Why the client validates the token first: requests quotes invalid header values in its exception text."""
    with pytest.raises(requests.exceptions.InvalidHeader) as exc:
        requests.Request("GET", "http://127.0.0.1:1/", headers={"Authorization": f"Bearer {PLANTED}\n"}).prepare()
    assert PLANTED in str(exc.value)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_server_error_is_described_as_waiting_not_failed(
    canned: Callable[[int, dict[str, str], Any], str], status: int
) -> None:
    """The units panel shows a transient cause after "waiting for the backend since 14:03 (7 tries):"; the page is
    not failed, so the words must not say it is ("the backend failed with a server error" read as a lost page)."""
    client = NotifyClient(canned(status, {}, b""), lambda: TOKEN)
    outcome = client.send(make_request())
    assert (outcome.kind, outcome.reason) == (
        OutcomeKind.RETRYABLE, f"the backend reported a server error (HTTP {status})")
