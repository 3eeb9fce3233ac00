"""Fault injection, many concurrent clients, and a backend restarted in the middle of a fan-out."""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dispatch_console.gateway.client import NotifyClient, OutcomeKind, SendOutcome
from dispatch_console.gateway.contract import NotificationRequest
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import TOKEN, SchemaCheck, make_request, post_raw, wait_until

PATROLS = [f"{code}-P{n}" for code in ("CEN", "NOR", "SOU", "EAS", "WES", "HAR") for n in (1, 2, 3, 4)]


def test_latency_delays_every_post(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend(latency_ms=300)
    started = time.monotonic()
    r = post_raw(backend.url, make_request().to_json())
    elapsed = time.monotonic() - started
    assert r.status_code == 202
    assert elapsed >= 0.3
    # GETs are not slowed down.
    started = time.monotonic()
    requests.get(f"{backend.url}/v1/health", timeout=5)
    assert time.monotonic() - started < 0.3


def test_fail_rate_answers_503_before_recording(
    make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck
) -> None:
    backend = make_backend(fail_rate=1.0)
    req = make_request()
    r = post_raw(backend.url, req.to_json())
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "unavailable"
    assert int(r.headers["Retry-After"]) >= 1
    schema_check.check_response("/v1/notifications", "POST", r)
    assert backend.notification_count() == 0
    # Nothing was recorded, not even the key: once the backend recovers, the same key is processed normally.
    backend.set_faults(fail_rate=0.0)
    assert post_raw(backend.url, req.to_json()).status_code == 202
    assert backend.delivery_counts() == {(req.incident.case_number, req.unit_id): 1}


def test_fail_status_500_is_declared_and_records_nothing(
    make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck
) -> None:
    backend = make_backend(fail_rate=1.0)
    backend.set_faults(fail_status=500)
    req = make_request()
    r = post_raw(backend.url, req.to_json())
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "Retry-After" not in r.headers
    schema_check.check_response("/v1/notifications", "POST", r)  # the document declares 500 with an Error body
    assert backend.notification_count() == 0
    backend.set_faults(fail_rate=0.0)
    assert post_raw(backend.url, req.to_json()).status_code == 202
    assert backend.delivery_counts() == {(req.incident.case_number, req.unit_id): 1}


def _codes(backend: ReferenceBackend, n: int) -> list[int]:
    return [
        post_raw(backend.url, make_request(unit_id="CEN-P1", case_number=f"TT-{i}").to_json()).status_code
        for i in range(n)
    ]


def test_fail_rate_is_deterministic_with_a_seed(make_backend: Callable[..., ReferenceBackend]) -> None:
    first = _codes(make_backend(fail_rate=0.5, seed=7), 30)
    second = _codes(make_backend(fail_rate=0.5, seed=7), 30)
    assert first == second
    assert 0 < first.count(503) < 30
    assert set(first) == {202, 503}


def test_rate_limit_answers_429_with_retry_after(
    make_backend: Callable[..., ReferenceBackend], schema_check: SchemaCheck
) -> None:
    backend = make_backend(rate_limit=5)
    responses = [post_raw(backend.url, make_request(case_number=f"TT-{i}").to_json()) for i in range(8)]
    codes = [r.status_code for r in responses]
    assert codes.count(202) == 5 and codes.count(429) == 3, codes
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    schema_check.check_response("/v1/notifications", "POST", limited)
    assert backend.notification_count() == 5


def test_twenty_threads_same_and_different_keys(make_backend: Callable[..., ReferenceBackend]) -> None:
    """20 threads post 20 distinct notifications, each one 3 times concurrently: each unit paged exactly once."""
    backend = make_backend(latency_ms=30)
    requests_ = [make_request(unit_id=u, case_number="TT-CONC") for u in PATROLS[:20]]
    barrier = threading.Barrier(20)
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=20))

    def worker(i: int) -> list[int]:
        barrier.wait()
        codes = []
        for j in range(3):
            req = requests_[(i + j) % 20]  # every key is posted by three different threads at about the same time
            codes.append(post_raw(backend.url, req.to_json(), session=session).status_code)
        return codes

    with ThreadPoolExecutor(20) as pool:
        results = [c for codes in pool.map(worker, range(20)) for c in codes]
    assert set(results) <= {202, 409}
    assert results.count(202) >= 20
    assert backend.delivery_counts() == {("TT-CONC", u): 1 for u in PATROLS[:20]}


