"""One health probe per console: while the backend is unreachable, ask ``GET /v1/health`` until it answers.

Why a loop of its own, and only one: pages waiting on an unreachable backend are tried again at a capped interval
(≤ 30 s), so without a probe a page could wait up to that long after the backend is back. The probe closes that gap
cheaply: one unauthenticated request every few seconds per console (never per page, so a long outage with fifty
owed pages still costs one probe), and only while the sender's last attempt found the backend unreachable. When
the backend answers, every waiting page is made due at once (:meth:`OutboxDispatcher.backend_is_back`).

It does not act on "busy" (429/5xx): the health endpoint answers while the backend asks the console to wait, and
``Retry-After`` must be honoured.
"""

from __future__ import annotations

from dispatch_console.domain.text import plural
from dispatch_console.gateway.client import NotifyError
from dispatch_console.services.background_loop import BackgroundLoop
from dispatch_console.services.notify_support import ClientFactory, log
from dispatch_console.services.outbox_sender import OutboxDispatcher

PROBE_EVERY_S = 2.0
"""Seconds between two health probes while the backend is unreachable."""


class BackendProbe(BackgroundLoop):
    """Probes the backend's health while the dispatcher finds it unreachable; see the module docstring.

    Args:
        dispatcher: The console's sender, whose health is watched and whose waiting pages are brought forward.
        client_factory: Builds the probe's own client (health needs no token).
        interval: Seconds between probes while the backend is unreachable, and between looks at the health.
    """

    thread_name = "backend-probe"

    def __init__(self, dispatcher: OutboxDispatcher, client_factory: ClientFactory, *,
                 interval: float = PROBE_EVERY_S) -> None:
        super().__init__(client_factory)
        self._dispatcher = dispatcher
        self._interval = interval
        self.probes = 0
        """Health requests made (tests and the README's "one probe per console" claim count them)."""
        self.recoveries = 0
        """How often the probe saw the backend come back."""

    def probe_once(self) -> bool:
        """One look: probe when the dispatcher finds the backend unreachable; True when it was found back."""
        if self._dispatcher.health().state != "unreachable" or self._client is None:
            return False
        self.probes += 1
        try:
            healthy = self._client.health()
        except NotifyError:
            return False
        if not healthy:
            return False
        self.recoveries += 1
        brought = self._dispatcher.backend_is_back()
        log.info("the backend answers again; %s due now", plural(brought, "waiting page"))
        return True

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.probe_once()
            except Exception as exc:  # never let the probe die; the capped interval remains the safety net
                log.warning("health probe failed (%s)", type(exc).__name__)
            self._sleep(self._interval)
