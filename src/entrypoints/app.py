"""The application factory: configuration in layers, then wiring, then routes."""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask

from entrypoints import api_docs, auth, cli, connection_status, webhooks
from entrypoints.bootstrap import ConfigurationError, Services, build_services
from entrypoints.errors import register_error_handlers

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///var/connection-status.db",
    "LINKEDIN_PROVIDER": "unipile",
    "UNIPILE_TIMEOUT_SECONDS": 10.0,
    # Check requests carry no body; anything large is refused before it is read.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "UNIPILE_WEBHOOK_HEADER": "Unipile-Auth",
}
ENVIRONMENT_SETTINGS = (
    "DATABASE_URL",
    "JWT_SECRET_KEY",
    "LINKEDIN_PROVIDER",
    "UNIPILE_DSN",
    "UNIPILE_API_KEY",
    "UNIPILE_TIMEOUT_SECONDS",
    "UNIPILE_WEBHOOK_SECRET",
    "UNIPILE_WEBHOOK_HEADER",
)
MIN_JWT_SECRET_BYTES = 32


def create_app(
    config: Mapping[str, Any] | None = None, *, services: Services | None = None
) -> Flask:
    """Defaults, then the environment, then `config`; tests pass fakes as `services`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(
        {name: os.environ[name] for name in ENVIRONMENT_SETTINGS if name in os.environ}
    )
    app.config.from_mapping(config or {})
    _validate(app.config)

    app.extensions["services"] = services or build_services(app.config)
    auth.init_jwt(app)
    register_error_handlers(app)
    app.register_blueprint(connection_status.blueprint)
    app.register_blueprint(api_docs.blueprint)
    webhooks.register(app)
    cli.register(app)
    return app


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
        raise ConfigurationError("UNIPILE_TIMEOUT_SECONDS must be a number of seconds between 0 and 60")
