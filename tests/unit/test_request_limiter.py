"""The request limiter's windows, its choice of what to report, and its fallback while Redis is down."""

from __future__ import annotations

import pytest

from adapters.request_counters import InMemoryRequestCounter, RequestCounterUnavailable
from entrypoints.rate_limits import REDIS_RETRY_SECONDS, RequestLimiter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class SwitchableCounter:
    """A shared counter that can be taken down and brought back, counting in memory while up."""

    def __init__(self, clock: Clock) -> None:
        self.up = True
        self.calls = 0
        self._counts = InMemoryRequestCounter(clock)

    def count(self, key: str, window_ends_at: float) -> int:
        self.calls += 1
        if not self.up:
            raise RequestCounterUnavailable("ConnectionError")
        return self._counts.count(key, window_ends_at)


def limiter(rate: str, clock: Clock, shared=None) -> RequestLimiter:
    return RequestLimiter(rate, key_prefix="test", shared=shared, clock=clock, monotonic=clock)


def test_a_window_starts_on_the_clock_and_its_end_is_the_reset_time():
    clock = Clock(960_020.0)  # 20 s past a whole minute
    minute = limiter("2/minute", clock)

    first, second, third = (minute.spend("api-key:a") for _ in range(3))

    assert [state.remaining for state in (first, second)] == [1, 0]
    assert not second.breached and third.breached
    assert third.reset_at == 960_000 + 60
    assert third.seconds_to_reset == 40
    clock.now = third.reset_at
    assert not minute.spend("api-key:a").breached


def test_callers_do_not_share_an_allowance():
    clock = Clock(5_000.0)
    minute = limiter("1/minute", clock)

    assert not minute.spend("api-key:a").breached
    assert not minute.spend("user:1").breached
    assert minute.spend("api-key:a").breached


def test_with_several_limits_the_closest_to_running_out_is_reported():
    clock = Clock(3_600_000.0)  # on the hour
    limits = limiter("10/second;3/hour", clock)

    state = limits.spend("user:7")

    assert (state.limit, state.remaining, state.reset_at) == (3, 2, 3_603_600)


def test_a_burst_refused_by_the_short_window_does_not_spend_the_long_one():
    clock = Clock(3_600_000.0)  # on the hour
    limits = limiter("2/second;3/hour", clock)

    burst = [limits.spend("user:7") for _ in range(10)]
    clock.now += 1
    next_second = [limits.spend("user:7") for _ in range(2)]

    assert [state.breached for state in burst] == [False, False] + [True] * 8
    assert burst[-1].reset_at == 3_600_001
    # Only the two answered requests counted against the hour: one is left, then the hour refuses.
    assert [state.breached for state in next_second] == [False, True]
    assert next_second[-1].reset_at == 3_603_600


def test_while_redis_is_down_each_worker_limits_in_memory_and_tries_redis_again_later():
    clock = Clock(10_000.0)
    shared = SwitchableCounter(clock)
    minute = limiter("2/minute", clock, shared)
    shared.up = False

    answers = [minute.spend("api-key:a").breached for _ in range(3)]

    assert answers == [False, False, True]
    assert shared.calls == 1  # not asked again before the retry interval
    shared.up = True
    clock.now += REDIS_RETRY_SECONDS
    minute.spend("api-key:b")
    assert shared.calls == 2


@pytest.mark.parametrize(
    "rate, reported_limit", [("50/minute", 50), ("5 per minute", 5), ("10/second;200/hour", 10)]
)
def test_the_documented_rate_forms_are_read(rate, reported_limit):
    assert limiter(rate, Clock(0.0)).spend("user:1").limit == reported_limit
