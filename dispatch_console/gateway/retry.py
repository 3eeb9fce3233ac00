"""How long to wait before retrying a notification: quick retries first, then patient ones at a capped interval.

Pure functions of the attempt number and a random source, so the schedule can be tested exactly and the
notification service owns the actual waiting (a Qt timer or a worker thread, never a sleep in the UI thread).

Jitter matters here: a 911 center fans one incident out to a dozen units at once, and after a backend hiccup all
dozen retry; without jitter they retry in lock-step and hit the backend together again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

MAX_PATIENT_INTERVAL = 30.0
"""The longest interval between two tries of an owed page (unless the backend's ``Retry-After`` asks for more)."""


class RandomSource(Protocol):
    """Anything with ``random() -> float`` in [0, 1): ``random.Random`` or a stub in tests."""

    def random(self) -> float: ...


class Jitter(StrEnum):
    """How the backoff is randomized.

    ``full`` picks uniformly in [0, ceiling] and spreads retries best; ``equal`` picks in [ceiling/2, ceiling] and
    keeps a floor; ``none`` is for tests and for reading the schedule.
    """

    FULL = "full"
    EQUAL = "equal"
    NONE = "none"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter that always honors the backend's ``Retry-After``.

    Attributes:
        base: Ceiling of the first wait, in seconds.
        factor: Growth of the ceiling per attempt.
        max_delay: The ceiling never grows past this (seconds, at most :data:`MAX_PATIENT_INTERVAL`): after the
            quick retries a page that is still owed is tried about this often for as long as its threat is open.
            ``Retry-After`` may ask for longer, up to ``retry_after_cap``.
        jitter: See :class:`Jitter`.
        max_attempts: How many *quick* retries (growing backoff) are made; with the defaults that is about a minute.
            After them the sender does not give up on a transient cause: it keeps trying at ``max_delay``.
        retry_after_cap: The longest ``Retry-After`` honoured (seconds); a larger value is capped (and logged by the
            sender), so a broken backend cannot hold a P1 page for an hour.
    """

    base: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    jitter: Jitter = Jitter.FULL
    max_attempts: int = 8
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.factor < 1 or self.max_delay < self.base or self.max_attempts < 1:
            raise ValueError("need base > 0, factor >= 1, max_delay >= base and max_attempts >= 1")
        if self.max_delay > MAX_PATIENT_INTERVAL:
            raise ValueError(f"max_delay is at most {MAX_PATIENT_INTERVAL:g} s between two tries of an owed page")
        if self.retry_after_cap <= 0:
            raise ValueError("retry_after_cap must be positive")

    def ceiling(self, attempt: int) -> float:
        """Backoff ceiling after failed attempt number ``attempt`` (1-based): base·factor^(attempt-1), capped."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        exponent = min(attempt - 1, 64)  # factor**exponent stays finite; the cap applies long before
        return float(min(self.max_delay, self.base * self.factor**exponent))

    def delay(self, attempt: int, retry_after: float | None, rng: RandomSource) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based) before the next one.

        Args:
            attempt: How many attempts have failed so far (1 after the first failure).
            retry_after: The backend's ``Retry-After`` in seconds, if it sent one; the result is never below it
                (the contract requires waiting at least that long), but it counts only up to ``retry_after_cap``.
            rng: Source of the jitter.
        """
        ceiling = self.ceiling(attempt)
        if self.jitter is Jitter.FULL:
            wait = ceiling * rng.random()
        elif self.jitter is Jitter.EQUAL:
            wait = ceiling / 2 + (ceiling / 2) * rng.random()
        else:
            wait = ceiling
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.retry_after_cap)
        return max(0.0, wait)

    def should_retry(self, attempts_made: int) -> bool:
        """True while the quick retries last (``attempts_made`` < ``max_attempts``); patient retries follow."""
        return attempts_made < self.max_attempts

    def capped(self, retry_after: float | None) -> bool:
        """True when ``retry_after`` asks for longer than the cap (the sender logs it)."""
        return retry_after is not None and retry_after > self.retry_after_cap
