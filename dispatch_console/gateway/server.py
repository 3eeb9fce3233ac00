"""The reference backend: a real HTTP server that implements notify API v1 (``resources/api/notify-api-v1.yaml``).

Training mode runs it in-process so trainees can dispatch without paging anyone; the tests run it to check the
console's client against a server that behaves like a real one, including the unpleasant parts a real backend
does under load (slow answers, ``503``, ``429``, being restarted in the middle of a fan-out). It is built on the
stdlib ``ThreadingHTTPServer`` so it adds no dependency, with the two settings the platform notes measured:
``disable_nagle_algorithm`` (else ≈ 40 ms per keep-alive request) and ``request_queue_size = 128`` (else ≈ 1 s
stalls with 20 simultaneous connections).

The token is compared in constant time and never logged: request logging writes only the method, path (without
its query string) and status code.

Left running on a network (``--host`` other than loopback) it must serve TLS, and it keeps one client from making it
useless for the others: tokens of at least 32 characters, the token checked before a body is read, a ``429`` after
20 wrong tokens a minute from one address, a connection limit and a deadline for each request's header (see
``guards``), and every hostile body or query answered with a ``4xx`` rather than a cut connection.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import logging
import math
import random
import re
import shutil
import socket
import sqlite3
import ssl
import tempfile
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from dispatch_console.domain.enums import UnitStatus
from dispatch_console.gateway.contract import (
    FEED_DEFAULT_LIMIT,
    FEED_MAX_LIMIT,
    ApiError,
    ContractError,
    UnitInfo,
    is_uuid,
    parse_notification_request,
)
from dispatch_console.gateway.demo_units import DEMO_UNITS
from dispatch_console.gateway.guards import (
    AUTH_FAILURES_PER_MINUTE,
    HEADER_TIMEOUT_S,
    AuthFailureLimiter,
    DeadlineReader,
    is_loopback_host,
)
from dispatch_console.gateway.json_body import BodyError, parse_json_body
from dispatch_console.gateway.store import ClaimResult, NotificationStore, decode_cursor, encode_cursor, fingerprint
from dispatch_console.gateway.tls import server_context

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MAX_BODY_BYTES = 1 << 20
"""A notification is a few kilobytes; anything above a megabyte is a client bug or an attack."""
MIN_TOKEN_LENGTH = 32
"""Shorter tokens are refused at start: 32 random URL-safe characters (190 bits) cannot be guessed over HTTP."""
MAX_CONNECTIONS = 128
"""Open connections served at once (one thread each); more are closed at once. Several consoles' pools fit."""
DRAIN_LIMIT = 64 * 1024
"""A refused request's body up to this size is read and dropped after the answer, so the answer is not lost to a TCP
reset; a larger one is not read at all and the connection is closed."""


@dataclass
class Faults:
    """Fault injection, to rehearse an overloaded or flaky backend (changeable while running).

    Attributes:
        latency_ms: Every POST waits this long before answering; while it waits, its key is ``in_progress``.
        fail_rate: Fraction (0..1) of POSTs answered ``503`` with ``Retry-After`` before anything is recorded.
        rate_limit: At most this many POSTs per second are admitted; the excess gets ``429`` with ``Retry-After``.
        retry_after_s: The ``Retry-After`` sent with ``503`` (whole seconds, as HTTP requires).
        fail_status: The status of an injected failure: ``503`` (with ``Retry-After``) or ``500`` (a crashing
            backend, without ``Retry-After``).
    """

    latency_ms: int = 0
    fail_rate: float = 0.0
    rate_limit: float | None = None
    retry_after_s: int = 1
    fail_status: int = 503

    def validate(self) -> None:
        """Reject settings that make no sense, at configuration time rather than mid-test.

        Raises:
            ValueError: A setting is out of range.
        """
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be > 0 (or None for no limit)")
        if self.retry_after_s < 0:
            raise ValueError("retry_after_s must be >= 0")
        if self.fail_status not in (500, 503):
            raise ValueError("fail_status must be 500 or 503")


