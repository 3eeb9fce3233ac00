"""Store and forward means forward: a P1 page outlives a five-minute backend outage and goes out once, unclicked.

Console time is injected (a clock the test moves), so five minutes of outage take a second or two; the backend is
the real reference backend on loopback, stopped and started on the same port.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Notification, ThreatRow
from dispatch_console.domain.enums import DeliveryState, Priority
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import outbox, units_alarm
from dispatch_console.services.actor import Actor
from dispatch_console.services.dispatcher import NotificationServices
from dispatch_console.settings import Settings, load_settings
from tests.notify.conftest import Stack, exactly_once, views, wait_until
from tests.notify.factories import make_threat

UNITS = ["SRO-04", "NOR-P1", "NOR-P2", "NOR-SUP"]
DONE = {"accepted", "delivered"}
# The product's schedule without jitter: quick retries after 1, 2, 4, 8, 16 s, then every 30 s (the cap).
REAL_SCHEDULE = RetryPolicy(base=1.0, factor=2.0, max_delay=30.0, jitter=Jitter.NONE, max_attempts=8)
NO_PROBE = 3600.0  # a probe interval longer than the test: only the capped interval can bring the pages


class ConsoleClock:
    """Console time that only moves when the story says so (thread-safe: the sender reads it on its thread)."""

    def __init__(self) -> None:
        self._now = datetime(2026, 4, 12, 14, 3, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def click_at(db: Database, actor: Actor, threat_id: int, clock: ConsoleClock, services: NotificationServices) -> None:
    with db.write() as session:
        outbox.notify_designated_units(session, actor=actor, threat_id=threat_id, unit_ids=UNITS, now=clock())
    services.dispatcher.wake()


def settled(db: Database, clock: ConsoleClock) -> bool:
    """Every page the sender owes at this console time has been tried and its outcome recorded."""
    with db.read() as session:
        rows = session.execute(select(Notification)).scalars().all()
    now = clock()
    return all(r.state not in ("queued", "sent") or (r.claimed_until is None and r.next_attempt_at > now)
               for r in rows)


def outage(db: Database, clock: ConsoleClock, services: NotificationServices, seconds: int, step: int = 5) -> None:
    """Let ``seconds`` of console time pass with the backend down, the sender trying whatever falls due."""
    for _ in range(seconds // step):
        clock.advance(step)
        services.dispatcher.wake()
        wait_until(lambda: settled(db, clock))


def audit_actions(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def accepted_at(db: Database) -> list[datetime]:
    """Console time of each acceptance, as audited (the sender's answer or the feed, whichever came first)."""
    return [e.at for e in audit_actions(db, "notification.accepted")]


def case_of(db: Database, threat_id: int) -> str:
    with db.read() as session:
        return session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]


def down_for_five_minutes(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, probe_interval: float
) -> tuple[int, ConsoleClock, NotificationServices]:
    """The common first act: a P1 is clicked while the backend is down, and stays down for 5 min of console time."""
    clock = ConsoleClock()
    backend.stop()
    threat_id = make_threat(db, call_taker, priority="P1")
    services = stack.start(policy=REAL_SCHEDULE, clock=clock, probe_interval=probe_interval,
                           deadlines={})  # escalation has its own story; here only delivery counts
    click_at(db, supervisor, threat_id, clock, services)
    wait_until(lambda: settled(db, clock))
    outage(db, clock, services, 300)

    shown = views(db, threat_id)
    assert {v.state.value for v in shown} == {"queued"}
    assert all(v.attempts > REAL_SCHEDULE.max_attempts for v in shown)  # past the quick retries, still trying
    attempts = shown[0].attempts
    assert attempts == 14  # at t = 0, 5, 10, 15, 25, 45 s (quick retries, on 5 s steps), then every 30 s to 285 s
    assert {v.state_words(UTC) for v in shown} == {
        f"waiting for the backend since 14:03 ({attempts} tries): could not reach the backend (connection refused "
        f"or lost); next try in 30 s"
    }
    assert audit_actions(db, "notification.failed") == []
    waits = [e.detail["retry_in_s"] for e in audit_actions(db, "notification.retrying")]
    assert max(waits) == 30.0 and len(waits) == len(UNITS) * attempts
    return threat_id, clock, services


