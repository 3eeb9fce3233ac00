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

The sender lives in :mod:`~dispatch_console.services.outbox_sender`, the follower and escalation in
:mod:`~dispatch_console.services.status_feed`, what both share in :mod:`~dispatch_console.services.notify_support`;
this module only wires them together (import each name from the module that defines it).
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import Priority
from dispatch_console.gateway.client import NotifyClient
from dispatch_console.gateway.retry import RetryPolicy
from dispatch_console.services.backend_probe import PROBE_EVERY_S, BackendProbe
from dispatch_console.services.clock import utcnow
from dispatch_console.services.notify_support import ClientFactory, Clock
from dispatch_console.services.outbox_sender import OutboxDispatcher
from dispatch_console.services.status_feed import StatusFeedFollower

__all__ = ["NotificationServices", "build_services", "make_client_factory"]


class NotificationServices:
    """The dispatcher, the feed follower and the one health probe of a console, started and stopped together."""

    def __init__(
        self, dispatcher: OutboxDispatcher, feed: StatusFeedFollower, probe: BackendProbe | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.feed = feed
        self.probe = probe

    def start(self) -> None:
        """Start the threads."""
        self.dispatcher.start()
        self.feed.start()
        if self.probe is not None:
            self.probe.start()

    def stop(self) -> None:
        """Stop them; queued rows stay in the database for the next start."""
        if self.probe is not None:
            self.probe.stop()
        self.feed.stop()
        self.dispatcher.stop()


def make_client_factory(
    base_url: str, token_provider: Callable[[], str], *, ca_bundle: str = "", pool_size: int = 32, proxy: str = ""
) -> ClientFactory:
    """A factory of clients for one backend; TLS is always verified (``ca_bundle`` only adds a private CA), and a
    proxy comes from Settings only (``proxy``), never from the environment."""

    def build() -> NotifyClient:
        return NotifyClient(base_url, token_provider, ca_bundle=ca_bundle or None, pool_size=pool_size,
                            proxy=proxy or None)

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
    probe_interval: float = PROBE_EVERY_S,
    proxy: str = "",
) -> NotificationServices:
    """Wire a dispatcher, a feed follower and the console's one health probe for one backend (not started)."""
    factory = make_client_factory(base_url, token_provider, ca_bundle=ca_bundle, pool_size=fan_out, proxy=proxy)
    dispatcher = OutboxDispatcher(
        db, factory, policy or RetryPolicy(), console_name=console_name, clock=clock, fan_out=fan_out,
        deadlines=deadlines, idle_poll=idle_poll,
    )
    feed = StatusFeedFollower(
        db, factory, backend_url=base_url, console_name=console_name, clock=clock, interval=feed_interval,
        max_escalations=max_escalations, on_queued=dispatcher.wake,
    )
    probe = BackendProbe(dispatcher, factory, interval=probe_interval)
    return NotificationServices(dispatcher, feed, probe)