class _Server(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` that knows its backend, limits and can cut open connections, and speaks TLS if told.

    TLS is wrapped per connection in the connection's own thread (``finish_request``), not on the listening socket:
    there the handshake would run in the accept loop, and one client that connects and sends nothing would stop
    every other client from being accepted.
    """

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], backend: _Runtime) -> None:
        self.runtime = backend
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._refusing = False
        super().__init__(address, _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Close a connection beyond ``max_connections`` at once: each holds a thread, and threads are finite."""
        limit = self.runtime.max_connections
        with self._open_lock:
            full = len(self._open) >= limit
        if full and not self._refusing:
            log.warning("%d connections open (the limit): closing new ones until one ends", limit)
        elif not full and self._refusing:
            log.info("below the connection limit again")
        self._refusing = full
        return not full

    def finish_request(self, request: Any, client_address: Any) -> None:
        context = self.runtime.tls
        if context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(self.runtime.header_timeout)  # the handshake counts against the header deadline
        try:
            conn = context.wrap_socket(request, server_side=True)
        except OSError as exc:  # ssl.SSLError, a timeout, a client that hung up
            log.info("TLS handshake with %s failed: %s", client_address[0], exc)
            return
        with self._open_lock:
            self._open.discard(request)  # wrap_socket detached it; the TLS socket is the connection now
            self._open.add(conn)
        try:
            super().finish_request(conn, client_address)
        finally:
            with self._open_lock:
                self._open.discard(conn)
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is normal under fan-out; log it quietly instead of a stderr traceback.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def cut_connections(self) -> None:
        """Close every open client connection: a stopped backend must look dead, not half-alive."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Runtime:
    """Everything one running server instance shares between its handler threads."""

    def __init__(
        self,
        *,
        token: str,
        store: NotificationStore,
        units: dict[str, UnitInfo],
        deliver_after: float,
        ack_after: float | None,
        faults: Faults,
        rng: random.Random,
        stats: Counter[int],
        stats_lock: threading.Lock,
        tls: ssl.SSLContext | None = None,
        max_connections: int = MAX_CONNECTIONS,
        header_timeout: float = HEADER_TIMEOUT_S,
        auth_failures: AuthFailureLimiter | None = None,
    ) -> None:
        self.tls = tls
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.auth_failures = auth_failures or AuthFailureLimiter()
        self.token = token.encode("utf-8")
        self.store = store
        self.units = units
        self.deliver_after = deliver_after
        self.ack_after = ack_after
        self.faults = faults
        self.rng = rng
        self.stats = stats
        self.stats_lock = stats_lock
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.next_wake = 0.0
        """When the lifecycle thread will look next on its own (epoch seconds; 0 while it is looking)."""
        self._rate_lock = threading.Lock()
        self._admitted: deque[float] = deque()

    def token_ok(self, header: str | None) -> bool:
        """Check ``Authorization: Bearer <token>`` in constant time (no timing oracle on the token)."""
        if not header:
            return False
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode("utf-8", "surrogateescape"), self.token)

    def rate_limited(self, now: float) -> float | None:
        """Admit one POST or return the seconds until one would be admitted (sliding one-second window)."""
        limit = self.faults.rate_limit
        if limit is None:
            return None
        with self._rate_lock:
            while self._admitted and self._admitted[0] <= now - 1.0:
                self._admitted.popleft()
            if len(self._admitted) >= limit:
                return self._admitted[0] + 1.0 - now
            self._admitted.append(now)
            return None

    def should_fail(self) -> bool:
        """Draw from the seeded generator: the same seed fails the same POSTs (by arrival order)."""
        if self.faults.fail_rate <= 0:
            return False
        with self._rate_lock:
            return self.rng.random() < self.faults.fail_rate

    def fail_reason(self, unit: UnitInfo) -> str | None:
        """An out-of-service unit's pager does not answer: its notifications fail, as they would for real."""
        if unit.status is UnitStatus.OUT_OF_SERVICE:
            return f"{unit.call_sign} is out of service; the page was not delivered"
        return None

    def count(self, status: int) -> None:
        with self.stats_lock:
            self.stats[status] += 1


_QUERY = re.compile(r"\?.*?(?=\sHTTP/\d|$)", re.DOTALL)


def hide_query(text: str) -> str:
    """Cut every query string out of a log line (up to `` HTTP/`` or the end), whatever it holds."""
    return _QUERY.sub("?<query hidden>", text)


class _Dropped(Exception):
    """The backend is stopping: drop the connection without an answer, like a process that died."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised for real
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection frees its thread after a minute
    server_version = "dispatch-reference-backend/1"
    server: _Server

    # --- plumbing ----------------------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        # Headers (and so the Authorization token) are never logged; the request line is, without its query
        # string, where a client that puts a token in the URL (``?access_token=``) would otherwise leak it.
        log.debug("%s - %s", self.address_string(), hide_query(format % args))

    def setup(self) -> None:
        super().setup()
        # Replace the socket file by one that enforces the header deadline across reads (see DeadlineReader).
        self.rfile.close()
        self._reader = DeadlineReader(self.connection, float(self.timeout))
        self._buffered = io.BufferedReader(self._reader)
        self.rfile = self._buffered
        self._first_request = True
        self._responded = False

    def handle_one_request(self) -> None:
        """Wait for a request, then give it ``header_timeout`` seconds to deliver its whole header.

        The first request's deadline runs from the connection's start, after the TLS handshake (which has its own
        ``header_timeout``): a connection that sends nothing is closed then. A keep-alive connection may idle for
        ``timeout`` between requests; a later request's deadline runs from its first byte.
        """
        reader, header_timeout = self._reader, self._rt().header_timeout
        if self._first_request:
            self._first_request = False
        else:
            reader.deadline = None
            try:
                if not self._buffered.peek(1):
                    self.close_connection = True
                    return
            except OSError:
                self.close_connection = True
                return
        reader.deadline = time.monotonic() + header_timeout
        self._responded = False
        super().handle_one_request()
        if reader.missed_deadline:
            log.info("%s did not send a complete request header within %g s", self.client_address[0], header_timeout)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, header too long…) in the contract's error shape, not HTML."""
        self.log_error("code %d, message %s", code, message)
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self.close_connection = True
        self._error(code, phrase.lower().replace(" ", "_").replace("-", "_"), message or phrase)

    def _rt(self) -> _Runtime:
        return self.server.runtime

    def _send(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self._responded = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)
        self._rt().count(status)

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._send(status, ApiError(code, message, fields or {}).to_json(), headers)

    def _read_body(self) -> bytes | None:
        """Read the whole body, so a keep-alive connection stays in sync whatever the answer is."""
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = True
            self._error(411, "length_required", "send the body with Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            self._error(413, "body_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
            return None
        return self.rfile.read(length) if length else b""

    def _wait_latency(self, started: float) -> None:
        delay = self._rt().faults.latency_ms / 1000.0 - (time.monotonic() - started)
        if delay > 0 and self._rt().stopping.wait(delay):
            raise _Dropped
        if self._rt().stopping.is_set():
            raise _Dropped

    def handle_expect_100(self) -> bool:
        """Say ``100 Continue`` only to a right token: a refused client is answered before it sends its body."""
        if urlsplit(self.path).path != "/v1/health" and not self._authorized(body_follows=False):
            return False
        return super().handle_expect_100()

    def _authorized(self, *, body_follows: bool = True) -> bool:
        """Check the token before the body is read; answer ``401`` (or ``429`` past the failure limit) if wrong.

        The body of a refused request is never processed: a small one is read and dropped after the answer (so the
        client is not reset before it reads the answer), a large one is not read at all and the connection closes.
        ``body_follows=False`` (``Expect: 100-continue``): the client waits for ``100`` before sending any body, so
        nothing is drained and the connection closes.
        """
        rt = self._rt()
        if rt.token_ok(self.headers.get("Authorization")):
            return True
        address = self.client_address[0]
        refusal = rt.auth_failures.fail(address)
        if refusal is None:
            self._error(
                401,
                "unauthorized",
                "missing or wrong bearer token",
                headers=[("WWW-Authenticate", 'Bearer realm="notify"')],
            )
        else:
            if refusal.first:
                log.warning(
                    "%s sent more than %d wrong tokens within a minute; answering them 429 for %.0f s",
                    address,
                    AUTH_FAILURES_PER_MINUTE,
                    refusal.retry_after,
                )
            self._error(
                429,
                "too_many_auth_failures",
                "too many requests with a wrong token from this address; retry after the given delay",
                headers=[("Retry-After", str(max(1, math.ceil(refusal.retry_after))))],
            )
        if body_follows:
            self._drop_body()
        else:
            self.close_connection = True
        return False

    def _drop_body(self) -> None:
        """After answering without the body (refused, or health): read and drop a small one, else close."""
        length = self.headers.get("Content-Length", "")
        chunked = self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity")
        if chunked or not length.isdigit() or len(length) > 7 or int(length) > DRAIN_LIMIT:
            self.close_connection = length != "" or chunked
            return
        self._reader.deadline = time.monotonic() + self._rt().header_timeout
        try:
            self.rfile.read(int(length))
        except OSError:
            self.close_connection = True
        finally:
            self._reader.deadline = None

    def _dispatch(self) -> None:
        """Route one request; an unexpected error is answered ``500`` (logged with its traceback), never a cut."""
        self._reader.deadline = None  # the header has arrived; the body gets the ordinary read timeout
        try:
            self._route()
        except (_Dropped, sqlite3.ProgrammingError):
            # Stopped mid-request: answer nothing, exactly like a backend process that was killed.
            self.close_connection = True
        except OSError:
            raise  # the client went away: logged quietly by the server's handle_error
        except Exception:
            log.exception("%s %s failed", self.command, urlsplit(self.path).path)
            self.close_connection = True
            if not self._responded:
                self._error(500, "internal_error", "the backend failed; nothing was recorded")

    def _route(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path
        if path == "/v1/health":  # needs no token, so it reads no body either
            if self.command in ("GET", "HEAD"):
                self._send(200, {"status": "ok"})
            else:
                self._method_not_allowed("GET")
            self._drop_body()
            return
        if not self._authorized():
            return
        body = self._read_body()
        if body is None:
            return
        if path == "/v1/units":
            if self.command != "GET":
                return self._method_not_allowed("GET")
            self._send(200, {"units": [u.to_json() for u in self._rt().units.values()]})
        elif path == "/v1/notifications":
            if self.command == "POST":
                self._post_notification(body, started)
            elif self.command == "GET":
                self._feed(parse_qs(url.query, keep_blank_values=True))
            else:
                self._method_not_allowed("GET, POST")
        elif path.startswith("/v1/notifications/") and "/" not in path[len("/v1/notifications/") :]:
            if self.command != "GET":
                return self._method_not_allowed("GET")
            self._get_notification(unquote(path[len("/v1/notifications/") :]))
        else:
            self._error(404, "not_found", "no such endpoint")

    def _method_not_allowed(self, allow: str) -> None:
        self._error(405, "method_not_allowed", f"use {allow}", headers=[("Allow", allow)])

    # --- endpoints ---------------------------------------------------------------------------------------------

    def _post_notification(self, body: bytes, started: float) -> None:
        rt = self._rt()
        wait = rt.rate_limited(time.monotonic())
        if wait is not None:
            self._wait_latency(started)
            return self._error(
                429,
                "rate_limited",
                "too many notifications per second; retry after the given delay",
                headers=[("Retry-After", str(max(1, math.ceil(wait))))],
            )
        if rt.should_fail():
            self._wait_latency(started)
            if rt.faults.fail_status == 500:
                return self._error(500, "internal_error", "the backend failed; nothing was recorded")
            return self._error(
                503,
                "unavailable",
                "the paging system is temporarily unavailable; nothing was recorded",
                headers=[("Retry-After", str(rt.faults.retry_after_s))],
            )
        key = (self.headers.get("Idempotency-Key") or "").strip()
        if not key:
            self._wait_latency(started)
            return self._error(400, "idempotency_key_missing", "send the notification_id as Idempotency-Key")
        try:
            data = parse_json_body(body)
        except BodyError as exc:
            self._wait_latency(started)
            message = "the body is not JSON this backend can read"
            return self._error(422, "invalid_request", message, {"body": str(exc)})
        try:
            request = parse_notification_request(data)
            if not is_uuid(key):
                raise ContractError("bad key", {"Idempotency-Key": "must be a UUID"})
            if request.notification_id != key:
                raise ContractError("key mismatch", {"notification_id": "must equal the Idempotency-Key header"})
        except ContractError as exc:
            self._wait_latency(started)
            return self._error(422, "invalid_request", "the request body is invalid", exc.fields)
        unit = rt.units.get(request.unit_id)
        if unit is None:
            self._wait_latency(started)
            return self._error(
                422, "unknown_unit", f"no unit {request.unit_id!r} on the roster", {"unit_id": "unknown unit"}
            )

        claim = rt.store.claim(key, fingerprint(data), time.time())
        if claim.result is ClaimResult.CLAIMED:
            try:
                self._wait_latency(started)  # the key is visibly "in progress" while this waits
                stored = rt.store.complete(
                    key,
                    request,
                    call_sign=unit.call_sign,
                    now=time.time(),
                    deliver_after=rt.deliver_after,
                    ack_after=rt.ack_after,
                    fail_reason=rt.fail_reason(unit),
                )
            except BaseException:
                # If stop() closed the store, the claim is dropped when the file is reopened.
                with contextlib.suppress(sqlite3.Error):
                    rt.store.release(key)
                raise
            if time.time() + rt.deliver_after < rt.next_wake:
                # Wake the lifecycle thread only when this page falls due before it would look anyway: in a
                # fan-out, one wake instead of twenty rounds of queries competing with the POSTs for the store lock.
                rt.wake.set()
            self._send(stored.status_code, stored.body)
            return
        self._wait_latency(started)
        if claim.result is ClaimResult.REPLAY:
            self._send(claim.status_code, claim.response, [("Idempotent-Replayed", "true")])
        elif claim.result is ClaimResult.IN_PROGRESS:
            self._error(
                409,
                "in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
                headers=[("Retry-After", "1")],
            )
        else:
            self._error(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different body",
                {"Idempotency-Key": "already used with a different body"},
            )

    def _get_notification(self, notification_id: str) -> None:
        rt = self._rt()
        rt.store.advance(time.time())
        status = rt.store.get(notification_id)
        if status is None:
            self._error(404, "not_found", "no notification with this id")
        else:
            self._send(200, status.to_json())

    def _feed(self, query: dict[str, list[str]]) -> None:
        rt = self._rt()
        problems: dict[str, str] = {}
        after = 0
        since = query.get("since", [""])[0]
        if since:
            try:
                after = decode_cursor(since)
            except ValueError:
                problems["since"] = "not a cursor from this backend; omit it to start at the beginning"
        limit = FEED_DEFAULT_LIMIT
        raw_limit = query.get("limit", [None])[0]
        if raw_limit is not None:
            # Length first: int() of 5,000 digits raises instead of answering (the int-digits limit).
            digits_ok = len(raw_limit) <= len(str(FEED_MAX_LIMIT)) and raw_limit.isascii() and raw_limit.isdigit()
            if digits_ok and 1 <= int(raw_limit) <= FEED_MAX_LIMIT:
                limit = int(raw_limit)
            else:
                problems["limit"] = f"an integer from 1 to {FEED_MAX_LIMIT}"
        if problems:
            return self._error(422, "invalid_request", "invalid query parameters", problems)
        rt.store.advance(time.time())
        items, last = rt.store.feed(after, limit)
        self._send(200, {"notifications": [i.to_json() for i in items], "next_cursor": encode_cursor(last)})

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = do_GET

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Any other method (QUERY, PROPFIND…) gets the contract's 405 with Allow rather than http.server's HTML 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


class ReferenceBackend:
    """The reference backend, run in-process (training mode, tests) or by ``python -m dispatch_console.gateway``.

    ``stop()`` and ``start()`` can be called repeatedly: the second ``start()`` binds the same port and reopens the
    same SQLite file, so a test can kill the backend in the middle of a fan-out and bring it back, and the console's
    retries must then be answered by replays rather than second pages.

    Args:
        token: The bearer token clients must send. Never logged or shown in ``repr``.
        host: Interface to bind; loopback by default so a training backend is never reachable from the network.
        port: Port to bind; 0 picks a free one on the first start (later starts reuse it).
        db_path: SQLite file; ``None`` uses a private temporary file removed by :meth:`close`.
        units: The roster; the demo city by default.
        deliver_after: Seconds from acceptance to the simulated pager delivery.
        ack_after: Seconds from acceptance to the unit's acknowledgement; ``None`` or negative means never.
        latency_ms: See :class:`Faults`.
        fail_rate: See :class:`Faults`.
        rate_limit: See :class:`Faults`.
        seed: Seed for ``fail_rate``'s draws, so a flaky run can be reproduced.
        tls_cert: PEM certificate (chain) file; with ``tls_key``, the backend serves HTTPS (TLS 1.2 or later).
        tls_key: PEM private key file of ``tls_cert``.
        max_connections: Connections served at once; more are closed as soon as they are accepted.
        header_timeout: Seconds a client has to send a request's whole header (and the TLS handshake).
        auth_clock: Monotonic clock of the failed-token window (tests inject one instead of waiting a minute).

    Raises:
        ValueError: An option is out of range, the token is shorter than :data:`MIN_TOKEN_LENGTH`, only one of the
            TLS files is given or they cannot be loaded, or ``host`` is not loopback and there is no TLS.
    """

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db_path: str | Path | None = None,
        units: Iterable[UnitInfo] | None = None,
        deliver_after: float = 0.1,
        ack_after: float | None = 5.0,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        rate_limit: float | None = None,
        seed: int | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        max_connections: int = MAX_CONNECTIONS,
        header_timeout: float = HEADER_TIMEOUT_S,
        auth_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"the token must be at least {MIN_TOKEN_LENGTH} characters (it has {len(token)}), so it cannot be "
                "guessed; make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("TLS needs both a certificate and its key (--tls-cert and --tls-key)")
        self._tls = None if tls_cert is None or tls_key is None else server_context(tls_cert, tls_key)
        if self._tls is None and not is_loopback_host(host):
            raise ValueError(
                f"refusing to listen on {host} without TLS: the bearer token would cross the network in clear "
                "text; give a certificate and key (--tls-cert, --tls-key) or bind 127.0.0.1"
            )
        if isinstance(max_connections, bool) or max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if not header_timeout > 0:
            raise ValueError("header_timeout must be > 0 seconds")
        self._max_connections = max_connections
        self._header_timeout = float(header_timeout)
        self._auth_failures = AuthFailureLimiter(clock=auth_clock)
        self._token = token
        self._host = host
        self._port = port
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="dispatch-backend-")
            db_path = Path(self._tmpdir) / "notify.sqlite3"
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._tmpdir, True)
        self._db_path = Path(db_path)
        self._units = {u.unit_id: u for u in (DEMO_UNITS if units is None else units)}
        self._deliver_after = max(0.0, deliver_after)
        self._ack_after = None if ack_after is None or ack_after < 0 else ack_after
        self._faults = Faults(latency_ms, fail_rate, rate_limit)
        self._faults.validate()
        self._rng = random.Random(seed)
        self._stats: Counter[int] = Counter()
        self._stats_lock = threading.Lock()
        self._server: _Server | None = None
        self._runtime: _Runtime | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = self.url if self._server else "stopped"
        return f"<ReferenceBackend {state} db={self._db_path}>"

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Open the store, bind, serve in background threads, and return the base URL.

        Raises:
            OSError: The port is taken.
            RuntimeError: Already running.
        """
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the backend is already running")
            store = NotificationStore(self._db_path)
            runtime = _Runtime(
                token=self._token,
                store=store,
                units=self._units,
                deliver_after=self._deliver_after,
                ack_after=self._ack_after,
                faults=self._faults,
                rng=self._rng,
                stats=self._stats,
                stats_lock=self._stats_lock,
                tls=self._tls,
                max_connections=self._max_connections,
                header_timeout=self._header_timeout,
                auth_failures=self._auth_failures,
            )
            try:
                server = _Server((self._host, self._port), runtime)
            except BaseException:
                store.close()
                raise
            self._port = server.server_address[1]
            self._server, self._runtime = server, runtime
            serve = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="backend-http", daemon=True
            )
            ticker = threading.Thread(target=self._lifecycle, args=(runtime,), name="backend-lifecycle", daemon=True)
            self._threads = [serve, ticker]
            serve.start()
            ticker.start()
            log.info("reference backend listening on %s", self.url)
            return self.url

    def stop(self) -> None:
        """Stop serving and cut every open connection; requests in flight get no answer. Idempotent."""
        with self._lock:
            server, runtime = self._server, self._runtime
            if server is None or runtime is None:
                return
            runtime.stopping.set()
            runtime.wake.set()
            server.shutdown()
            server.cut_connections()
            server.server_close()
            for thread in self._threads:
                thread.join(timeout=5)
            runtime.store.close()
            self._server = self._runtime = None
            self._threads = []
            log.info("reference backend stopped")

    def close(self) -> None:
        """Stop and remove the private temporary database, if one was made."""
        self.stop()
        if self._tmpdir is not None:
            self._cleanup()

    def __enter__(self) -> ReferenceBackend:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _lifecycle(rt: _Runtime) -> None:
        """Move notifications along accepted → delivered → acknowledged as their due times pass."""
        while not rt.stopping.is_set():
            # Clear before looking, and say "looking" (0): a POST committed from here on wakes the next wait.
            rt.wake.clear()
            rt.next_wake = 0.0
            try:
                rt.store.advance(time.time())
                due = rt.store.next_due()
            except sqlite3.ProgrammingError:
                return  # store closed by stop()
            except sqlite3.Error:
                log.exception("lifecycle step failed")
                due = None
            timeout = 1.0 if due is None else min(1.0, max(0.005, due - time.time()))
            rt.next_wake = time.time() + timeout
            rt.wake.wait(timeout)

    # --- inspection (Python only, never on the public API) --------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, ``http(s)://host:port`` (valid once started; stays the same across restarts)."""
        if self._port == 0:
            raise RuntimeError("the backend has not been started")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{'http' if self._tls is None else 'https'}://{host}:{self._port}"

    @property
    def port(self) -> int:
        """The bound port (0 before the first start)."""
        return self._port

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self._db_path

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._server is not None

    @property
    def units(self) -> list[UnitInfo]:
        """The roster this backend serves."""
        return list(self._units.values())

    def set_faults(
        self,
        *,
        latency_ms: int | None = None,
        fail_rate: float | None = None,
        rate_limit: float | bool | None = False,
        retry_after_s: int | None = None,
        fail_status: int | None = None,
    ) -> None:
        """Change fault injection while running (``rate_limit=None`` removes the limit; ``False`` keeps it).

        Raises:
            ValueError: A setting is out of range; nothing is changed then.
        """
        new = Faults(
            self._faults.latency_ms if latency_ms is None else latency_ms,
            self._faults.fail_rate if fail_rate is None else fail_rate,
            self._faults.rate_limit if rate_limit is False or rate_limit is True else rate_limit,
            self._faults.retry_after_s if retry_after_s is None else retry_after_s,
            self._faults.fail_status if fail_status is None else fail_status,
        )
        new.validate()
        self._faults.latency_ms = new.latency_ms
        self._faults.fail_rate = new.fail_rate
        self._faults.rate_limit = new.rate_limit
        self._faults.retry_after_s = new.retry_after_s
        self._faults.fail_status = new.fail_status

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """How many times each ``(case_number, unit_id)`` was actually notified (works while stopped too)."""
        return self._with_store(lambda s: s.delivery_counts())

    def notification_count(self) -> int:
        """How many notifications were recorded in total."""
        return self._with_store(lambda s: s.notification_count())

    def in_progress_keys(self) -> list[str]:
        """Idempotency keys currently claimed by a request still being processed (tests wait on this)."""
        return self._with_store(lambda s: s.in_progress_keys())

    def response_counts(self) -> dict[int, int]:
        """How many responses were sent per HTTP status code since this object was made (all starts)."""
        with self._stats_lock:
            return dict(self._stats)

    def _with_store(self, read: Callable[[NotificationStore], _T]) -> _T:
        with self._lock:
            if self._runtime is not None:
                return read(self._runtime.store)
            store = NotificationStore(self._db_path)
            try:
                return read(store)
            finally:
                store.close()
