"""What the outbox sender and the status-feed follower share: the service actor, retried writes, threat locks.

Why a module of its own: both background threads write on behalf of the same "Notification service" actor, both
must survive a transaction the database aborted, and both lock a threat row the same way; keeping these here lets
:mod:`~dispatch_console.services.outbox_sender` and :mod:`~dispatch_console.services.status_feed` stay independent of
each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dispatch_console.db.models import ThreatRow
from dispatch_console.domain.enums import Role
from dispatch_console.gateway.client import NotifyClient
from dispatch_console.services.actor import Actor

# The logger keeps the name it had before the split, so log configuration and filters keep matching.
log = logging.getLogger("dispatch_console.services.dispatcher")
_R = TypeVar("_R")

Clock = Callable[[], datetime]
ClientFactory = Callable[[], NotifyClient]


def service_actor(console_name: str) -> Actor:
    """Who the audit log names for what the background services do on this console."""
    return Actor("outbox", "Notification service", Role.SUPERVISOR, console_name)


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


def lock_threat(session: Session, threat_id: int) -> ThreatRow | None:
    """The threat row, locked for this transaction and freshly read (its version column guards other writers)."""
    return session.execute(
        select(ThreatRow).where(ThreatRow.id == threat_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()

