"""Faults survived, nothing lost, nothing doubled: each story ends with every (threat, unit) paged exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, ThreatRow
from dispatch_console.domain.enums import Outcome
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import outbox, triage
from dispatch_console.services.actor import Actor
from tests.notify.conftest import TOKEN, MakeStack, Stack, all_in, click, exactly_once, states, views, wait_until
from tests.notify.factories import make_threat

UNITS = ["SRO-04", "NOR-P1", "NOR-P2", "NOR-P3", "JUV-1", "NOR-SUP"]
DONE = {"accepted", "delivered"}


def case_of(db: Database, threat_id: int) -> str:
    with db.read() as session:
        return session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]


def errors(db: Database, threat_id: int) -> list[str]:
    return [v.last_error for v in views(db, threat_id) if v.last_error]


def test_backend_down_at_click_time_the_pages_wait_and_go_out_once_it_is_back(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    backend.stop()
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, UNITS, services)
    wait_until(lambda: services.dispatcher.health().state == "unreachable")
    assert "could not reach the backend" in services.dispatcher.health().message
    wait_until(lambda: len(errors(db, threat_id)) == len(UNITS))
    assert all(e.startswith("retrying: could not reach the backend") for e in errors(db, threat_id))
    assert set(states(db, threat_id).values()) <= {"queued", "sent"}
    backend.start()
    wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)))
    exactly_once(backend, case_of(db, threat_id), UNITS)
    assert services.dispatcher.health().state == "ok"


def test_backend_killed_in_the_middle_of_a_fan_out_and_restarted(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    db = sqlite_db
    stack = make_stack(db, backend.url)
    backend.set_faults(latency_ms=400)
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, UNITS, services)
    wait_until(lambda: backend.in_progress_keys())  # requests are being processed right now
    backend.stop()  # same port and SQLite file come back below
    backend.set_faults(latency_ms=0)
    backend.start()
    wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)))
    exactly_once(backend, case_of(db, threat_id), UNITS)


def test_timeouts_are_retried_with_the_same_key(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    db = sqlite_db
    stack = make_stack(db, backend.url)
    backend.set_faults(latency_ms=700)
    threat_id = make_threat(db, call_taker)
    services = stack.start(read_timeout=0.3)
    result = click(db, supervisor, threat_id, UNITS[:3], services)
    wait_until(lambda: any("did not answer in time" in e for e in errors(db, threat_id)))
    backend.set_faults(latency_ms=0)
    wait_until(lambda: all_in(db, threat_id, DONE, 3))
    exactly_once(backend, case_of(db, threat_id), UNITS[:3])
    assert sorted(v.notification_id for v in views(db, threat_id)) == sorted(result.notification_ids)
    assert all(v.attempts >= 2 for v in views(db, threat_id))


@pytest.mark.parametrize(
    ("faults", "words", "min_wait"),
    [
        ({"fail_rate": 1.0, "fail_status": 500}, "server error (HTTP 500)", 0.0),
        ({"fail_rate": 1.0, "retry_after_s": 1}, "temporarily unavailable; it asked to wait 1 s", 1.0),
    ],
    ids=["500", "503-retry-after"],
)
def test_server_errors_are_retried_and_retry_after_is_honoured(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor,
    faults: dict[str, float], words: str, min_wait: float, make_stack: MakeStack,
) -> None:
    db = sqlite_db
    stack = make_stack(db, backend.url)
    backend.set_faults(**faults)  # type: ignore[arg-type]
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, UNITS[:3], services)
    wait_until(lambda: len([e for e in errors(db, threat_id) if words in e]) == 3)
    assert services.dispatcher.health().state == "busy"
    with db.read() as session:
        retries = session.execute(
            select(AuditEntry).where(AuditEntry.action == "notification.retrying")
        ).scalars().all()
    assert retries and all(r.detail["retry_in_s"] >= min_wait for r in retries)
    backend.set_faults(fail_rate=0.0)
    wait_until(lambda: all_in(db, threat_id, DONE, 3))
    exactly_once(backend, case_of(db, threat_id), UNITS[:3])


def test_rate_limited_429_waits_as_asked_and_everyone_is_paged_once(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    db = sqlite_db
    stack = make_stack(db, backend.url)
    backend.set_faults(rate_limit=3)
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, UNITS, services)
    wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)), timeout=20)
    exactly_once(backend, case_of(db, threat_id), UNITS)
    assert backend.response_counts().get(429, 0) >= 3
    with db.read() as session:
        retries = session.execute(
            select(AuditEntry).where(AuditEntry.action == "notification.retrying")
        ).scalars().all()
    assert retries and all("rate-limiting" in r.detail["reason"] and r.detail["retry_in_s"] >= 1 for r in retries)


def test_422_is_not_retried_and_shows_the_reason_in_words(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, ["NOR-P1", "GONE-9"], services)
    wait_until(lambda: states(db, threat_id).get("GONE-9") == "failed")
    gone = next(v for v in views(db, threat_id) if v.unit_id == "GONE-9")
    assert gone.attempts == 1 and "does not know this unit" in gone.last_error
    assert gone.state_text.startswith("✖ failed: the backend does not know this unit")
    wait_until(lambda: states(db, threat_id).get("NOR-P1") in DONE)
    cycles = services.feed.cycles
    wait_until(lambda: services.feed.cycles >= cycles + 5)  # time for a wrong retry to show up
    assert backend.response_counts().get(422) == 1
    exactly_once(backend, case_of(db, threat_id), ["NOR-P1"])


def test_a_page_ended_by_closing_the_threat_is_retried_by_hand_with_the_same_key(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    """A transient cause never ends a page on its own; closing the threat does, and Retry still uses the same key."""
    backend.set_faults(fail_rate=1.0, retry_after_s=0)
    threat_id = make_threat(db, call_taker)
    services = stack.start(policy=RetryPolicy(base=0.02, max_delay=0.05, jitter=Jitter.NONE, max_attempts=2))
    result = click(db, supervisor, threat_id, ["NOR-P1"], services)
    wait_until(lambda: views(db, threat_id)[0].attempts > 4)  # well past the two quick retries: still owed
    assert states(db, threat_id) in ({"NOR-P1": "queued"}, {"NOR-P1": "sent"})
    with db.write() as session:
        version = session.get(ThreatRow, threat_id).version  # type: ignore[union-attr]
        triage.close(session, actor=supervisor, threat_id=threat_id, expected_version=version,
                     outcomes=[Outcome.UNFOUNDED])
    wait_until(lambda: states(db, threat_id) == {"NOR-P1": "failed"})
    failed = views(db, threat_id)[0]
    case = case_of(db, threat_id)
    assert failed.last_error == (f"not sent: {case} was closed while the backend could not take the page (the "
                                 f"backend is temporarily unavailable; it asked to wait 0 s; {failed.attempts} tries)")
    backend.set_faults(fail_rate=0.0)
    from datetime import UTC, datetime

    with db.write() as session:
        again = outbox.retry_failed(session, actor=supervisor, notification_id=failed.notification_id,
                                    now=datetime.now(UTC))
    assert again.notification_id == result.notification_ids[0] and again.state.value == "queued"
    services.dispatcher.wake()
    wait_until(lambda: states(db, threat_id).get("NOR-P1") in DONE)
    exactly_once(backend, case, ["NOR-P1"])


def test_a_refused_token_says_how_to_fix_it_and_nothing_is_lost(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    stack.holder["token"] = "an-old-revoked-token"  # type: ignore[attr-defined]
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, UNITS[:3], services)
    wait_until(lambda: services.dispatcher.health().state == "auth_failed")
    message = services.dispatcher.health().message
    assert "refused the console's credentials" in message
    assert "Settings → Backend" in message and "set-token" in message
    wait_until(lambda: len(errors(db, threat_id)) == 3)
    assert all(e.startswith("paused, not lost") for e in errors(db, threat_id))
    assert set(states(db, threat_id).values()) == {"queued"}
    stack.holder["token"] = TOKEN  # type: ignore[attr-defined]
    services.dispatcher.resume()
    wait_until(lambda: all_in(db, threat_id, DONE, 3))
    exactly_once(backend, case_of(db, threat_id), UNITS[:3])
