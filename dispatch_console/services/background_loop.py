"""One daemon thread with its own backend client, started and stopped with the console.

Why a class of its own: the outbox sender and the status-feed follower live the same way (build the client when
started, cut a wait short when woken, let the cycle in hand finish when stopped, close the client last) and differ
only in what one cycle does. Plain Python threads: services never import Qt.
"""

from __future__ import annotations

import threading

from dispatch_console.gateway.client import NotifyClient
from dispatch_console.services.notify_support import ClientFactory


class BackgroundLoop:
    """Subclasses implement :meth:`_run` (looping until ``_stopping`` is set, sleeping with :meth:`_sleep`)."""

    thread_name = "background-loop"

    def __init__(self, client_factory: ClientFactory) -> None:
        self._client_factory = client_factory
        self._client: NotifyClient | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Build the client and start the thread (idempotent)."""
        if self._thread is not None:
            return
        self._client = self._client_factory()
        self._starting()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the cycle in hand (whatever it did not reach stays in the database for the next start)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        self._stopped()
        if self._client is not None:
            self._client.close()
        self._thread = None
        self._client = None

    def wake(self) -> None:
        """Start the next cycle now instead of at the end of the current wait."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._thread is not None

    def _sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``, less when woken or stopped."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _starting(self) -> None:
        """Hook: build what else the thread needs, after the client and before the thread starts."""

    def _stopped(self) -> None:
        """Hook: release what ``_starting`` built, after the thread has ended and before the client is closed."""

    def _run(self) -> None:
        raise NotImplementedError
