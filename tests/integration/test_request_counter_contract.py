"""The request counters behind API_RATE_LIMIT: in memory and in Redis, with the same behaviour."""

from __future__ import annotations

import time

import pytest
import redis

from adapters.redis_throttle import redis_client
from adapters.request_counters import InMemoryRequestCounter, RedisRequestCounter, RequestCounterUnavailable
from tests.conftest import totals_from_threads


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def counter_and_prefix(request):
    if request.param == "memory":
        return InMemoryRequestCounter(), "memory"
    client = redis_client(request.getfixturevalue("redis_server_url"))
    return RedisRequestCounter(client), request.getfixturevalue("redis_key_prefix")


def test_each_key_counts_on_its_own(counter_and_prefix):
    counter, prefix = counter_and_prefix
    ends_at = time.time() + 60

    assert [counter.count(f"{prefix}:a", ends_at) for _ in range(3)] == [1, 2, 3]
    assert counter.count(f"{prefix}:b", ends_at) == 1


def test_a_count_is_read_without_adding_to_it(counter_and_prefix):
    counter, prefix = counter_and_prefix
    ends_at = time.time() + 60
    for _ in range(3):
        counter.count(f"{prefix}:read", ends_at)

    assert [counter.current(f"{prefix}:read") for _ in range(2)] == [3, 3]
    assert counter.count(f"{prefix}:read", ends_at) == 4
    assert counter.current(f"{prefix}:never-counted") == 0


def test_concurrent_requests_are_each_counted_once(counter_and_prefix):
    counter, prefix = counter_and_prefix
    ends_at = time.time() + 60

    totals = totals_from_threads(lambda: counter.count(f"{prefix}:shared", ends_at), threads=8)

    assert sorted(totals) == list(range(1, 81))


def test_an_ended_window_reads_zero_and_starts_again_from_one(counter_and_prefix):
    counter, prefix = counter_and_prefix
    counter.count(f"{prefix}:short", time.time() + 1)
    counter.count(f"{prefix}:short", time.time() + 1)

    time.sleep(2.1)

    assert counter.current(f"{prefix}:short") == 0
    assert counter.count(f"{prefix}:short", time.time() + 1) == 1


@pytest.mark.redis
def test_redis_forgets_a_window_soon_after_it_ends(redis_server_url, redis_key_prefix):
    client = redis_client(redis_server_url)
    key = f"{redis_key_prefix}:ttl"

    RedisRequestCounter(client).count(key, time.time() + 30)

    assert 0 < client.ttl(key) <= 31


@pytest.mark.parametrize(
    "use",
    [lambda counter: counter.count("any", time.time() + 60), lambda counter: counter.current("any")],
    ids=["count", "current"],
)
def test_an_unreachable_redis_is_reported_as_unavailable(unused_tcp_port, use):
    counter = RedisRequestCounter(redis_client(f"redis://127.0.0.1:{unused_tcp_port}/0"))

    with pytest.raises(RequestCounterUnavailable) as raised:
        use(counter)

    assert isinstance(raised.value.__cause__, redis.RedisError)
