"""The background sender of the outbox: claim due rows, send them concurrently, record every outcome.

Why a module of its own: sending is one job with its own thread, pool and console-wide health; the status feed and
escalation (:mod:`~dispatch_console.services.status_feed`) only share the database with it.

* Rows are *claimed* before sending (``claimed_by`` / ``claimed_until``, ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so several consoles sharing one database never send the same row at
  the same moment. A console killed while sending leaves a claim that simply expires; the next sender resends with
  the same idempotency key and the backend answers with a replay, not a second page.
* A claimed batch is sent CONCURRENTLY over one :class:`NotifyClient` (one pooled ``requests.Session``) by a thread
  pool as large as the fan-out: twenty units cost about one round trip, not twenty.
* Every outcome is written back with its audit entry and a change-log row: accepted; retrying (backoff with jitter,
  honouring ``Retry-After`` up to a cap, same key); failed (422 and friends) with the reason in words; or paused
  when the backend refuses the token - nothing is lost, and the console-wide :meth:`health` says so.
* A transient cause never ends a page while its threat is open: after the quick retries the page is tried again at
  the policy's capped interval (≤ 30 s), and at once when the health probe
  (:mod:`~dispatch_console.services.backend_probe`) sees the backend answer again. The threat's closing ends it.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Notification, ThreatRow
from dispatch_console.domain.enums import DeliveryState, Priority, Status
from dispatch_console.domain.text import plural
from dispatch_console.gateway.client import NotifyClient, OutcomeKind, SendOutcome
from dispatch_console.gateway.contract import (
    ContractError,
    parse_notification_request,
)
from dispatch_console.gateway.retry import RetryPolicy
from dispatch_console.services import audit
from dispatch_console.services.background_loop import BackgroundLoop
from dispatch_console.services.changes import record_change
from dispatch_console.services.clock import utcnow
from dispatch_console.services.notify_support import ClientFactory, Clock, log, retrying, service_actor
from dispatch_console.services.outbox import PENDING_STATES, RETRYING, serialize

AUTH_PAUSE_S = 30.0
"""While the backend refuses the token, queued rows are tried again this often (or at once after ``resume``)."""

DEFAULT_DEADLINES = {Priority.P1: 180.0, Priority.P2: 600.0}
"""Seconds to acknowledge, per priority; P3/P4 are not escalated (product: P1 3 min, P2 10 min)."""



@dataclass(frozen=True)
class BackendHealth:
    """How the backend looked on the last attempt, console-wide (for the banner and the status bar).

    Attributes:
        state: ``ok``, ``unknown`` (nothing sent yet), ``busy`` (429/5xx), ``unreachable`` (connection, timeout,
            TLS) or ``auth_failed`` (token refused or unreadable).
        message: Plain words for the operator; never contains the token.
        retry_every_s: How often queued notifications are tried again at most, in seconds.
    """

    state: str
    message: str
    retry_every_s: float

    @property
    def problem(self) -> bool:
        """True when the operator must be told that pages are waiting."""
        return self.state in ("busy", "unreachable", "auth_failed")


@dataclass(frozen=True)
class _Claimed:
    notification_id: str
    threat_id: int
    unit_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class _AuditSpec:
    """One audit entry to write for a notification state change (see ``OutboxDispatcher._record``)."""

    action: str
    record_id: str
    outcome: str
    detail: dict[str, Any]


def _priority_of(payload: dict[str, Any]) -> Priority:
    value = str(payload.get("priority", "P4"))
    return Priority(value) if value in Priority._value2member_map_ else Priority.P4


def _retry_words(delay: float) -> str:
    return f"{delay:.1f} s" if delay < 10 else f"{delay:.0f} s"


class OutboxDispatcher(BackgroundLoop):
    """Sends due outbox rows in the background; see the module docstring.

    Args:
        db: The database shared with the other consoles.
        client_factory: Builds the one :class:`NotifyClient` (pool at least ``fan_out``) when started.
        policy: Backoff, jitter and the number of automatic attempts.
        console_name: Written into claims and audit entries.
        clock: The time source (tests move it); waits still use real time.
        fan_out: Most notifications sent at once (thread pool size).
        claim_seconds: How long a claim protects a row from other senders; longer than the client's timeouts.
        idle_poll: Longest sleep between checks for due rows (other consoles' clicks arrive this way).
        auth_pause: See :data:`AUTH_PAUSE_S`.
        deadlines: Seconds to acknowledge per priority (``deadline_at`` is set on acceptance).
        rng: Jitter source.
    """

    def __init__(
        self,
        db: Database,
        client_factory: ClientFactory,
        policy: RetryPolicy,
        *,
        console_name: str,
        clock: Clock = utcnow,
        fan_out: int = 32,
        claim_seconds: float = 30.0,
        idle_poll: float = 1.0,
        auth_pause: float = AUTH_PAUSE_S,
        deadlines: dict[Priority, float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(client_factory)
        self._db = db
        self._policy = policy
        self._clock = clock
        self._fan_out = max(1, fan_out)
        self._claim = timedelta(seconds=claim_seconds)
        self._idle_poll = idle_poll
        self._auth_pause = auth_pause
        self._deadlines = dict(DEFAULT_DEADLINES if deadlines is None else deadlines)
        self._rng = rng or random.Random()
        self._actor = service_actor(console_name)
        self._me = f"{console_name}:{uuid.uuid4().hex[:8]}"
        self._pool: ThreadPoolExecutor | None = None
        self._health = BackendHealth("unknown", "", policy.max_delay)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    # --- lifecycle -------------------------------------------------------------------------------------------

    thread_name = "outbox-dispatcher"

    def _starting(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self._fan_out, thread_name_prefix="outbox-send")

    def _stopped(self) -> None:
        """The batch in flight has been recorded; rows not yet sent stay queued in the database."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def resume(self) -> None:
        """The token was changed: try every queued notification again now."""
        try:
            with self._db.write() as session:
                now = self._clock()
                rows = session.execute(
                    select(Notification).where(Notification.state == DeliveryState.QUEUED.value)
                ).scalars()
                for row in rows:
                    row.next_attempt_at = now
        except Exception as exc:  # the sender will still find them at the next pause's end
            log.warning("could not re-schedule queued notifications: %s", type(exc).__name__)
        with self._lock:
            self._health = BackendHealth("unknown", "", self._policy.max_delay)
        self.wake()

    def backend_is_back(self) -> int:
        """The health probe saw the backend answer again: every page waiting on a transient cause is due now.

        Returns how many pages were brought forward. Pages paused for a refused token are left alone (a healthy
        backend does not mean a valid token).
        """
        brought = 0
        try:
            with self._db.write() as session:
                now = self._clock()
                rows = session.execute(
                    select(Notification).where(
                        Notification.state == DeliveryState.QUEUED.value,
                        Notification.attempts > 0,
                        Notification.next_attempt_at > now,
                        Notification.last_error.like(RETRYING + "%"),
                    )
                ).scalars()
                for row in rows:
                    row.next_attempt_at = now
                    brought += 1
        except Exception as exc:  # the capped interval still brings them
            log.warning("could not bring waiting notifications forward: %s", type(exc).__name__)
        with self._lock:
            if self._health.state == "unreachable":
                self._health = BackendHealth("unknown", "", self._policy.max_delay)
        self.wake()
        return brought

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (on the sender thread) after each recorded batch; the UI re-reads then."""
        self._listeners.append(listener)

    def health(self) -> BackendHealth:
        """The backend as the last attempt saw it."""
        with self._lock:
            return self._health

    # --- the loop --------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            sent = 0
            try:
                sent = self.run_once()
            except Exception as exc:  # e.g. the database is still being migrated at start-up
                log.warning("outbox pass failed (%s); trying again shortly", type(exc).__name__)
                self._sleep(self._idle_poll)
                continue
            if sent:
                continue
            self._sleep(self._seconds_to_next_due())

    def _seconds_to_next_due(self) -> float:
        try:
            with self._db.read() as session:
                due = session.execute(
                    select(func.min(Notification.next_attempt_at)).where(Notification.state.in_(PENDING_STATES))
                ).scalar()
                claimed = session.execute(
                    select(func.min(Notification.claimed_until)).where(
                        Notification.state.in_(PENDING_STATES), Notification.claimed_until.is_not(None)
                    )
                ).scalar()
        except Exception:
            return self._idle_poll
        now = self._clock()
        candidates = [self._idle_poll]
        for when in (due, claimed):
            if when is not None:
                candidates.append((when - now).total_seconds())
        return min(max(min(candidates), 0.005), self._idle_poll)

    def run_once(self) -> int:
        """Claim due rows, send them concurrently and record every outcome; returns how many were sent."""
        client, pool = self._client, self._pool
        if client is None or pool is None:
            raise RuntimeError("start() the dispatcher first")
        batch = self._claim_due()
        if not batch:
            return 0
        futures: set[Future[tuple[_Claimed, SendOutcome]]] = {pool.submit(self._send_one, client, c) for c in batch}
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            self._record([f.result() for f in done])
        return len(batch)

    def _claim_due(self) -> list[_Claimed]:
        with self._db.write() as session:
            now = self._clock()
            stmt = (
                select(Notification)
                .where(
                    Notification.state.in_(PENDING_STATES),
                    Notification.next_attempt_at <= now,
                    or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
                )
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(self._fan_out)
            )
            if self._db.is_postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(session.execute(stmt).scalars())
            for row in rows:
                row.claimed_by = self._me
                row.claimed_until = now + self._claim
                row.state = DeliveryState.SENT.value
                if row.sent_at is None:
                    row.sent_at = now
                if row.deadline_at is None:
                    # The acknowledgement clock starts at the first try, not at acceptance: if the backend never
                    # takes the page, the escalation (and the console's own alarm) must still come on time.
                    seconds = self._deadlines.get(_priority_of(row.payload))
                    row.deadline_at = now + timedelta(seconds=seconds) if seconds else None
            return [_Claimed(r.id, r.threat_id, r.unit_id, dict(r.payload), r.attempts) for r in rows]

    @staticmethod
    def _send_one(client: NotifyClient, claimed: _Claimed) -> tuple[_Claimed, SendOutcome]:
        try:
            request = parse_notification_request(claimed.payload)
        except ContractError as exc:
            problems = "; ".join(f"{k} {v}" for k, v in sorted(exc.fields.items()))
            reason = f"the stored notification does not follow the contract ({problems}); report it"
            return claimed, SendOutcome(OutcomeKind.PERMANENT, claimed.notification_id, reason)
        return claimed, client.send(request)

    # --- recording -------------------------------------------------------------------------------------------

    def _record(self, results: list[tuple[_Claimed, SendOutcome]]) -> None:
        """Write a set of outcomes in ONE transaction, with one audit entry per notification state change.

        Why one transaction for many outcomes: on SQLite every commit is an fsync (``synchronous=FULL``) and every
        write transaction queues for the single writer lock, so twenty outcomes written one by one took longer than
        the twenty sends themselves. The audit stays exact: each notification still gets its own entry, in the same
        transaction as its state change; only the commit is shared.
        """
        health: BackendHealth | None = None

        def write() -> None:
            with self._db.write() as session:
                serialize(session)
                now = self._clock()
                ids = [claimed.notification_id for claimed, _outcome in results]
                # One locked read for the whole set instead of one per row (populate_existing: a retried
                # transaction must see the rows as they are now, not as the aborted attempt left them).
                rows = {
                    row.id: row
                    for row in session.execute(
                        select(Notification)
                        .where(Notification.id.in_(ids))
                        .order_by(Notification.id)
                        .with_for_update()
                        .execution_options(populate_existing=True)
                    ).scalars()
                }
                counts: dict[int, dict[str, int]] = {}
                entries: list[_AuditSpec] = []
                closed = self._closed_threats(session, rows.values(), results)
                for claimed, outcome in results:
                    row = rows.get(claimed.notification_id)
                    if row is None:
                        continue
                    verdict = self._apply(row, outcome, now, entries, closed.get(row.threat_id, ""))
                    if verdict:
                        per = counts.setdefault(row.threat_id, {})
                        per[verdict] = per.get(verdict, 0) + 1
                # The row changes go out as one batched UPDATE; then one audit entry per state change, in order.
                session.flush()
                for spec in entries:
                    audit.record(session, actor=self._actor, action=spec.action, record_type="notification",
                                 record_id=spec.record_id, outcome=spec.outcome, detail=spec.detail, at=now)
                for threat_id, per in counts.items():
                    what = "notifications: " + ", ".join(f"{n} {v}" for v, n in sorted(per.items()))
                    record_change(session, threat_id=threat_id, kind="updated", by=self._actor.username, what=what)

        retrying(write)
        for _claimed, outcome in results:
            health = self._health_from(outcome) or health
        if health is not None:
            with self._lock:
                self._health = health
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("outbox listener failed")

    def _health_from(self, outcome: SendOutcome) -> BackendHealth | None:
        every = self._policy.max_delay
        if outcome.kind is OutcomeKind.ACCEPTED:
            return BackendHealth("ok", "", every)
        if outcome.kind is OutcomeKind.AUTH_FAILED:
            return BackendHealth("auth_failed", outcome.reason, self._auth_pause)
        if outcome.kind is OutcomeKind.RETRYABLE:
            if outcome.http_status is None:
                return BackendHealth("unreachable", f"the backend is unreachable ({outcome.reason})", every)
            return BackendHealth("busy", f"the backend is busy ({outcome.reason})", every)
        return None

    @staticmethod
    def _closed_threats(
        session: Session, rows: Iterable[Notification], results: list[tuple[_Claimed, SendOutcome]]
    ) -> dict[int, str]:
        """Case numbers of the closed threats among rows that got a transient answer (only those can end by it)."""
        if not any(outcome.kind is OutcomeKind.RETRYABLE for _claimed, outcome in results):
            return {}
        ids = {row.threat_id for row in rows}
        found = session.execute(
            select(ThreatRow.id, ThreatRow.case_number).where(
                ThreatRow.id.in_(ids), ThreatRow.status == Status.CLOSED.value
            )
        ).all()
        return {int(threat_id): str(number) for threat_id, number in found}

    def _apply(
        self, row: Notification, outcome: SendOutcome, now: datetime, entries: list[_AuditSpec], closed_case: str = ""
    ) -> str:
        """Write one outcome to its row and append its audit entry to ``entries``; returns a word for the change log
        ('' = none). The caller records ``entries`` in the same transaction.

        A transient cause (connection refused, timeout, 5xx, 429, 409 in progress) never ends a page while its
        threat is open: after the policy's quick retries it is tried again at the capped interval, for as long as it
        takes. Only a permanent answer, or the threat's closing (``closed_case`` is its case number), ends it."""
        row.claimed_by = ""
        row.claimed_until = None
        detail: dict[str, Any] = {"threat_id": row.threat_id, "unit_id": row.unit_id, "round": row.round}
        if row.state not in PENDING_STATES:
            return ""  # another sender or the feed already moved it on; never move a notification backwards
        if outcome.kind is OutcomeKind.ACCEPTED:
            row.attempts += 1
            row.state = DeliveryState.ACCEPTED.value
            row.accepted_at = now
            row.last_error = ""
            seconds = self._deadlines.get(_priority_of(row.payload))
            row.deadline_at = now + timedelta(seconds=seconds) if seconds else None
            detail.update(attempts=row.attempts, replayed=outcome.replayed)
            entries.append(_AuditSpec("notification.accepted", row.id, "success", detail))
            return "accepted"
        if outcome.kind is OutcomeKind.AUTH_FAILED:
            row.state = DeliveryState.QUEUED.value
            row.next_attempt_at = now + timedelta(seconds=self._auth_pause)
            row.last_error = f"paused, not lost: {outcome.reason}"
            entries.append(_AuditSpec("notification.paused", row.id, "denied", detail))
            return "paused"
        row.attempts += 1
        detail.update(attempts=row.attempts, reason=outcome.reason, http_status=outcome.http_status)
        if outcome.kind is OutcomeKind.RETRYABLE and not closed_case:
            if self._policy.capped(outcome.retry_after):
                log.warning("the backend asked to wait %g s; waiting %g s at most (retry_after_cap_s)",
                            outcome.retry_after, self._policy.retry_after_cap)
                detail["retry_after_capped_s"] = outcome.retry_after
            delay = self._policy.delay(row.attempts, outcome.retry_after, self._rng)
            row.state = DeliveryState.QUEUED.value
            row.next_attempt_at = now + timedelta(seconds=delay)
            row.last_error = f"{RETRYING} {outcome.reason}; next try in {_retry_words(delay)}"
            detail["retry_in_s"] = round(delay, 3)
            detail["patient"] = not self._policy.should_retry(row.attempts)
            entries.append(_AuditSpec("notification.retrying", row.id, "failed", detail))
            return "retrying"
        row.state = DeliveryState.FAILED.value
        if outcome.kind is OutcomeKind.RETRYABLE:
            row.last_error = (f"not sent: {closed_case} was closed while the backend could not take the page "
                              f"({outcome.reason}; {plural(row.attempts, 'try', 'tries')})")
            detail["threat_closed"] = True
        else:
            row.last_error = outcome.reason
        entries.append(_AuditSpec("notification.failed", row.id, "failed", detail))
        return "failed"

