"""RedisAccountThrottle: the AccountThrottle port on Redis, shared by every worker and host."""

from __future__ import annotations

from datetime import date, datetime, timezone

import redis

from domain.errors import AccountThrottleUnavailable

# Redis answers in well under a millisecond; a check must not wait long for bookkeeping.
REDIS_TIMEOUT_SECONDS = 0.5
# Longer than any day's count is read and any pause lasts (the provider's Retry-After is capped at
# a day): keys are only garbage-collected by this, never timed by it.
KEY_LIFETIME_SECONDS = 2 * 86_400

# Keeps the later of the stored and the new end of pause, atomically across workers.
_PAUSE_UNTIL_LATEST = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


def increment_with_expiry(client: redis.Redis, key: str, lifetime_seconds: int) -> int:
    """Adds one to `key` and (re)sets its lifetime, in one round trip; raises redis.RedisError."""
    pipeline = client.pipeline(transaction=True)
    pipeline.incr(key)
    pipeline.expire(key, lifetime_seconds)
    total, _ = pipeline.execute()
    return int(total)


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


class RedisAccountThrottle:
    def __init__(self, client: redis.Redis, *, key_prefix: str) -> None:
        self._client = client
        self._key_prefix = key_prefix
        self._pause_until_latest = client.register_script(_PAUSE_UNTIL_LATEST)

    def count_lookup(self, provider_account_id: str, day: date) -> int:
        # The date is last and fixed-width, so an id holding a colon names no other account's key.
        key = f"{self._key_prefix}:lookups:{provider_account_id}:{day.isoformat()}"
        try:
            return increment_with_expiry(self._client, key, KEY_LIFETIME_SECONDS)
        except redis.RedisError as exc:
            raise AccountThrottleUnavailable(f"cannot count lookups ({type(exc).__name__})") from exc

    def pause(self, provider_account_id: str, until: datetime) -> None:
        try:
            self._pause_until_latest(
                keys=[self._paused_key(provider_account_id)], args=[repr(until.timestamp()), KEY_LIFETIME_SECONDS]
            )
        except redis.RedisError as exc:
            raise AccountThrottleUnavailable(f"cannot pause account ({type(exc).__name__})") from exc

    def paused_until(self, provider_account_id: str) -> datetime | None:
        try:
            value = self._client.get(self._paused_key(provider_account_id))
        except redis.RedisError as exc:
            raise AccountThrottleUnavailable(f"cannot read pause ({type(exc).__name__})") from exc
        return None if value is None else datetime.fromtimestamp(float(value), tz=timezone.utc)

    def _paused_key(self, provider_account_id: str) -> str:
        return f"{self._key_prefix}:paused:{provider_account_id}"
