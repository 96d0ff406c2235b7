"""The application factory: configuration in layers, then wiring, then routes."""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from entrypoints import api_docs, auth, cli, connection_status, health, metrics, serving, webhooks
from entrypoints.bootstrap import (
    ConfigurationError,
    Services,
    build_engine,
    build_services,
    build_unipile_client,
    serving_services,
    shared_redis,
)
from entrypoints.errors import register_error_handlers
from entrypoints.logs import configure_logging
from entrypoints.metrics import Metrics
from entrypoints.observability import init_observability
from entrypoints.rate_limits import init_rate_limits, validate_rate_limit

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///var/connection-status.db",
    "LINKEDIN_PROVIDER": "unipile",
    "UNIPILE_TIMEOUT_SECONDS": 10.0,
    # Check requests carry no body; anything large is refused before it is read.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "UNIPILE_WEBHOOK_HEADER": "Unipile-Auth",
    "LOG_LEVEL": "INFO",
    # Per API key or per user, on the check routes.
    "API_RATE_LIMIT": "50/minute",
    # Unset: limits and account counters live in each process's memory.
    "REDIS_URL": None,
    "REDIS_KEY_PREFIX": "connection-status",
    # Unset: no daily budget; the provider's own 429s still pause an account.
    "LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": None,
    # Per worker, whatever its thread count: a check holds a connection only for its reads and
    # its write, not while it waits on the provider (docs/deployment.md sizes it).
    "DATABASE_POOL_SIZE": 8,
    "JWT_AUDIENCE": "connection-status",
    "JWT_ISSUER": "connection-status",
    # Observations older than this never answer a check, and `observations purge` deletes them.
    "OBSERVATION_RETENTION_DAYS": 30,
}
ENVIRONMENT_SETTINGS = (
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "JWT_SECRET_KEY",
    "JWT_AUDIENCE",
    "JWT_ISSUER",
    "LINKEDIN_PROVIDER",
    "UNIPILE_DSN",
    "UNIPILE_API_KEY",
    "UNIPILE_TIMEOUT_SECONDS",
    "UNIPILE_WEBHOOK_SECRET",
    "UNIPILE_WEBHOOK_HEADER",
    "LOG_LEVEL",
    "API_RATE_LIMIT",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT",
    "OBSERVATION_RETENTION_DAYS",
)
MIN_JWT_SECRET_BYTES = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_DATABASE_POOL_SIZE = 100
MAX_OBSERVATION_RETENTION_DAYS = 3650


def create_app(
    config: Mapping[str, Any] | None = None, *, services: Services | None = None, serving: bool = True
) -> Flask:
    """Defaults, then the environment, then `config`; tests pass fakes as `services`.

    `serving=False` builds the app for operator commands: the provider's settings are then needed
    only by a command that calls the provider, and what only matters to a server is not warned of.
    """
    app = Flask(__name__)
    # Flask would answer OPTIONS on every route, and its 405s would advertise it: no route serves it.
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    # Werkzeug would redirect `//` (an encoded slash included) to the merged path, on whatever host
    # the Host header names, before any error handler runs: such a path is a plain 404 instead.
    app.url_map.merge_slashes = False
    app.config.from_mapping(_settings(config or {}))
    configure_logging(str(app.config["LOG_LEVEL"]).upper(), _secrets_in(app.config))

    # prometheus_client reads this variable itself, when it is imported: config cannot change it.
    request_metrics = Metrics(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    # First, so that its after-request hook runs last and logs the final response.
    init_observability(app, request_metrics)
    app.before_request(_refuse_oversized_body)
    redis = shared_redis(app.config)
    app.extensions["services"] = serving_services(
        services or build_services(app.config, provider_required=serving), app.config, request_metrics, redis
    )
    auth.init_jwt(app)
    init_rate_limits(app, redis)
    register_error_handlers(app)
    app.register_blueprint(connection_status.blueprint)
    connection_status.refuse_head(app)
    app.register_blueprint(api_docs.blueprint)
    webhooks.register(app, warn_when_unconfigured=serving)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(metrics.blueprint)
    cli.register(app)
    return app


def check_settings() -> None:
    """Refuses, as a worker would at boot, settings a worker could not start with.

    gunicorn.conf.py runs it once in the master, so that a bad setting stops start-up with one
    line instead of every worker failing in turn. It builds the adapters' clients without
    connecting anything, and starts no thread (the master forks the workers).
    """
    settings = _settings({})
    build_engine(settings).dispose()
    client = build_unipile_client(settings)
    if client is not None:
        client.close()
    redis = shared_redis(settings)
    if redis is not None:
        redis.close()


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults, then the environment, then `config`; refused with a message naming the variable."""
    settings = {**DEFAULTS, **_environment(), **config}
    # The Unipile connection pool matches the worker's threads, so no thread waiting on LinkedIn
    # opens and discards a connection of its own.
    if "UNIPILE_POOL_SIZE" not in settings:
        try:
            settings["UNIPILE_POOL_SIZE"] = serving.threads_per_worker(os.environ)
        except serving.ServerConfigurationError as error:
            raise ConfigurationError(str(error)) from None
    _validate(settings)
    return settings


def _refuse_oversized_body() -> None:
    # Flask applies MAX_CONTENT_LENGTH only when a view reads the body, and only the webhooks do:
    # they check their secret first, then cap the body themselves (a 400 saying the limit).
    if request.blueprint == webhooks.blueprint.name:
        return
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def _environment() -> dict[str, str]:
    return {name: os.environ[name] for name in ENVIRONMENT_SETTINGS if name in os.environ}


def _secrets_in(config: Mapping[str, Any]) -> list[str]:
    """Values that must never reach a log line, whatever message or traceback carries them."""
    secrets = [str(config.get("JWT_SECRET_KEY") or ""), str(config.get("UNIPILE_API_KEY") or "")]
    for name in ("DATABASE_URL", "REDIS_URL"):
        try:
            secrets.append(urlsplit(str(config.get(name) or "")).password or "")
        except ValueError:
            pass
    return secrets


def _validate(config: Mapping[str, Any]) -> None:
    secret = config.get("JWT_SECRET_KEY")
    if not secret:
        raise ConfigurationError("JWT_SECRET_KEY is required (at least 32 bytes)")
    if len(str(secret).encode()) < MIN_JWT_SECRET_BYTES:
        raise ConfigurationError("JWT_SECRET_KEY must be at least 32 bytes long")
    try:
        timeout = float(config["UNIPILE_TIMEOUT_SECONDS"])
    except (TypeError, ValueError):
        timeout = 0.0
    if not 0 < timeout <= 60:
        raise ConfigurationError("UNIPILE_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 60")
    if str(config["LOG_LEVEL"]).upper() not in LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    validate_rate_limit(config)
    _require_positive_integer(config, "DATABASE_POOL_SIZE", MAX_DATABASE_POOL_SIZE, optional=False)
    _require_positive_integer(config, "LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT", 10**9, optional=True)
    _require_positive_integer(config, "OBSERVATION_RETENTION_DAYS", MAX_OBSERVATION_RETENTION_DAYS, optional=False)
    redis_url = config.get("REDIS_URL")
    if redis_url and not str(redis_url).startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("REDIS_URL must be a redis://, rediss:// or unix:// URL")


def _require_positive_integer(config: Mapping[str, Any], name: str, maximum: int, *, optional: bool) -> None:
    value = config.get(name)
    if optional and value in (None, ""):
        return
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= maximum):
        raise ConfigurationError(f"{name} must be a whole number between 1 and {maximum}")
