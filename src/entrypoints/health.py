"""Health probes for load balancers and orchestrators: no credentials, no rate limit, never the provider."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from domain.errors import StoreNotMigrated, StoreUnavailable
from entrypoints.errors import log_store_failure

blueprint = Blueprint("health", __name__)

NOT_MIGRATED = "The database lacks this release's tables or columns: run `flask --app wsgi db upgrade`"


@blueprint.get("/livez")
def livez() -> Response:
    """The process answers HTTP: no I/O, so a slow database never gets a live worker restarted."""
    return _no_store(jsonify({"status": "ok"}))


@blueprint.get("/readyz")
def readyz() -> Response:
    """The database answers a check's query; the LinkedIn provider is never called, so probes spend no lookups."""
    services = current_app.extensions["services"]
    services.store.check_ready()
    services.observations.check_ready()
    return _no_store(jsonify({"status": "ok", "checks": {"database": "ok"}}))


@blueprint.errorhandler(StoreUnavailable)
def _not_ready(error: StoreUnavailable) -> Response:
    log_store_failure(error)
    if isinstance(error, StoreNotMigrated):
        response = jsonify({"status": "unavailable", "checks": {"database": "not_migrated"}, "error": NOT_MIGRATED})
    else:
        response = jsonify({"status": "unavailable", "checks": {"database": "unavailable"}})
    response.status_code = 503
    return _no_store(response)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
