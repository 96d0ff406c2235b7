"""The AccountThrottle contract, run against the in-memory adapter and the Redis one."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from adapters.memory_throttle import InMemoryAccountThrottle
from adapters.redis_throttle import RedisAccountThrottle, redis_client
from domain.errors import AccountThrottleUnavailable
from tests.conftest import totals_from_threads

TODAY = date(2031, 3, 14)
NOON = datetime(2031, 3, 14, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def throttle(request):
    if request.param == "memory":
        return InMemoryAccountThrottle()
    url = request.getfixturevalue("redis_server_url")
    return RedisAccountThrottle(redis_client(url), key_prefix=request.getfixturevalue("redis_key_prefix"))


# Unipile account ids: any printable text, a colon included.
ACCOUNT = "t5XY4yQzR9WVrlNFyzPMhw"
OTHER = "t5XY4yQzR9WVrlNFyzPMhw:2031-03-14"


def test_lookups_are_counted_per_provider_account_and_per_day(throttle):
    assert [throttle.count_lookup(ACCOUNT, TODAY) for _ in range(3)] == [1, 2, 3]
    assert throttle.count_lookup(OTHER, TODAY) == 1
    assert throttle.count_lookup(ACCOUNT, TODAY + timedelta(days=1)) == 1


def test_concurrent_lookups_are_each_counted_once(throttle):
    totals = totals_from_threads(lambda: throttle.count_lookup(ACCOUNT, TODAY), threads=4)

    assert sorted(totals) == list(range(1, 41))


def test_an_account_never_paused_has_no_pause(throttle):
    assert throttle.paused_until(ACCOUNT) is None


def test_a_pause_is_read_back_for_its_account_only(throttle):
    throttle.pause(ACCOUNT, NOON + timedelta(seconds=30))

    assert throttle.paused_until(ACCOUNT) == NOON + timedelta(seconds=30)
    assert throttle.paused_until(OTHER) is None


def test_a_shorter_pause_never_cuts_a_longer_one(throttle):
    throttle.pause(ACCOUNT, NOON + timedelta(minutes=5))
    throttle.pause(ACCOUNT, NOON + timedelta(seconds=10))
    assert throttle.paused_until(ACCOUNT) == NOON + timedelta(minutes=5)

    throttle.pause(ACCOUNT, NOON + timedelta(minutes=9))
    assert throttle.paused_until(ACCOUNT) == NOON + timedelta(minutes=9)


@pytest.mark.parametrize(
    "use",
    [
        lambda throttle: throttle.count_lookup(ACCOUNT, TODAY),
        lambda throttle: throttle.pause(ACCOUNT, NOON),
        lambda throttle: throttle.paused_until(ACCOUNT),
    ],
    ids=["count_lookup", "pause", "paused_until"],
)
def test_redis_down_is_reported_as_unavailable(use, unused_tcp_port):
    # Nothing listens on the port: the client fails to connect within its timeout.
    throttle = RedisAccountThrottle(redis_client(f"redis://127.0.0.1:{unused_tcp_port}/0"), key_prefix="x")

    with pytest.raises(AccountThrottleUnavailable):
        use(throttle)
