"""The background sender of the outbox, the status-feed follower and the escalation of late acknowledgements.

Plain Python threads (services never import Qt): the UI starts them once through the composition root and only
reads what they wrote to the database.

Sending (:class:`OutboxDispatcher`):

* Rows are *claimed* before sending (``claimed_by`` / ``claimed_until``, ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so several consoles sharing one database never send the same row at
  the same moment. A console killed while sending leaves a claim that simply expires; the next sender resends with
  the same idempotency key and the backend answers with a replay, not a second page.
* A claimed batch is sent CONCURRENTLY over one :class:`NotifyClient` (one pooled ``requests.Session``) by a thread
  pool as large as the fan-out: twenty units cost about one round trip, not twenty.
* Every outcome is written back with its audit entry and a change-log row: accepted; retrying (backoff with jitter,
  honouring ``Retry-After``, same key); failed (422 and friends, or too many attempts) with the reason in words;
  or paused when the backend refuses the token - nothing is lost, and the console-wide :meth:`health` says so.

Following (:class:`StatusFeedFollower`): polls ``GET /v1/notifications?since=`` with the cursor persisted in the
``sequences`` table in the same transaction as the changes it applied, so a restart neither skips nor re-applies
a page. After each poll it escalates: a P1/P2 notification not acknowledged by its deadline flags the threat and
pages the division supervisor as a new round, at most ``max_escalations`` times.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Notification, Sequence, ThreatRow
from dispatch_console.domain.enums import DeliveryState, Priority, Role, Status
from dispatch_console.domain.routing import UnitView, escalation_target
from dispatch_console.gateway.client import NotifyClient, NotifyError, OutcomeKind, SendOutcome
from dispatch_console.gateway.contract import (
    ContractError,
    FeedPage,
    NotificationState,
    NotificationStatus,
    parse_notification_request,
)
from dispatch_console.gateway.retry import RetryPolicy
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.changes import record_change
from dispatch_console.services.clock import utcnow
from dispatch_console.services.outbox import PENDING_STATES, queue_escalation, serialize

log = logging.getLogger(__name__)
_R = TypeVar("_R")

Clock = Callable[[], datetime]
ClientFactory = Callable[[], NotifyClient]

AUTH_PAUSE_S = 30.0
"""While the backend refuses the token, queued rows are tried again this often (or at once after ``resume``)."""

DEFAULT_DEADLINES = {Priority.P1: 180.0, Priority.P2: 600.0}
"""Seconds to acknowledge, per priority; P3/P4 are not escalated (product: P1 3 min, P2 10 min)."""


def service_actor(console_name: str) -> Actor:
    """Who the audit log names for what the background services do on this console."""
    return Actor("outbox", "Notification service", Role.SUPERVISOR, console_name)


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


def _retry_words(delay: float) -> str:
    return f"{delay:.1f} s" if delay < 10 else f"{delay:.0f} s"


class OutboxDispatcher:
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
        self._db = db
        self._client_factory = client_factory
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
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: NotifyClient | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._health = BackendHealth("unknown", "", policy.max_delay)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Build the client and start the sender thread (idempotent)."""
        if self._thread is not None:
            return
        self._client = self._client_factory()
        self._pool = ThreadPoolExecutor(max_workers=self._fan_out, thread_name_prefix="outbox-send")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the batch in flight is recorded; rows not yet sent stay queued in the database."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        self._thread = self._pool = self._client = None

    def wake(self) -> None:
        """Look for due rows now (after a click), instead of at the next idle poll."""
        self._wake.set()

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

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (on the sender thread) after each recorded batch; the UI re-reads then."""
        self._listeners.append(listener)

    def health(self) -> BackendHealth:
        """The backend as the last attempt saw it."""
        with self._lock:
            return self._health

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._thread is not None

    # --- the loop --------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            sent = 0
            try:
                sent = self.run_once()
            except Exception as exc:  # e.g. the database is still being migrated at start-up
                log.warning("outbox pass failed (%s); trying again shortly", type(exc).__name__)
                self._wake.wait(self._idle_poll)
                self._wake.clear()
                continue
            if sent:
                continue
            self._wake.wait(self._seconds_to_next_due())
            self._wake.clear()

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
                for claimed, outcome in results:
                    row = rows.get(claimed.notification_id)
                    if row is None:
                        continue
                    verdict = self._apply(row, outcome, now, entries)
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

    def _apply(self, row: Notification, outcome: SendOutcome, now: datetime, entries: list[_AuditSpec]) -> str:
        """Write one outcome to its row and append its audit entry to ``entries``; returns a word for the change log
        ('' = none). The caller records ``entries`` in the same transaction."""
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
            seconds = self._deadlines.get(Priority(str(row.payload.get("priority", "P4"))))
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
        if outcome.kind is OutcomeKind.RETRYABLE and self._policy.should_retry(row.attempts):
            delay = self._policy.delay(row.attempts, outcome.retry_after, self._rng)
            row.state = DeliveryState.QUEUED.value
            row.next_attempt_at = now + timedelta(seconds=delay)
            row.last_error = f"retrying: {outcome.reason}; next try in {_retry_words(delay)}"
            detail["retry_in_s"] = round(delay, 3)
            entries.append(_AuditSpec("notification.retrying", row.id, "failed", detail))
            return "retrying"
        row.state = DeliveryState.FAILED.value
        if outcome.kind is OutcomeKind.RETRYABLE:
            row.last_error = f"gave up after {row.attempts} attempts: {outcome.reason}; press Retry to try again"
        else:
            row.last_error = outcome.reason
        entries.append(_AuditSpec("notification.failed", row.id, "failed", detail))
        return "failed"


def feed_cursor_name(backend_url: str) -> str:
    """The ``sequences`` row holding the feed cursor of one backend (cursors of two backends never mix)."""
    return "feed:" + hashlib.sha256(backend_url.rstrip("/").encode("utf-8")).hexdigest()[:32]


class StatusFeedFollower:
    """Follows the backend's status feed and escalates late acknowledgements; see the module docstring.

    Args:
        db: The shared database.
        client_factory: Builds this follower's own client (reads only).
        backend_url: Names the cursor row.
        console_name: For audit entries.
        clock: The time source.
        interval: Seconds between feed polls.
        max_escalations: How many times one threat is escalated at most.
        on_queued: Called when an escalation queued a page (pass the dispatcher's ``wake``).
        roster_ttl: Seconds the unit roster (for the escalation target) is reused.
    """

    def __init__(
        self,
        db: Database,
        client_factory: ClientFactory,
        *,
        backend_url: str,
        console_name: str,
        clock: Clock = utcnow,
        interval: float = 1.0,
        max_escalations: int = 2,
        on_queued: Callable[[], None] | None = None,
        roster_ttl: float = 60.0,
    ) -> None:
        self._db = db
        self._client_factory = client_factory
        self._cursor_name = feed_cursor_name(backend_url)
        self._actor = service_actor(console_name)
        self._clock = clock
        self._interval = interval
        self._max_escalations = max(0, max_escalations)
        self._on_queued = on_queued
        self._roster_ttl = timedelta(seconds=roster_ttl)
        self._roster: list[UnitView] = []
        self._roster_at: datetime | None = None
        self._client: NotifyClient | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0
        """Completed poll-and-escalate cycles (tests wait on it instead of sleeping)."""
        self.last_error = ""

    def start(self) -> None:
        """Start following (idempotent)."""
        if self._thread is not None:
            return
        self._client = self._client_factory()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="status-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the current cycle."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        if self._client is not None:
            self._client.close()
        self._thread = self._client = None

    def wake(self) -> None:
        """Poll now."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
                self.escalate_overdue()
                self.last_error = ""
            except NotifyError as exc:
                self.last_error = exc.reason
            except Exception as exc:
                self.last_error = type(exc).__name__
                log.warning("status feed cycle failed (%s)", type(exc).__name__)
            self.cycles += 1
            self._wake.wait(self._interval)
            self._wake.clear()

    # --- feed ------------------------------------------------------------------------------------------------

    def poll_once(self, max_pages: int = 20) -> int:
        """Apply every feed page available now; returns how many statuses were applied."""
        client = self._require_client()
        applied = 0
        for _ in range(max_pages):
            with self._db.read() as session:
                row = session.get(Sequence, self._cursor_name)
                cursor = row.text_value if row is not None and row.text_value else None
            page = client.feed(cursor)
            if not page.notifications and page.next_cursor == (cursor or page.next_cursor):
                return applied
            def write(page: FeedPage = page) -> int:
                with self._db.write() as session:
                    serialize(session)
                    touched: dict[int, list[str]] = {}
                    now = self._clock()
                    count = 0
                    for status in page.notifications:
                        verdict = self._apply(session, status, now)
                        if verdict:
                            touched.setdefault(verdict[0], []).append(verdict[1])
                            count += 1
                    seq = session.get(Sequence, self._cursor_name, with_for_update=True)
                    if seq is None:
                        session.add(Sequence(name=self._cursor_name, value=0, text_value=page.next_cursor[:64]))
                    else:
                        seq.text_value = page.next_cursor[:64]
                        seq.value += 1
                    for threat_id, words in touched.items():
                        record_change(session, threat_id=threat_id, kind="updated", by=self._actor.username,
                                      what="units: " + ", ".join(words))
                    return count

            applied += retrying(write)
            if not page.notifications:
                return applied
        return applied

    def _apply(self, session: Session, status: NotificationStatus, now: datetime) -> tuple[int, str] | None:
        row = session.get(Notification, status.notification_id, with_for_update=True, populate_existing=True)
        if row is None:
            return None  # another client's notification on the same backend
        detail: dict[str, Any] = {"threat_id": row.threat_id, "unit_id": row.unit_id, "round": row.round}
        changed = ""
        if row.state in PENDING_STATES and status.status is not NotificationState.FAILED:
            # The response was lost (a crash after sending): the feed proves the backend has it.
            row.state = DeliveryState.ACCEPTED.value
            row.accepted_at = status.accepted_at
            row.claimed_by = ""
            row.claimed_until = None
            audit.record(session, actor=self._actor, action="notification.accepted", record_type="notification",
                         record_id=row.id, detail={**detail, "via": "feed"}, at=now)
            changed = "accepted"
        if status.delivered_at is not None and row.delivered_at is None:
            row.delivered_at = status.delivered_at
            if row.state == DeliveryState.ACCEPTED.value:
                row.state = DeliveryState.DELIVERED.value
            audit.record(session, actor=self._actor, action="notification.delivered", record_type="notification",
                         record_id=row.id, detail=detail, at=now)
            changed = "delivered"
        if status.status is NotificationState.ACKNOWLEDGED and row.acknowledged_at is None:
            row.acknowledged_at = status.acknowledged_at or now
            row.acknowledged_by = (status.acknowledged_by or "")[:100]
            row.state = DeliveryState.ACKNOWLEDGED.value
            threat = _lock_threat(session, row.threat_id)
            if threat is not None:
                if threat.first_ack_at is None or row.acknowledged_at < threat.first_ack_at:
                    threat.first_ack_at = row.acknowledged_at
                if threat.ack_overdue and row.round == threat.escalations:
                    threat.ack_overdue = False  # the current round answered: the alarm is over
            audit.record(session, actor=self._actor, action="notification.acknowledged", record_type="notification",
                         record_id=row.id, detail={**detail, "by": row.acknowledged_by}, at=now)
            changed = "acknowledged"
        if status.status is NotificationState.FAILED and row.state != DeliveryState.FAILED.value:
            row.state = DeliveryState.FAILED.value
            row.last_error = "the backend could not deliver it: " + (status.failure_reason or "no reason given")
            audit.record(session, actor=self._actor, action="notification.failed", record_type="notification",
                         record_id=row.id, outcome="failed", detail={**detail, "reason": row.last_error}, at=now)
            changed = "failed"
        return (row.threat_id, f"{row.unit_id} {changed}") if changed else None

    # --- escalation ------------------------------------------------------------------------------------------

    def _roster_views(self) -> list[UnitView]:
        now = self._clock()
        if self._roster_at is None or now - self._roster_at > self._roster_ttl:
            units = self._require_client().list_units()
            self._roster = [UnitView(u.unit_id, u.call_sign, u.kind, u.division, u.status) for u in units]
            self._roster_at = now
        return self._roster

    def escalate_overdue(self) -> int:
        """Flag threats with a late acknowledgement and page their division supervisor; returns escalations."""
        now = self._clock()
        with self._db.read() as session:
            candidates = list(
                session.execute(
                    select(ThreatRow.id)
                    .join(Notification, Notification.threat_id == ThreatRow.id)
                    .where(
                        Notification.deadline_at.is_not(None),
                        Notification.deadline_at <= now,
                        Notification.acknowledged_at.is_(None),
                        Notification.state.in_([DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]),
                        Notification.round == ThreatRow.escalations,
                        ThreatRow.status != Status.CLOSED.value,
                        or_(ThreatRow.escalations < self._max_escalations, ThreatRow.ack_overdue.is_(False)),
                    )
                    .distinct()
                ).scalars()
            )
        if not candidates:
            return 0
        roster = self._roster_views() if self._max_escalations else []
        queued = 0
        for threat_id in candidates:

            def write(threat_id: int = threat_id) -> int:
                with self._db.write() as session:
                    serialize(session)
                    return self._escalate_one(session, threat_id, roster, self._clock())

            queued += retrying(write)
        if queued and self._on_queued is not None:
            self._on_queued()
        return queued

    def _escalate_one(self, session: Session, threat_id: int, roster: list[UnitView], now: datetime) -> int:
        threat = _lock_threat(session, threat_id)
        if threat is None:
            return 0
        overdue = list(
            session.execute(
                select(Notification.unit_id).where(
                    Notification.threat_id == threat_id,
                    Notification.round == threat.escalations,
                    Notification.deadline_at <= now,
                    Notification.acknowledged_at.is_(None),
                    Notification.state.in_([DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value]),
                )
            ).scalars()
        )
        if not overdue:
            return 0  # another console escalated it, or an acknowledgement came in meanwhile
        detail: dict[str, Any] = {"case_number": threat.case_number, "not_acknowledged": overdue}
        threat.ack_overdue = True  # bookkeeping: updated_by / version stay the last operator's edit
        if threat.escalations >= self._max_escalations:
            audit.record(session, actor=self._actor, action="threat.ack_overdue", record_type="threat",
                         record_id=threat_id, outcome="failed", detail={**detail, "limit_reached": True}, at=now)
            record_change(session, threat_id=threat_id, kind="updated", by=self._actor.username, what="ack overdue")
            return 0
        threat.escalations += 1
        target = escalation_target(roster, threat.division)
        queued = 0
        if target is not None:
            queue_escalation(session, actor=self._actor, threat=threat, unit_id=target.unit_id,
                             round_no=threat.escalations, overdue=overdue, now=now)
            detail["notified"] = target.unit_id
            queued = 1
        else:
            detail["notified"] = ""
            detail["problem"] = "no division supervisor in service"
        detail["escalation"] = threat.escalations
        audit.record(session, actor=self._actor, action="threat.escalate", record_type="threat",
                     record_id=threat_id, outcome="success" if queued else "failed", detail=detail, at=now)
        record_change(session, threat_id=threat_id, kind="updated", by=self._actor.username,
                      what=f"escalation {threat.escalations}")
        return queued

    def _require_client(self) -> NotifyClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client


def retrying(write: Callable[[], _R], attempts: int = 3) -> _R:
    """Run a write transaction again when the database aborted it (deadlock with another writer, lock timeout)."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as exc:
            if attempt == attempts:
                raise
            log.info("write aborted by the database (%s); trying again", type(exc.orig).__name__)
    raise AssertionError("unreachable")


def _lock_threat(session: Session, threat_id: int) -> ThreatRow | None:
    """The threat row, locked for this transaction and freshly read (its version column guards other writers)."""
    return session.execute(
        select(ThreatRow).where(ThreatRow.id == threat_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


class NotificationServices:
    """The dispatcher and the feed follower of one console, started and stopped together."""

    def __init__(self, dispatcher: OutboxDispatcher, feed: StatusFeedFollower) -> None:
        self.dispatcher = dispatcher
        self.feed = feed

    def start(self) -> None:
        """Start both threads."""
        self.dispatcher.start()
        self.feed.start()

    def stop(self) -> None:
        """Stop both; queued rows stay in the database for the next start."""
        self.feed.stop()
        self.dispatcher.stop()


def make_client_factory(
    base_url: str, token_provider: Callable[[], str], *, ca_bundle: str = "", pool_size: int = 32
) -> ClientFactory:
    """A factory of clients for one backend; TLS is always verified (``ca_bundle`` only adds a private CA)."""

    def build() -> NotifyClient:
        return NotifyClient(base_url, token_provider, ca_bundle=ca_bundle or None, pool_size=pool_size)

    return build


def build_services(
    db: Database,
    *,
    base_url: str,
    token_provider: Callable[[], str],
    console_name: str,
    ca_bundle: str = "",
    policy: RetryPolicy | None = None,
    deadlines: dict[Priority, float] | None = None,
    max_escalations: int = 2,
    fan_out: int = 32,
    clock: Clock = utcnow,
    feed_interval: float = 1.0,
    idle_poll: float = 1.0,
) -> NotificationServices:
    """Wire a dispatcher and a feed follower for one backend (not started)."""
    factory = make_client_factory(base_url, token_provider, ca_bundle=ca_bundle, pool_size=fan_out)
    dispatcher = OutboxDispatcher(
        db, factory, policy or RetryPolicy(), console_name=console_name, clock=clock, fan_out=fan_out,
        deadlines=deadlines, idle_poll=idle_poll,
    )
    feed = StatusFeedFollower(
        db, factory, backend_url=base_url, console_name=console_name, clock=clock, interval=feed_interval,
        max_escalations=max_escalations, on_queued=dispatcher.wake,
    )
    return NotificationServices(dispatcher, feed)
