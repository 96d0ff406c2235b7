"""Health probes for load balancers and orchestrators: no credentials, no rate limit, never the provider."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

blueprint = Blueprint("health", __name__)


@blueprint.get("/livez")
def livez() -> Response:
    """The process answers HTTP: no I/O, so a slow database never gets a live worker restarted."""
    return _no_store(jsonify({"status": "ok"}))


@blueprint.get("/readyz")
def readyz() -> Response:
    """The database answers; the LinkedIn provider is never called, so probes spend no lookups."""
    if current_app.extensions["services"].store.ready():
        return _no_store(jsonify({"status": "ok", "checks": {"database": "ok"}}))
    response = jsonify({"status": "unavailable", "checks": {"database": "unavailable"}})
    response.status_code = 503
    return _no_store(response)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
