"""The two routes of the one check: API key for API consumers, JWT for the in-app client."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from domain.errors import InvalidRequest
from domain.model import MAX_ID, ConnectionStatus
from domain.services import check_connection_status
from entrypoints.auth import workspace_from_api_key, workspace_from_token
from entrypoints.bootstrap import Services
from entrypoints.observability import note
from entrypoints.rate_limits import check_rate_limit

blueprint = Blueprint("connection_status", __name__)

_DIGITS = re.compile(r"[0-9]+")
_MAX_ID_DIGITS = len(str(MAX_ID))
INVALID_ACCOUNT_ID = "account_id must be a positive integer"


# strict_slashes=False: a client that drops the trailing slash gets the answer, not a redirect.
@blueprint.get("/api/v1/public/prospects/<prospect_id>/connection-status/", strict_slashes=False)
def check_with_api_key(prospect_id: str) -> Response:
    store = _services().store
    return _check(workspace_from_api_key(store), prospect_id)


@blueprint.get("/api/v1/prospects/<prospect_id>/connection-status/", strict_slashes=False)
def check_with_token(prospect_id: str) -> Response:
    store = _services().store
    return _check(workspace_from_token(store), prospect_id)


def _check(workspace_id: int, raw_prospect_id: str) -> Response:
    # Anything that is not a plain id names no prospect: the contract's 404.
    prospect_id = _positive_id(raw_prospect_id) or 0
    note(workspace_id=workspace_id, prospect_id=prospect_id or None)
    requested_account_id = _requested_account_id(request.args.get("account_id", ""))
    services = _services()
    with check_rate_limit():
        status = check_connection_status(
            workspace_id=workspace_id,
            prospect_id=prospect_id,
            requested_account_id=requested_account_id,
            store=services.store,
            provider=services.provider,
        )
    return jsonify(_serialise(status))


@blueprint.after_request
def _never_cached(response: Response) -> Response:
    # Errors too: a shared cache must not replay one caller's 404 or 403 to another.
    response.headers["Cache-Control"] = "no-store"
    return response


def _requested_account_id(raw: str) -> int | None:
    if raw == "":
        return None
    account_id = _positive_id(raw)
    if account_id is None:
        raise InvalidRequest(INVALID_ACCOUNT_ID)
    return account_id


def _positive_id(raw: str) -> int | None:
    """The integer a string of ASCII digits spells, or None when it is not a positive integer.

    Integers too long to be an id come back as MAX_ID + 1: well formed, naming no row, and never
    handed to int() whole (which refuses over 4,300 digits) nor to the database (which overflows).
    """
    if not _DIGITS.fullmatch(raw):
        return None
    significant = raw.lstrip("0")
    if not significant:
        return None
    return int(significant) if len(significant) <= _MAX_ID_DIGITS else MAX_ID + 1


def _serialise(status: ConnectionStatus) -> dict[str, object]:
    invitation = status.invitation
    return {
        "success": True,
        "is_connected": status.is_connected,
        "connection_level": status.connection_level,
        "network_distance": status.network_distance,
        "checked_with_account_id": status.checked_with_account_id,
        "invitation": None
        if invitation is None
        else {"type": invitation.type.value, "status": invitation.status.value},
    }


def _services() -> Services:
    return current_app.extensions["services"]
