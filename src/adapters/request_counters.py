"""Counters of requests per caller and time window: in this process, or in Redis shared by every worker."""

from __future__ import annotations

import threading
import time
from typing import Callable

import redis

from adapters.redis_throttle import increment_with_expiry


class RequestCounterUnavailable(Exception):
    """The shared counter could not be reached; the message names the error class only."""


class InMemoryRequestCounter:
    """Counts held in this process only: with several workers each keeps its own."""

    # Ended windows are dropped at most this often, so that counting stays O(1).
    _PRUNE_EVERY_SECONDS = 1.0

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}
        self._next_prune = 0.0

    def count(self, key: str, window_ends_at: float) -> int:
        now = self._clock()
        with self._lock:
            if now >= self._next_prune:
                self._counts = {name: entry for name, entry in self._counts.items() if entry[0] > now}
                self._next_prune = now + self._PRUNE_EVERY_SECONDS
            ends_at, total = self._counts.get(key, (0.0, 0))
            total = total + 1 if ends_at > now else 1
            self._counts[key] = (window_ends_at, total)
            return total

    def current(self, key: str) -> int:
        now = self._clock()
        with self._lock:
            ends_at, total = self._counts.get(key, (0.0, 0))
        return total if ends_at > now else 0


class RedisRequestCounter:
    """One INCR and EXPIRE per request and limit, in one round trip; Redis drops each window's key when it ends.

    Reading a count without adding to it is one GET.
    """

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock

    def count(self, key: str, window_ends_at: float) -> int:
        # A second past the window's end: a key never vanishes while its window is still counted.
        lifetime = max(1, int(window_ends_at - self._clock()) + 1)
        try:
            return increment_with_expiry(self._client, key, lifetime)
        except redis.RedisError as exc:
            raise RequestCounterUnavailable(type(exc).__name__) from exc

    def current(self, key: str) -> int:
        try:
            value = self._client.get(key)
        except redis.RedisError as exc:
            raise RequestCounterUnavailable(type(exc).__name__) from exc
        return 0 if value is None else int(value)
