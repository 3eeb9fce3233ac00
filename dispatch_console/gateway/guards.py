"""Connection-level protections of the reference backend: header deadline, failed-token limit, loopback check.

The backend was written for training and tests on loopback; these are what it needs to be left running where other
machines can reach it. Each one answers a way a single client could make the backend useless for everybody else
(hold every thread with a request that never finishes, guess tokens as fast as the network allows) or leak the
token (listen without TLS on a network interface).
"""

from __future__ import annotations

import io
import ipaddress
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

HEADER_TIMEOUT_S = 10.0
"""A client has this long from connecting (or from the first byte of a later request) to send the whole header."""
AUTH_FAILURES_PER_MINUTE = 20
"""Failed tokens one address may send in a minute before its failures are answered ``429`` instead of ``401``."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; ``0.0.0.0``, ``::`` and names are not loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DeadlineReader(io.RawIOBase):
    """The handler's raw input: every read waits at most until ``deadline`` (``time.monotonic()``), if one is set.

    A socket timeout bounds each ``recv`` separately, so a client that sends one header byte every nine seconds
    never trips a ten-second timeout and holds a thread (and a connection slot) for as long as it likes. This
    reader turns the per-read timeout into a deadline for the whole header.

    Args:
        sock: The connection (plain or TLS).
        idle_timeout: The timeout of a read while no deadline is set (the body, idle keep-alive waits).
    """

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self.idle_timeout = idle_timeout
        self.deadline: float | None = None
        self.missed_deadline = False
        """Set when a read failed because the deadline passed (the handler logs it)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        timeout = self.idle_timeout
        if self.deadline is not None:
            timeout = self.deadline - time.monotonic()
            if timeout <= 0:
                self.missed_deadline = True
                raise TimeoutError("the request header did not arrive in time")
        self._sock.settimeout(timeout)
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError:
            self.missed_deadline = self.deadline is not None
            raise
        finally:
            self._sock.settimeout(self.idle_timeout)  # writes keep the ordinary timeout


@dataclass(frozen=True)
class Refusal:
    """A failed token over the limit: answer ``429`` with ``Retry-After: retry_after``.

    Attributes:
        retry_after: Seconds until the address is under the limit again.
        first: The first refusal of this address in this run of failures (log it once, not per request).
    """

    retry_after: float
    first: bool


class AuthFailureLimiter:
    """Counts failed tokens per client address in a sliding minute.

    Only failures are limited, never a correct token: a console whose stored token is stale, or an attacker,
    sharing an address (NAT) with the other consoles of a center must not lock those out of paging during a P1.
    Guessing is defeated by the token's length (at least 32 characters); the limit turns a flood of failures into a
    ``429`` with ``Retry-After`` and one log line per address and minute instead of one per request.

    Args:
        limit: Failures allowed per address in ``window`` seconds; later ones are over the limit.
        window: The sliding window in seconds.
        clock: Monotonic seconds; injectable so a test need not wait a minute.
    """

    def __init__(
        self,
        limit: int = AUTH_FAILURES_PER_MINUTE,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._announced: dict[str, float] = {}
        self._lock = threading.Lock()

    def fail(self, address: str) -> Refusal | None:
        """Record one failed token from ``address``; return a :class:`Refusal` when this failure is over the limit
        (answer ``429``), else ``None`` (answer ``401``).

        A failure over the limit is not counted, so a client that keeps going is refused for one window, not forever.
        """
        now = self._clock()
        with self._lock:
            times = self._failures.setdefault(address, deque())
            while times and times[0] <= now - self._window:
                times.popleft()
            if len(times) >= self._limit:
                first = self._announced.get(address) != times[0]
                self._announced[address] = times[0]
                return Refusal(times[0] + self._window - now, first)
            times.append(now)
            if len(self._failures) > 10_000:  # forget addresses that went quiet, so memory stays bounded
                for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self._window]:
                    del self._failures[key]
                    self._announced.pop(key, None)
            return None
