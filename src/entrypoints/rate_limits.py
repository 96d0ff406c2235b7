"""Per-caller request limits on the check routes, keyed by who authenticated and never by IP.

The limit is spent inside the view, after authentication: a request without valid credentials
gets its 401 and spends nothing, and one caller cannot spend another's allowance from behind the
same proxy or NAT. Windows are fixed and aligned to the clock (a `50/minute` window starts on the
minute), so a count is one Redis round trip and `X-RateLimit-Reset` needs none.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from flask import Flask, Response, current_app, g
from limits import RateLimitItem, parse_many
from redis import Redis

from adapters.request_counters import InMemoryRequestCounter, RedisRequestCounter, RequestCounterUnavailable
from entrypoints.bootstrap import ConfigurationError
from entrypoints.errors import RateLimitExceeded

log = logging.getLogger(__name__)

# While Redis is unreachable each worker counts in its own memory, and tries Redis again this often.
REDIS_RETRY_SECONDS = 5.0


class RequestCounter(Protocol):
    def count(self, key: str, window_ends_at: float) -> int:
        """Adds one to `key`'s count in the window ending at `window_ends_at`; returns the new count."""
        ...

    def current(self, key: str) -> int:
        """`key`'s count without adding to it; 0 if never counted or forgotten after its window ended."""
        ...


@dataclass(frozen=True)
class LimitState:
    """Where a caller stands against one limit after this request."""

    limit: int
    remaining: int
    reset_at: int
    breached: bool
    # Whole seconds until the window ends, at least 1: what Retry-After says when breached.
    seconds_to_reset: int


class RequestLimiter:
    """Counts each caller's requests against every configured limit, in Redis when there is one.

    With Redis down, checks are still answered and still limited: each worker counts in its own
    memory until Redis answers again.
    """

    def __init__(
        self,
        rate: str,
        *,
        key_prefix: str,
        shared: RequestCounter | None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # Shortest window first: a request refused there is not counted against the longer ones.
        self._items: list[RateLimitItem] = sorted(parse_many(rate), key=lambda item: item.get_expiry())
        self._key_prefix = key_prefix
        self._shared = shared
        self._local = InMemoryRequestCounter(clock)
        self._clock = clock
        self._monotonic = monotonic
        # Every thread of the worker reads and moves these, under the lock, in monotonic seconds.
        self._shared_lock = threading.Lock()
        self._shared_down = False
        self._shared_failed_at = 0.0

    def spend(self, caller: str) -> LimitState:
        """One request of `caller`'s allowance: the state to report, breached if any limit is."""
        now = self._clock()
        states = []
        for position, item in enumerate(self._items):
            key, ends_at = self._window(caller, item, now)
            state = self._state(item, self._count(key, ends_at), ends_at, now)
            if state.breached:
                # A burst refused by `10/second` must not use up `200/hour` as well.
                return self._latest_refusal(state, caller, self._items[position + 1 :], now)
            states.append(state)
        return min(states, key=lambda state: (state.remaining, state.reset_at))

    def _latest_refusal(
        self, refusal: LimitState, caller: str, longer_items: list[RateLimitItem], now: float
    ) -> LimitState:
        """The refusal to report: a client waiting out a short window must not meet a used-up long one."""
        refusals = [refusal]
        for item in longer_items:
            key, ends_at = self._window(caller, item, now)
            # As if this request were counted there too: would that window refuse it as well?
            state = self._state(item, self._current(key) + 1, ends_at, now)
            if state.breached:
                refusals.append(state)
        return max(refusals, key=lambda state: state.reset_at)

    def _window(self, caller: str, item: RateLimitItem, now: float) -> tuple[str, float]:
        """The key of `caller`'s current window of `item`, and when that window ends."""
        length = item.get_expiry()
        starts_at = now - now % length
        return f"{self._key_prefix}:{caller}:{item.amount}/{length}s:{int(starts_at)}", starts_at + length

    @staticmethod
    def _state(item: RateLimitItem, total: int, ends_at: float, now: float) -> LimitState:
        return LimitState(
            limit=item.amount,
            remaining=max(0, item.amount - total),
            reset_at=int(ends_at),
            breached=total > item.amount,
            seconds_to_reset=max(1, math.ceil(ends_at - now)),
        )

    def _count(self, key: str, window_ends_at: float) -> int:
        return self._ask(lambda counter: counter.count(key, window_ends_at))

    def _current(self, key: str) -> int:
        return self._ask(lambda counter: counter.current(key))

    def _ask(self, question: Callable[[RequestCounter], int]) -> int:
        """Puts `question` to Redis unless it is known to be down; else, or if it fails, to memory."""
        if self._shared is not None:
            with self._shared_lock:
                started_at = self._monotonic()
                retry_at = self._shared_failed_at + REDIS_RETRY_SECONDS
                ask_shared = not self._shared_down or started_at >= retry_at
            if ask_shared:
                try:
                    answer = question(self._shared)
                except RequestCounterUnavailable as exc:
                    self._shared_failed(exc)
                else:
                    self._shared_answered(started_at)
                    return answer
        return question(self._local)

    def _shared_failed(self, error: RequestCounterUnavailable) -> None:
        with self._shared_lock:
            if not self._shared_down:
                log.warning("Request limits counted in this worker's memory: Redis unavailable (%s)", error)
            self._shared_down = True
            self._shared_failed_at = self._monotonic()

    def _shared_answered(self, started_at: float) -> None:
        with self._shared_lock:
            # A call already under way when Redis failed may still answer: that says nothing of Redis now.
            if self._shared_down and started_at > self._shared_failed_at:
                log.warning("Request limits counted in Redis again")
                self._shared_down = False


def validate_rate_limit(config: Mapping[str, Any]) -> None:
    try:
        parse_many(str(config["API_RATE_LIMIT"]))
    except ValueError:
        raise ConfigurationError(
            f"API_RATE_LIMIT must be a rate such as '50/minute' or '1000/hour', not {config['API_RATE_LIMIT']!r}"
        ) from None


def init_rate_limits(app: Flask, redis: Redis | None) -> None:
    config = app.config
    services_clock = app.extensions["services"].clock  # tests move it instead of waiting for a window

    def clock() -> float:
        return services_clock().timestamp()

    app.extensions["request_limiter"] = RequestLimiter(
        str(config["API_RATE_LIMIT"]),
        key_prefix=f"{config['REDIS_KEY_PREFIX']}:requests",
        shared=None if redis is None else RedisRequestCounter(redis, clock),
        clock=clock,
    )

    @app.after_request
    def add_rate_limit_headers(response: Response) -> Response:
        state: LimitState | None = g.get("rate_limit_state")
        if state is None:
            return response
        response.headers["X-RateLimit-Limit"] = str(state.limit)
        response.headers["X-RateLimit-Remaining"] = str(state.remaining)
        response.headers["X-RateLimit-Reset"] = str(state.reset_at)
        if state.breached:
            response.headers["Retry-After"] = str(state.seconds_to_reset)
        return response


def spend_rate_limit(caller: str) -> None:
    """Spends one request of the authenticated caller's allowance; raises RateLimitExceeded past it."""
    limiter: RequestLimiter = current_app.extensions["request_limiter"]
    state = limiter.spend(caller)
    g.rate_limit_state = state
    if state.breached:
        raise RateLimitExceeded()