def _send_until_done(client: NotifyClient, req: NotificationRequest, deadline: float) -> SendOutcome:
    """What the console's notification service does: retry with backoff and the same key."""
    policy = RetryPolicy(base=0.05, max_delay=0.3, jitter=Jitter.EQUAL, max_attempts=100)
    rng = random.Random(1)
    attempt = 0
    while True:
        outcome = client.send(req)
        attempt += 1
        if outcome.kind is not OutcomeKind.RETRYABLE or time.monotonic() > deadline:
            return outcome
        time.sleep(policy.delay(attempt, min(outcome.retry_after or 0, 0.3), rng))


def test_backend_killed_mid_fanout_then_restarted(make_backend: Callable[..., ReferenceBackend]) -> None:
    """Stop the backend while a fan-out is in flight, restart it on the same port and file: no double pages."""
    backend = make_backend(latency_ms=150, fail_rate=0.2, seed=3)
    url = backend.url
    reqs = [make_request(unit_id=u, case_number="TT-KILL") for u in PATROLS]
    client = NotifyClient(url, lambda: TOKEN, pool_size=32, read_timeout=2)
    deadline = time.monotonic() + 20
    with ThreadPoolExecutor(len(reqs)) as pool:
        futures = [pool.submit(_send_until_done, client, r, deadline) for r in reqs]
        wait_until(lambda: backend.notification_count() >= 3, timeout=10)
        backend.stop()
        assert not backend.running
        before = backend.notification_count()
        backend.start()
        assert backend.url == url
        outcomes = [f.result() for f in futures]
    assert all(o.kind is OutcomeKind.ACCEPTED for o in outcomes), [o.reason for o in outcomes]
    counts = backend.delivery_counts()
    assert counts == {("TT-KILL", u): 1 for u in PATROLS}
    assert before < len(PATROLS)  # the stop really happened in the middle of the fan-out
    client.close()


def test_stop_and_restart_keeps_data_and_replays(make_backend: Callable[..., ReferenceBackend]) -> None:
    backend = make_backend()
    req = make_request()
    first = post_raw(backend.url, req.to_json())
    port = backend.port
    backend.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{backend.url}/v1/health", timeout=2)
    backend.start()
    assert backend.port == port
    again = post_raw(backend.url, req.to_json())
    assert (again.status_code, again.content) == (first.status_code, first.content)
    got = requests.get(
        f"{backend.url}/v1/notifications/{req.notification_id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert got.status_code == 200
    assert backend.delivery_counts() == {(req.incident.case_number, req.unit_id): 1}


def test_stop_cuts_keepalive_connections(backend: ReferenceBackend) -> None:
    session = requests.Session()
    assert session.get(f"{backend.url}/v1/health", timeout=5).status_code == 200
    backend.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(f"{backend.url}/v1/health", timeout=2)


def test_restart_drops_stale_in_progress_claims(make_backend: Callable[..., ReferenceBackend]) -> None:
    """A request cut off mid-processing leaves no claim behind: after restart the key is not stuck at 409."""
    backend = make_backend(latency_ms=2000)
    req = make_request()
    worker = threading.Thread(target=lambda: _ignore(lambda: post_raw(backend.url, req.to_json(), timeout=5)))
    worker.start()
    wait_until(lambda: backend.in_progress_keys() == [req.notification_id], timeout=3)
    backend.stop()
    worker.join(5)
    backend.set_faults(latency_ms=0)
    backend.start()
    assert post_raw(backend.url, req.to_json()).status_code == 202
    assert backend.notification_count() == 1


def _ignore(fn: Callable[[], object]) -> None:
    with contextlib.suppress(requests.RequestException):
        fn()


def test_distinct_keys_are_distinct_notifications(backend: ReferenceBackend) -> None:
    """Two notifications for the same unit and case with different ids are two pages (the console must reuse ids)."""
    for _ in range(2):
        post_raw(backend.url, make_request(notification_id=str(uuid.uuid4())).to_json())
    assert backend.delivery_counts() == {("TT-2026-00042", "SRO-04"): 2}
