"""The request limiter's windows, its choice of what to report, and its fallback while Redis is down."""

from __future__ import annotations

import logging
import threading

import pytest

from adapters.request_counters import InMemoryRequestCounter, RequestCounterUnavailable
from entrypoints.rate_limits import REDIS_RETRY_SECONDS, LimitState, RequestLimiter
from tests.fakes import FakeSecondsClock


class SwitchableCounter:
    """A shared counter that can be taken down and brought back, counting in memory while up.

    With `failing_reads` only reading a count without adding to it fails.

    `hold_next_call()` makes the next call stop once it has counted, until `release()`: the answer
    of a call under way is then delivered when the test chooses.
    """

    def __init__(self, clock: FakeSecondsClock) -> None:
        self.up = True
        self.failing_reads = False
        self.calls = 0
        self._counts = InMemoryRequestCounter(clock)
        self._hold_next = False
        self.held = threading.Event()
        self._released = threading.Event()

    def count(self, key: str, window_ends_at: float) -> int:
        self.calls += 1
        if not self.up:
            raise RequestCounterUnavailable("ConnectionError")
        total = self._counts.count(key, window_ends_at)
        if self._hold_next:
            self._hold_next = False
            self.held.set()
            assert self._released.wait(timeout=5), "the held call was never released"
        return total

    def current(self, key: str) -> int:
        self.calls += 1
        if not self.up or self.failing_reads:
            raise RequestCounterUnavailable("ConnectionError")
        return self._counts.current(key)

    def hold_next_call(self) -> None:
        self._hold_next = True

    def release(self) -> None:
        self._released.set()


def limiter(rate: str, clock: FakeSecondsClock, shared=None) -> RequestLimiter:
    return RequestLimiter(rate, key_prefix="test", shared=shared, clock=clock, monotonic=clock)


def redis_warnings(caplog) -> list[str]:
    """The limiter's warnings, without the error each names."""
    records = [record for record in caplog.records if record.name == "entrypoints.rate_limits"]
    return [record.getMessage().split(" (")[0] for record in records]


def test_a_window_starts_on_the_clock_and_its_end_is_the_reset_time():
    clock = FakeSecondsClock(960_020.0)  # 20 s past a whole minute
    minute = limiter("2/minute", clock)

    first, second, third = (minute.spend("api-key:a") for _ in range(3))

    assert [state.remaining for state in (first, second)] == [1, 0]
    assert not second.breached and third.breached
    assert third.reset_at == 960_000 + 60
    assert third.seconds_to_reset == 40
    clock.now = third.reset_at
    assert not minute.spend("api-key:a").breached


def test_callers_do_not_share_an_allowance():
    clock = FakeSecondsClock(5_000.0)
    minute = limiter("1/minute", clock)

    assert not minute.spend("api-key:a").breached
    assert not minute.spend("user:1").breached
    assert minute.spend("api-key:a").breached


def test_with_several_limits_the_closest_to_running_out_is_reported():
    clock = FakeSecondsClock(3_600_000.0)  # on the hour
    limits = limiter("10/second;3/hour", clock)

    state = limits.spend("user:7")

    assert (state.limit, state.remaining, state.reset_at) == (3, 2, 3_603_600)


def test_a_burst_refused_by_the_short_window_does_not_spend_the_long_one():
    clock = FakeSecondsClock(3_600_000.0)  # on the hour
    limits = limiter("2/second;3/hour", clock)

    burst = [limits.spend("user:7") for _ in range(10)]
    clock.now += 1
    next_second = [limits.spend("user:7") for _ in range(2)]

    assert [state.breached for state in burst] == [False, False] + [True] * 8
    assert burst[-1].reset_at == 3_600_001
    # Only the two answered requests counted against the hour: one is left, then the hour refuses.
    assert [state.breached for state in next_second] == [False, True]
    assert next_second[-1].reset_at == 3_603_600


def test_a_refusal_names_a_longer_window_that_is_already_used_up():
    clock = FakeSecondsClock(3_600_000.0)  # on the hour
    limits = limiter("1/second;2/hour", clock)
    limits.spend("user:7")
    clock.now += 1
    last_of_the_hour = limits.spend("user:7")

    refused = limits.spend("user:7")  # refused by the second, while the hour is used up

    assert not last_of_the_hour.breached
    assert refused == LimitState(
        limit=2, remaining=0, reset_at=3_603_600, breached=True, seconds_to_reset=3599
    )
    clock.now += 1
    assert limits.spend("user:7").breached  # waiting out the second alone would not have been enough
    clock.now = refused.reset_at
    assert not limits.spend("user:7").breached


def test_of_several_used_up_windows_the_refusal_names_the_one_ending_last():
    clock = FakeSecondsClock(3_600_000.0)  # on the hour
    limits = limiter("1/second;2/minute;2/hour", clock)
    limits.spend("user:7")
    clock.now += 1
    limits.spend("user:7")

    refused = limits.spend("user:7")

    assert (refused.limit, refused.reset_at, refused.seconds_to_reset) == (2, 3_603_600, 3599)


def test_redis_failing_while_the_longer_windows_are_read_still_answers_the_refusal(caplog):
    clock = FakeSecondsClock(3_600_000.0)
    shared = SwitchableCounter(clock)
    limits = limiter("1/second;1/hour", clock, shared)
    limits.spend("user:7")
    shared.failing_reads = True

    with caplog.at_level(logging.WARNING, logger="entrypoints.rate_limits"):
        refused = limits.spend("user:7")
        calls_before = shared.calls
        limits.spend("user:7")

    assert refused.breached
    assert shared.calls == calls_before  # counted in memory until the retry interval, as after a failed count
    assert redis_warnings(caplog) == ["Request limits counted in this worker's memory: Redis unavailable"]


def test_while_redis_is_down_each_worker_limits_in_memory_and_tries_redis_again_later():
    clock = FakeSecondsClock(10_000.0)
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


def test_a_late_answer_from_before_redis_failed_does_not_bring_redis_back(caplog):
    clock = FakeSecondsClock(10_000.0)
    shared = SwitchableCounter(clock)
    minute = limiter("5/minute", clock, shared)
    shared.hold_next_call()
    slow = []
    under_way = threading.Thread(target=lambda: slow.append(minute.spend("api-key:slow")))

    with caplog.at_level(logging.WARNING, logger="entrypoints.rate_limits"):
        under_way.start()
        assert shared.held.wait(timeout=5)
        clock.now += 0.1
        shared.up = False
        failed = minute.spend("api-key:a")  # Redis fails while the slow call is still under way
        clock.now += 0.1
        shared.release()
        under_way.join(timeout=5)
        calls_before = shared.calls
        still_local = minute.spend("api-key:a")
        assert shared.calls == calls_before  # still counted in memory until the retry interval

        shared.up = True
        clock.now += REDIS_RETRY_SECONDS
        back = [minute.spend("api-key:b") for _ in range(2)]

    assert slow[0].remaining == 4  # counted once, in Redis
    assert [failed.remaining, still_local.remaining] == [4, 3]  # counted once each, in memory
    assert [state.remaining for state in back] == [4, 3] and shared.calls == calls_before + 2
    assert redis_warnings(caplog) == [
        "Request limits counted in this worker's memory: Redis unavailable",
        "Request limits counted in Redis again",
    ]


@pytest.mark.parametrize(
    "rate, reported_limit", [("50/minute", 50), ("5 per minute", 5), ("10/second;200/hour", 10)]
)
def test_the_documented_rate_forms_are_read(rate, reported_limit):
    assert limiter(rate, FakeSecondsClock(0.0)).spend("user:1").limit == reported_limit