def test_five_minutes_down_then_up_every_page_goes_out_once_within_one_capped_interval(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id, clock, services = down_for_five_minutes(db, stack, backend, supervisor, call_taker, NO_PROBE)
    backend.start()
    up = clock()
    clock.advance(REAL_SCHEDULE.max_delay)  # one capped interval, no click
    services.dispatcher.wake()
    wait_until(lambda: {v.state.value for v in views(db, threat_id)} <= DONE)
    assert sorted(accepted_at(db)) == [up + timedelta(seconds=30)] * len(UNITS)
    exactly_once(backend, case_of(db, threat_id), UNITS)


def test_the_health_probe_sends_the_waiting_pages_as_soon_as_the_backend_answers(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id, clock, services = down_for_five_minutes(db, stack, backend, supervisor, call_taker, 0.05)
    assert services.probe is not None
    probes_while_down = services.probe.probes
    assert probes_while_down >= 1 and services.probe.recoveries == 0
    backend.start()
    up = clock()  # console time stands still: only the probe can bring the pages forward
    wait_until(lambda: {v.state.value for v in views(db, threat_id)} <= DONE)
    assert sorted(accepted_at(db)) == [up] * len(UNITS)
    assert services.probe.recoveries == 1
    exactly_once(backend, case_of(db, threat_id), UNITS)


def test_one_probe_per_console_however_many_pages_wait(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    clock = ConsoleClock()
    backend.stop()
    services = stack.start(policy=REAL_SCHEDULE, clock=clock, probe_interval=0.05, deadlines={})
    for _ in range(3):
        click_at(db, supervisor, make_threat(db, call_taker), clock, services)
    wait_until(lambda: settled(db, clock))
    probes = [t for t in threading.enumerate() if t.name == "backend-probe"]
    assert len(probes) == 1  # twelve pages wait; one thread asks the backend's health
    assert services.probe is not None
    wait_until(lambda: services.probe.probes >= 3)  # type: ignore[union-attr]


def test_a_huge_retry_after_is_capped_and_logged(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ConsoleClock()
    backend.set_faults(fail_rate=1.0, retry_after_s=3600)  # a broken backend asking for an hour
    threat_id = make_threat(db, call_taker)
    policy = RetryPolicy(base=1.0, max_delay=30.0, jitter=Jitter.NONE, max_attempts=8, retry_after_cap=60.0)
    with caplog.at_level(logging.WARNING, logger="dispatch_console.services.dispatcher"):
        services = stack.start(policy=policy, clock=clock, deadlines={})
        with db.write() as session:
            outbox.notify_designated_units(session, actor=supervisor, threat_id=threat_id, unit_ids=["NOR-P1"],
                                           now=clock())
        services.dispatcher.wake()
        wait_until(lambda: views(db, threat_id)[0].attempts == 1 and settled(db, clock))
    page = views(db, threat_id)[0]
    assert page.next_attempt_at == clock() + timedelta(seconds=60)
    [entry] = audit_actions(db, "notification.retrying")
    assert entry.detail["retry_in_s"] == 60.0 and entry.detail["retry_after_capped_s"] == 3600.0
    assert "the backend asked to wait 3600 s; waiting 60 s at most (retry_after_cap_s)" in caplog.messages
    backend.set_faults(fail_rate=0.0)
    clock.advance(60)
    services.dispatcher.wake()
    wait_until(lambda: views(db, threat_id)[0].state.value in DONE)
    exactly_once(backend, case_of(db, threat_id), ["NOR-P1"])


def test_at_the_p1_deadline_with_the_backend_down_the_supervisor_is_paged_and_the_console_raises_its_alarm(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    clock = ConsoleClock()
    services = stack.start(policy=REAL_SCHEDULE, clock=clock, probe_interval=NO_PROBE,
                           deadlines={Priority.P1: 180.0, Priority.P2: 600.0})
    wait_until(lambda: services.feed.cycles >= 2)  # the roster was read while the backend was up
    backend.stop()
    threat_id = make_threat(db, call_taker, priority="P1", division="North")
    with db.write() as session:
        outbox.notify_designated_units(session, actor=supervisor, threat_id=threat_id,
                                       unit_ids=["NOR-P1", "SRO-04"], now=clock())
    services.dispatcher.wake()
    wait_until(lambda: settled(db, clock))
    outage(db, clock, services, 175)
    cycles = services.feed.cycles
    wait_until(lambda: services.feed.cycles >= cycles + 3)
    assert audit_actions(db, "threat.escalate") == [] and audit_actions(db, units_alarm.ALARM_ACTION) == []

    outage(db, clock, services, 10)  # the P1 deadline (3 min from the first try) passes, the backend still down
    [escalation] = wait_until(lambda: audit_actions(db, "threat.escalate"))
    case = case_of(db, threat_id)
    assert escalation.detail == {"case_number": case, "not_acknowledged": ["NOR-P1", "SRO-04"],
                                 "not_reached": ["NOR-P1", "SRO-04"], "notified": "NOR-SUP", "escalation": 1}
    with db.read() as session:
        [alarm] = units_alarm.alarms_after(session)
        assert units_alarm.still_unreached(session, [alarm]) == [alarm]
    assert alarm.text == f"P1 {case}: units not reached for 3 min (NOR-P1, SRO-04)"
    wait_until(lambda: settled(db, clock))  # the escalation page was tried at once, and waits like the others
    assert sorted((v.round, v.unit_id, v.state.value) for v in views(db, threat_id)) == [
        (0, "NOR-P1", "queued"), (0, "SRO-04", "queued"), (1, "NOR-SUP", "queued")]

    backend.start()
    clock.advance(REAL_SCHEDULE.max_delay)
    services.dispatcher.wake()
    wait_until(lambda: {v.state.value for v in views(db, threat_id)} <= DONE)
    exactly_once(backend, case, ["NOR-P1", "SRO-04", "NOR-SUP"])
    with db.read() as session:
        assert units_alarm.still_unreached(session, [alarm]) == []  # every page reached the backend: alarm over


def test_waiting_words_read_right_for_one_try_and_for_many() -> None:
    first_try = datetime(2026, 4, 12, 19, 3, 20, tzinfo=UTC)

    def waiting(attempts: int) -> str:
        view = outbox.NotificationView(
            "n1", 1, "NOR-P1", 0, False, DeliveryState.QUEUED, attempts,
            "retrying: the backend is temporarily unavailable; next try in 4.0 s", first_try, first_try, None, None,
            None, "", None, sent_at=first_try)
        return view.state_words(ZoneInfo("America/Chicago"))

    assert waiting(1) == ("waiting for the backend since 14:03 (1 try): the backend is temporarily unavailable; "
                          "next try in 4.0 s")
    assert waiting(7) == ("waiting for the backend since 14:03 (7 tries): the backend is temporarily unavailable; "
                          "next try in 4.0 s")


def test_retry_after_cap_and_proxy_are_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"retry_after_cap_s": 7200, "proxy_url": "http://proxy.example.org:3128"}))
    settings = load_settings(path)
    assert settings.retry_after_cap_s == 600 and settings.proxy_url == "http://proxy.example.org:3128"
    assert Settings().retry_after_cap_s == 60 and Settings().proxy_url == ""
