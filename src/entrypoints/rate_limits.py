"""Per-caller request limits on the check routes, keyed by who authenticated and never by IP.

The limit is entered inside the view, after authentication: a request without valid credentials
gets its 401 and spends nothing, and one caller cannot spend another's allowance from behind the
same proxy or NAT.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping

from flask import Flask, Response, current_app, g
from flask_limiter import Limiter, RouteLimit
from limits import parse_many

from entrypoints.bootstrap import ConfigurationError, rate_limit_storage
from entrypoints.errors import RATE_LIMIT_EXCEEDED

log = logging.getLogger(__name__)


def validate_rate_limit(config: Mapping[str, Any]) -> None:
    try:
        parse_many(str(config["API_RATE_LIMIT"]))
    except ValueError:
        raise ConfigurationError(
            f"API_RATE_LIMIT must be a rate such as '50/minute' or '1000/hour', not {config['API_RATE_LIMIT']!r}"
        ) from None


def init_rate_limits(app: Flask) -> None:
    config = app.config
    storage_uri, storage_options = rate_limit_storage(config)
    limiter = Limiter(
        key_func=_caller,
        storage_uri=storage_uri,
        storage_options=storage_options,
        key_prefix=f"{config['REDIS_KEY_PREFIX']}:requests",
        # Its own headers put a Retry-After on every limited response, a 200 or a provider's 502
        # included; ours below say when to retry only on the 429 that asks for it.
        headers_enabled=False,
        # With Redis down, each worker limits on its own until Redis is back: never a 500.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["check_rate_limit"] = limiter.limit(
        str(config["API_RATE_LIMIT"]), key_func=_caller, error_message=RATE_LIMIT_EXCEEDED
    )

    @app.after_request
    def add_rate_limit_headers(response: Response) -> Response:
        current = limiter.current_limit
        if current is None:
            return response
        try:
            reset_at, remaining = current.reset_at, current.remaining
        except limiter.storage.base_exceptions as exc:
            log.warning("Rate limit headers left out: storage unavailable (%s)", type(exc).__name__)
            return response
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(reset_at)
        if current.breached:
            response.headers["Retry-After"] = str(max(1, reset_at - int(time.time())))
        return response


def identify_caller(caller: str) -> None:
    """Name the authenticated caller whose allowance this request spends (`api-key:<prefix>`, `user:<id>`)."""
    g.rate_limit_caller = caller


def check_rate_limit() -> RouteLimit:
    """`with check_rate_limit():` spends one request of the caller's allowance or raises RateLimitExceeded."""
    return current_app.extensions["check_rate_limit"]


def _caller() -> str:
    return g.get("rate_limit_caller", "")
