"""The two routes of the one check: API key for API consumers, JWT for the in-app client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from domain.model import ConnectionStatus, positive_id
from domain.ports import ProspectStore
from domain.services import check_connection_status
from entrypoints.auth import AuthenticatedCheck, api_key_check, token_check
from entrypoints.bootstrap import Services
from entrypoints.observability import note
from entrypoints.rate_limits import spend_rate_limit

blueprint = Blueprint("connection_status", __name__)


# strict_slashes=False: a client that drops the trailing slash gets the answer, not a redirect.
@blueprint.get("/api/v1/public/prospects/<prospect_id>/connection-status/", strict_slashes=False)
def check_with_api_key(prospect_id: str) -> Response:
    return _check(api_key_check, prospect_id)


@blueprint.get("/api/v1/prospects/<prospect_id>/connection-status/", strict_slashes=False)
def check_with_token(prospect_id: str) -> Response:
    return _check(token_check, prospect_id)


def _check(authenticate: Callable[[ProspectStore, int], AuthenticatedCheck], raw_prospect_id: str) -> Response:
    services = _services()
    # Anything that is not a plain id names no prospect: the contract's 404, once authenticated.
    prospect_id = positive_id(raw_prospect_id) or 0
    caller, workspace_id, context = authenticate(services.store, prospect_id)
    note(workspace_id=workspace_id, prospect_id=prospect_id or None)
    spend_rate_limit(caller)
    status = check_connection_status(
        workspace_id=workspace_id,
        context=context,
        requested_account=request.args.get("account_id"),
        max_age=request.args.get("max_age"),
        provider=services.provider,
        observations=services.observations,
        clock=services.clock,
        retention=timedelta(days=int(current_app.config["OBSERVATION_RETENTION_DAYS"])),
    )
    note(account_id=status.checked_with_account_id, answer_source=status.source.value)
    return jsonify(_serialise(status))


def refuse_head(app: Flask) -> None:
    """Werkzeug gives every GET rule HEAD, answered by the GET view: a lookup spent for no body.

    Taken off the check rules once they are registered, HEAD is a 405 whose Allow says GET only.
    """
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint.name}.") and rule.methods is not None:
            rule.methods.discard("HEAD")


@blueprint.after_request
def _never_cached(response: Response) -> Response:
    # Errors too: a shared cache must not replay one caller's 404 or 403 to another.
    response.headers["Cache-Control"] = "no-store"
    return response


def _serialise(status: ConnectionStatus) -> dict[str, object]:
    invitation = status.invitation
    return {
        "success": True,
        "connection_status": status.connection_status.value,
        "is_connected": status.is_connected,
        "connection_level": status.connection_level,
        "network_distance": status.network_distance,
        "checked_with_account_id": status.checked_with_account_id,
        "invitation": None
        if invitation is None
        else {"type": invitation.type.value, "status": invitation.status.value},
        # ISO 8601 in UTC, to the second, with the Z every parser reads as UTC.
        "checked_at": status.checked_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": status.source.value,
    }


def _services() -> Services:
    return current_app.extensions["services"]
