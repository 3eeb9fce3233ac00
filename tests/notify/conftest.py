"""Fixtures for the notification stories: the REAL reference backend on loopback and a fast-configured sender.

Deadlines, backoffs and polls are short (injected policy and intervals), and every wait polls a condition with a
deadline, so the stories run in seconds and still fail loudly when something never happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import Priority
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import outbox
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from dispatch_console.services.dispatcher import NotificationServices, build_services
from dispatch_console.services.notify_support import Clock
from dispatch_console.services.outbox import NotificationView, NotifyResult
from tests.waiting import wait_until as shared_wait_until

TOKEN = "notify-test-token-Hx81kPq-7Rw2Zt5Lm9Vc"
FAST = RetryPolicy(base=0.05, factor=2.0, max_delay=0.2, jitter=Jitter.NONE, max_attempts=60)
T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02) -> T:
    """The shared deadline poll (``tests.waiting``) with this suite's default timeout."""
    return shared_wait_until(predicate, timeout, interval)


@pytest.fixture
def backend(tmp_path) -> Iterator[ReferenceBackend]:  # type: ignore[no-untyped-def]
    """The reference backend on loopback; units deliver fast and never acknowledge unless a test says so."""
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "backend.sqlite3", deliver_after=0.05, ack_after=None)
    server.start()
    yield server
    server.close()


class Stack:
    """A console's notification services against one backend, started by the story."""

    def __init__(self, db: Database, url: str, token: Callable[[], str]) -> None:
        self.db = db
        self.url = url
        self.token = token
        self.started: list[NotificationServices] = []

    def start(
        self,
        *,
        policy: RetryPolicy = FAST,
        deadlines: dict[Priority, float] | None = None,
        max_escalations: int = 2,
        console_name: str = "console-a",
        read_timeout: float | None = None,
        clock: Clock | None = None,
        probe_interval: float = 0.05,
    ) -> NotificationServices:
        services = build_services(
            self.db, base_url=self.url, token_provider=self.token, console_name=console_name, policy=policy,
            deadlines=deadlines if deadlines is not None else {Priority.P1: 60.0, Priority.P2: 60.0},
            max_escalations=max_escalations, feed_interval=0.05, idle_poll=0.2, clock=clock or utcnow,
            probe_interval=probe_interval,
        )
        if read_timeout is not None:
            from dispatch_console.gateway.client import NotifyClient

            def factory() -> NotifyClient:
                return NotifyClient(self.url, self.token, read_timeout=read_timeout, connect_timeout=0.5)

            services.dispatcher._client_factory = factory
        services.start()
        self.started.append(services)
        return services

    def stop(self) -> None:
        for services in self.started:
            services.stop()
        self.started.clear()


MakeStack = Callable[[Database, str], Stack]


@pytest.fixture
def make_stack() -> Iterator[MakeStack]:
    """A console's notification services against the backend at ``url``; all of them stop after the test."""
    made: list[Stack] = []

    def make(db: Database, url: str) -> Stack:
        made.append(Stack(db, url, lambda: TOKEN))
        return made[-1]

    yield make
    for s in made:
        s.stop()


@pytest.fixture
def stack(db: Database, backend: ReferenceBackend) -> Iterator[Stack]:
    holder = {"token": TOKEN}
    s = Stack(db, backend.url, lambda: holder["token"])
    s.holder = holder  # type: ignore[attr-defined]
    yield s
    s.stop()


def click(db: Database, actor: Actor, threat_id: int, units: list[str],
          services: NotificationServices | None = None) -> NotifyResult:
    """The supervisor's click: one transaction, then the sender is woken."""
    with db.write() as session:
        result = outbox.notify_designated_units(
            session, actor=actor, threat_id=threat_id, unit_ids=units, now=datetime.now(UTC)
        )
    if services is not None:
        services.dispatcher.wake()
    return result


def views(db: Database, threat_id: int) -> list[NotificationView]:
    with db.read() as session:
        return outbox.notifications_for(session, threat_id=threat_id)


def states(db: Database, threat_id: int, round_no: int = 0) -> dict[str, str]:
    return {v.unit_id: v.state.value for v in views(db, threat_id) if v.round == round_no}


def all_in(db: Database, threat_id: int, wanted: set[str], n: int) -> bool:
    got = states(db, threat_id)
    return len(got) == n and all(s in wanted for s in got.values())


def exactly_once(backend: ReferenceBackend, case_number: str, units: list[str]) -> None:
    counts = backend.delivery_counts()
    for unit in units:
        assert counts.get((case_number, unit)) == 1, (unit, counts)
    assert {u for (c, u) in counts if c == case_number} == set(units)
