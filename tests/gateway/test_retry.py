"""RetryPolicy: exponential growth, cap, jitter bounds, and never less than Retry-After."""

from __future__ import annotations

import random

import pytest

from dispatch_console.gateway.retry import Jitter, RetryPolicy


class _Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_ceiling_grows_exponentially_and_caps() -> None:
    policy = RetryPolicy(base=0.5, factor=2, max_delay=30)
    assert [policy.ceiling(a) for a in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.ceiling(10_000) == 30
    with pytest.raises(ValueError):
        policy.ceiling(0)


@pytest.mark.parametrize("attempt", [1, 2, 5, 12])
def test_full_jitter_bounds(attempt: int) -> None:
    policy = RetryPolicy(jitter=Jitter.FULL)
    rng = random.Random(attempt)
    delays = [policy.delay(attempt, None, rng) for _ in range(500)]
    assert min(delays) >= 0 and max(delays) <= policy.ceiling(attempt)
    assert max(delays) - min(delays) > policy.ceiling(attempt) / 2  # really spread


def test_equal_jitter_keeps_half() -> None:
    policy = RetryPolicy(jitter=Jitter.EQUAL)
    assert policy.delay(3, None, _Fixed(0.0)) == 1.0
    assert policy.delay(3, None, _Fixed(0.999)) == pytest.approx(2.0, abs=0.01)


def test_never_less_than_retry_after() -> None:
    policy = RetryPolicy(jitter=Jitter.FULL, max_delay=30)
    assert policy.delay(1, 7.0, _Fixed(0.0)) == 7.0
    assert policy.delay(1, 45.0, _Fixed(0.5)) == 45.0  # above max_delay: the backend's word wins (up to the cap)
    assert policy.delay(1, 120.0, _Fixed(0.5)) == 60.0  # issue 10: above retry_after_cap (60 s) it is capped
    assert policy.delay(6, 1.0, _Fixed(1.0)) == 16.0
    assert RetryPolicy(jitter=Jitter.NONE).delay(2, None, _Fixed(0.3)) == 1.0


def test_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.should_retry(n) for n in (1, 2, 3, 4)] == [True, True, False, False]
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base=0)


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(jitter=Jitter.NONE, retry_after_cap=60)
    assert policy.delay(1, 45, _Fixed(0.5)) == 45
    assert policy.delay(1, 3600, _Fixed(0.5)) == 60
    assert policy.capped(3600) and not policy.capped(60) and not policy.capped(None)


def test_the_patient_interval_never_exceeds_thirty_seconds() -> None:
    assert RetryPolicy(jitter=Jitter.NONE).delay(50, None, _Fixed(0.5)) == 30
    with pytest.raises(ValueError, match="at most 30 s"):
        RetryPolicy(max_delay=31)
