"""The status-feed follower: applies the backend's delivery and acknowledgement statuses, then escalates.

Why a module of its own: following the feed is the read side of notifications, with its own thread and cursor; the
sender (:mod:`~dispatch_console.services.outbox_sender`) never needs it, only the escalation pages it queues.

Polls ``GET /v1/notifications?since=`` with the cursor persisted in the ``sequences`` table in the same transaction
as the changes it applied, so a restart neither skips nor re-applies a page. After each poll - whether or not the
backend answered it - it escalates: a P1/P2 notification not acknowledged by its deadline (counted from the first
try) flags the threat and pages the division supervisor as a new round, at most ``max_escalations`` times. When
the late pages never even reached the backend, the console raises its own alarm on every signed-in supervisor
console (:mod:`~dispatch_console.services.units_alarm`): the escalation page itself may be stuck behind the outage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Notification, Sequence, ThreatRow
from dispatch_console.domain.enums import DeliveryState, Status
from dispatch_console.domain.routing import UnitView, escalation_target
from dispatch_console.gateway.client import NotifyClient, NotifyError
from dispatch_console.gateway.contract import (
    FeedPage,
    NotificationState,
    NotificationStatus,
)
from dispatch_console.services import audit
from dispatch_console.services.background_loop import BackgroundLoop
from dispatch_console.services.changes import record_change
from dispatch_console.services.clock import utcnow
from dispatch_console.services.notify_support import ClientFactory, Clock, lock_threat, log, retrying, service_actor
from dispatch_console.services.outbox import PENDING_STATES, queue_escalation, serialize
from dispatch_console.services.units_alarm import raise_units_not_reached

OWED_AN_ANSWER = (*PENDING_STATES, DeliveryState.ACCEPTED.value, DeliveryState.DELIVERED.value)
"""A page in one of these states past its deadline is late: never acknowledged (and maybe never even taken)."""


def feed_cursor_name(backend_url: str) -> str:
    """The ``sequences`` row holding the feed cursor of one backend (cursors of two backends never mix)."""
    return "feed:" + hashlib.sha256(backend_url.rstrip("/").encode("utf-8")).hexdigest()[:32]


class StatusFeedFollower(BackgroundLoop):
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
        super().__init__(client_factory)
        self._db = db
        self._cursor_name = feed_cursor_name(backend_url)
        self._actor = service_actor(console_name)
        self._clock = clock
        self._interval = interval
        self._max_escalations = max(0, max_escalations)
        self._on_queued = on_queued
        self._roster_ttl = timedelta(seconds=roster_ttl)
        self._roster: list[UnitView] = []
        self._roster_at: datetime | None = None
        self.cycles = 0
        """Completed poll-and-escalate cycles (tests wait on it instead of sleeping)."""
        self.last_error = ""

    thread_name = "status-feed"

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once()
                if self._max_escalations:
                    self._roster_views()  # keep a recent roster: an escalation during an outage still has a target
                self.last_error = ""
            except NotifyError as exc:
                self.last_error = exc.reason
            except Exception as exc:
                self.last_error = type(exc).__name__
                log.warning("status feed poll failed (%s)", type(exc).__name__)
            try:  # escalation runs on its deadline even when the backend cannot be read
                self.escalate_overdue()
            except Exception as exc:
                log.warning("escalation check failed (%s)", type(exc).__name__)
            self.cycles += 1
            self._sleep(self._interval)

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
            threat = lock_threat(session, row.threat_id)
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
        """The roster, re-read when stale; while the backend cannot be read, the last one read (maybe none)."""
        now = self._clock()
        if self._roster_at is None or now - self._roster_at > self._roster_ttl:
            try:
                units = self._require_client().list_units()
            except NotifyError as exc:
                log.info("roster unreadable for escalation (%s); using the last one read", exc.reason)
                return self._roster
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
                        Notification.state.in_(OWED_AN_ANSWER),
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
        threat = lock_threat(session, threat_id)
        if threat is None:
            return 0
        late = session.execute(
            select(Notification.unit_id, Notification.state, Notification.created_at).where(
                Notification.threat_id == threat_id,
                Notification.round == threat.escalations,
                Notification.deadline_at <= now,
                Notification.acknowledged_at.is_(None),
                Notification.state.in_(OWED_AN_ANSWER),
            ).order_by(Notification.unit_id)
        ).all()
        overdue = [unit for unit, _state, _created in late]
        if not overdue:
            return 0  # another console escalated it, or an acknowledgement came in meanwhile
        detail: dict[str, Any] = {"case_number": threat.case_number, "not_acknowledged": overdue}
        unreached = [(unit, created) for unit, state, created in late if state in PENDING_STATES]
        if unreached:
            raise_units_not_reached(session, actor=self._actor, threat=threat, unreached=unreached, now=now)
            detail["not_reached"] = [unit for unit, _created in unreached]
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

