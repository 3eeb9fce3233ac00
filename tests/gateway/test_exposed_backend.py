"""The reference backend left running where other machines can reach it: what one client must not be able to do.

Every test runs a real server on loopback and talks to it over real sockets, often by hand, because the point is
what a client that does *not* behave like the console can do: send a short token, trickle a header, open every
connection, guess tokens, or put a token into a URL that ends up in the log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from collections.abc import Callable

import pytest
import requests

from dispatch_console.gateway.cli import _parser, main
from dispatch_console.gateway.client import AUTH_FAILED_REASON, AuthFailedError, NotifyClient, OutcomeKind
from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import TOKEN, SchemaCheck, auth, make_request, wait_until


def _raw(backend: ReferenceBackend, timeout: float = 5) -> socket.socket:
    return socket.create_connection(("127.0.0.1", backend.port), timeout=timeout)


def _read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


# --- start-up --------------------------------------------------------------------------------------------------------


def test_a_token_shorter_than_32_characters_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = "a-31-character-token-0123456789"
    assert len(short) == 31
    with pytest.raises(ValueError) as refused:
        ReferenceBackend(short)
    assert str(refused.value) == (
        "the token must be at least 32 characters (it has 31), so it cannot be guessed; make one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
    ReferenceBackend(short + "x").close()

    monkeypatch.setenv("DISPATCH_GATEWAY_TOKEN", short)
    assert main(["--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "gateway: refusing to start: the token in DISPATCH_GATEWAY_TOKEN must be at least 32 characters (it has 31); "
        "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
    )


def test_it_binds_loopback_unless_told_and_refuses_a_network_address_without_tls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _parser().parse_args([]).host == "127.0.0.1"
    with ReferenceBackend(TOKEN) as backend:
        assert backend.url.startswith("http://127.0.0.1:")
    for host in ("0.0.0.0", "::", "192.0.2.10", "cad.example.org"):
        with pytest.raises(ValueError) as refused:
            ReferenceBackend(TOKEN, host=host)
        assert str(refused.value) == (
            f"refusing to listen on {host} without TLS: the bearer token would cross the network in clear text; "
            "give a certificate and key (--tls-cert, --tls-key) or bind 127.0.0.1"
        )
    monkeypatch.setenv("DISPATCH_GATEWAY_TOKEN", TOKEN)
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "refusing to listen on 0.0.0.0 without TLS" in capsys.readouterr().err
    ReferenceBackend(TOKEN, host="::1").close()  # IPv6 loopback is loopback


# --- the token before the body ----------------------------------------------------------------------------------------


def test_the_token_is_checked_before_the_body_is_read(backend: ReferenceBackend) -> None:
    """A wrong token announcing a megabyte is answered at once; the server never waits for (or reads) the body."""
    with _raw(backend) as sock:
        sock.sendall(
            b"POST /v1/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = _read_answer(sock)  # the server answers and closes without the body having been sent
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 401 ")
    assert b'"code": "unauthorized"' in answer
    assert elapsed < 2


def test_a_wrong_token_never_gets_100_continue(backend: ReferenceBackend) -> None:
    """A client that asks before sending its body is refused before sending it (no ``100 Continue``)."""
    with _raw(backend) as sock:
        sock.sendall(
            b"POST /v1/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
            b"Expect: 100-continue\r\nContent-Length: 500\r\n\r\n"
        )
        answer = _read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 401 ") and b"100 Continue" not in answer
    with _raw(backend) as sock:  # the right token does get it
        sock.sendall(
            f"POST /v1/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n".encode()
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"


def test_health_needs_no_token_and_reads_no_body(backend: ReferenceBackend) -> None:
    with _raw(backend) as sock:
        sock.sendall(b"POST /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        answer = _read_answer(sock)  # answered and closed at once, with the megabyte never sent
    assert answer.startswith(b"HTTP/1.1 405 ") and b"Allow: GET" in answer


def test_a_refused_small_body_keeps_the_connection_usable(backend: ReferenceBackend) -> None:
    session = requests.Session()
    body = make_request().to_json()
    refused = session.post(f"{backend.url}/v1/notifications", json=body, headers=auth("wrong"), timeout=5)
    assert refused.status_code == 401
    ok = session.get(f"{backend.url}/v1/units", headers=auth(), timeout=5)
    assert ok.status_code == 200
    session.close()


# --- failed tokens ---------------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_more_than_20_wrong_tokens_a_minute_from_one_address_get_429(
    make_backend: Callable[..., ReferenceBackend], caplog: pytest.LogCaptureFixture, schema_check: SchemaCheck
) -> None:
    caplog.set_level(logging.WARNING, logger="dispatch_console.gateway.server")
    clock = FakeClock()
    backend = make_backend(auth_clock=clock)
    units = f"{backend.url}/v1/units"
    for i in range(20):
        clock.now += 1
        assert requests.get(units, headers=auth(f"guess-{i}"), timeout=5).status_code == 401, i
    clock.now += 1
    limited = requests.get(units, headers=auth("guess-20"), timeout=5)
    assert limited.status_code == 429
    assert limited.json() == {
        "error": {
            "code": "too_many_auth_failures",
            "message": "too many requests with a wrong token from this address; retry after the given delay",
        }
    }
    schema_check.check_response("/v1/units", "GET", limited)
    assert limited.headers["Retry-After"] == "40"  # the first failure (at +1 s) leaves the window at +61 s
    assert requests.get(units, headers=auth("guess-21"), timeout=5).status_code == 429
    # A correct token is never refused: a stale console behind the same address must not lock out the others.
    assert requests.get(units, headers=auth(), timeout=5).status_code == 200
    # The console reads the 429 as what it is, a refused token, not a busy backend to hammer.
    with NotifyClient(backend.url, lambda: "stale-token-of-another-console-000000") as stale:
        outcome = stale.send(make_request())
        assert (outcome.kind, outcome.reason, outcome.http_status) == (
            OutcomeKind.AUTH_FAILED,
            AUTH_FAILED_REASON,
            429,
        )
        with pytest.raises(AuthFailedError):
            stale.list_units()
    assert [r.getMessage() for r in caplog.records] == [
        "127.0.0.1 sent more than 20 wrong tokens within a minute; answering them 429 for 40 s"
    ]
    clock.now += 40  # the oldest failures leave the window
    assert requests.get(units, headers=auth("guess-22"), timeout=5).status_code == 401


# --- connections and headers -----------------------------------------------------------------------------------------


def test_connections_beyond_the_limit_are_closed_at_once(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(max_connections=3)
    held = [_raw(backend) for _ in range(3)]
    try:
        for sock in held:  # each is being served (a thread each): a request on it is answered
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        with _raw(backend) as extra:
            extra.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            with contextlib.suppress(ConnectionResetError):  # closed with the request unread: a reset is the same
                assert _read_answer(extra) == b""
        held.pop().close()
        r = wait_until(lambda: _health_or_none(backend.url))
        assert r.json() == {"status": "ok"}
    finally:
        for sock in held:
            sock.close()


def _health_or_none(url: str) -> requests.Response | None:
    try:
        return requests.get(f"{url}/v1/health", timeout=2)
    except requests.ConnectionError:
        return None


def test_a_header_that_trickles_in_is_cut_at_the_header_deadline(
    make_backend: Callable[..., ReferenceBackend], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dispatch_console.gateway.server")
    assert _parser().parse_args([]).header_timeout == 10.0  # the default; the test uses a shorter one
    backend = make_backend(header_timeout=0.5)
    with _raw(backend) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /v1/health HTTP/1.1\r\n")
        cut = None
        for i in range(40):  # a header line every 0.1 s: each read is quick, the header never ends
            try:
                sock.sendall(b"X-Slow-%d: y\r\n" % i)
            except OSError:
                cut = time.monotonic() - started
                break
            time.sleep(0.1)
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    cut = time.monotonic() - started
                    break
            except BlockingIOError:
                pass
            except OSError:
                cut = time.monotonic() - started
                break
            finally:
                sock.setblocking(True)
    assert cut is not None and 0.4 < cut < 1.5, cut
    assert "127.0.0.1 did not send a complete request header within 0.5 s" in caplog.messages


def test_a_silent_connection_is_closed_but_an_idle_keep_alive_one_is_not(
    make_backend: Callable[..., ReferenceBackend],
) -> None:
    backend = make_backend(header_timeout=0.3)
    with _raw(backend) as silent:
        started = time.monotonic()
        assert _read_answer(silent) == b""
        assert 0.2 < time.monotonic() - started < 2
    session = requests.Session()
    first = session.get(f"{backend.url}/v1/health", timeout=5)
    time.sleep(0.6)  # idle between two requests of the console's pool, longer than the header deadline
    second = session.get(f"{backend.url}/v1/health", timeout=5)
    assert first.status_code == second.status_code == 200
    assert backend.response_counts()[200] == 2
    session.close()


# --- the log ---------------------------------------------------------------------------------------------------------


def test_the_log_never_contains_a_query_strings_token(
    backend: ReferenceBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    leaked = "QUERY-TOKEN-abcdefghijklmnopqrstuvwxyz-0123"
    requests.get(f"{backend.url}/v1/units?access_token={leaked}", timeout=5)  # no header: 401
    requests.get(
        f"{backend.url}/v1/notifications", params={"since": leaked, "token": TOKEN}, headers=auth(), timeout=5
    )
    with _raw(backend) as sock:  # a malformed request line is logged as an error, with the line
        sock.sendall(f"GET /v1/units?token={leaked} extra HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert _read_answer(sock).startswith(b"HTTP/1.1 400 ")
    wait_until(lambda: len(_backend_lines(caplog)) == 4)
    lines = _backend_lines(caplog)  # the test's own HTTP library logs its URLs too; the backend's log is checked
    assert not any(leaked in line or TOKEN in line for line in lines)
    assert lines == [
        '127.0.0.1 - "GET /v1/units?<query hidden> HTTP/1.1" 401 -',
        '127.0.0.1 - "GET /v1/notifications?<query hidden> HTTP/1.1" 422 -',
        "127.0.0.1 - code 400, message Bad request syntax ('GET /v1/units?<query hidden> HTTP/1.1')",
        '127.0.0.1 - "GET /v1/units?<query hidden> HTTP/1.1" 400 -',
    ]


def _backend_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("dispatch_console.gateway")]


def test_a_malformed_request_line_gets_the_contracts_error_body(backend: ReferenceBackend) -> None:
    with _raw(backend) as sock:
        sock.sendall(b"GET /v1/health extra words HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_answer(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/json" in head
    assert json.loads(body) == {
        "error": {"code": "bad_request", "message": "Bad request syntax ('GET /v1/health extra words HTTP/1.1')"}
    }
