"""What every part of the UI needs, handed in through constructors (no global main window, no registry).

Every field is typed, so mypy checks each use: the long-lived objects that used to sit in a string-keyed dict
(the notification threads, the queue's selection, an injected clock) are fields or small interfaces here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

from dispatch_console.settings import Settings

if TYPE_CHECKING:  # SQLAlchemy is imported on a worker thread at start-up, not before the window shows
    from dispatch_console.credentials import SessionStore
    from dispatch_console.db.engine import Database
    from dispatch_console.services.actor import Actor
    from dispatch_console.services.dispatcher import NotificationServices
    from dispatch_console.services.notify_support import ClientFactory
    from dispatch_console.services.outbox_sender import OutboxDispatcher
    from dispatch_console.ui.units.alarm_banner import UnitsAlarmBanner


class ThreatSelection(Protocol):
    """The threat the operator has chosen in the queue (the Notify action and Reports ask it)."""

    def current_threat_id(self) -> int | None: ...

    def reread(self, threat_id: int) -> None:
        """Show ``threat_id`` afresh if it is shown: what THIS operator may see of it changed (e.g. a reveal),
        which no change row announces, because the threat itself did not change."""


@dataclass
class ConsoleContext:
    """``db`` is set as soon as the database is open (before anyone can sign in).

    Attributes:
        clock: The time intake uses (``None``: the real clock); tests inject a fixed one.
        selection: The queue's selection while the Queue tab exists, else ``None``.
        notifications: The sender and status-feed threads (stopped at shutdown), once a backend is known.
        outbox_dispatcher: The sender the units panels wake and ask for the backend's health.
        notify_client_factory: Builds a client for the units panels' roster reads.
        session_store: The "this run only" token store shared by the settings dialog and the token provider.
        status_message: Where the queue reports what happened, when the host shows such messages.
        units_alarm: The "units not reached" banner, installed once a supervisor's workspace is built.
    """

    settings: Settings
    db: Database
    tz: tzinfo
    training: bool
    actor: Actor | None = None
    backend_url: str = ""
    token_provider: Callable[[], str] | None = None
    clock: Callable[[], datetime] | None = None
    selection: ThreatSelection | None = None
    notifications: NotificationServices | None = None
    outbox_dispatcher: OutboxDispatcher | None = None
    notify_client_factory: ClientFactory | None = None
    session_store: SessionStore | None = None
    status_message: Callable[[str], None] | None = None
    units_alarm: UnitsAlarmBanner | None = None

    @property
    def operator(self) -> Actor:
        assert self.actor is not None, "no operator signed in"
        return self.actor

    def current_threat_id(self) -> int | None:
        """The queue's selected threat, or ``None`` (no Queue tab, or nothing selected)."""
        return self.selection.current_threat_id() if self.selection is not None else None
