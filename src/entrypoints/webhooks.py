"""Unipile's webhooks: account status changes, hosted-auth callbacks and new relations, behind a shared secret.

Unipile sends the secret back in the custom header it was registered with. Without a configured
secret every webhook answers 503: nothing is ever accepted unauthenticated.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from domain.account_lifecycle import authenticate_webhook, record_account_status, record_hosted_auth
from domain.relations import record_new_relation
from domain.ports import ProspectStore
from entrypoints.bootstrap import ConfigurationError
from entrypoints.webhook_payloads import (
    account_status_event,
    hosted_auth_event,
    json_object_from,
    new_relation_event,
)

log = logging.getLogger(__name__)

blueprint = Blueprint("unipile_webhooks", __name__, url_prefix="/api/v1/webhooks/unipile")

MIN_SECRET_LENGTH = 32
NO_SUCH_ACCOUNT = "No connected account has this account_id"
NO_SUCH_WORKSPACE = "No workspace has this name"
NOT_A_NEW_RELATION = "Not a new_relation event"
# RFC 9110 token characters: what a header name may be made of.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def register(app: Flask, *, warn_when_unconfigured: bool) -> None:
    check_settings(app.config)
    if warn_when_unconfigured and not app.config.get("UNIPILE_WEBHOOK_SECRET"):
        log.warning("UNIPILE_WEBHOOK_SECRET is not set: the Unipile webhooks answer 503 until it is")
    app.register_blueprint(blueprint)


def check_settings(config: Mapping[str, Any]) -> None:
    header = config.get("UNIPILE_WEBHOOK_HEADER")
    if not isinstance(header, str) or not _HEADER_NAME.fullmatch(header):
        raise ConfigurationError("UNIPILE_WEBHOOK_HEADER must be an HTTP header name, such as Unipile-Auth")
    secret = config.get("UNIPILE_WEBHOOK_SECRET")
    # A header value loses surrounding spaces on the way, and is only reliably ASCII.
    if secret and not (
        isinstance(secret, str)
        and len(secret) >= MIN_SECRET_LENGTH
        and secret.isascii()
        and secret.isprintable()
        and secret == secret.strip()
    ):
        raise ConfigurationError(
            f"UNIPILE_WEBHOOK_SECRET must be at least {MIN_SECRET_LENGTH} printable ASCII characters"
            " with no surrounding spaces"
        )


@blueprint.before_request
def authenticate() -> None:
    config = current_app.config
    authenticate_webhook(
        request.headers.get(config["UNIPILE_WEBHOOK_HEADER"]), config.get("UNIPILE_WEBHOOK_SECRET")
    )


# strict_slashes=False: a URL registered without the trailing slash is answered, not redirected.
@blueprint.post("/account-status/", strict_slashes=False)
def account_status() -> Response:
    event = account_status_event(json_object_from(request))
    update = record_account_status(event.provider_account_id, event.status, store=_store())
    body: dict[str, Any] = {"success": True, "updated": len(update.changed), "unchanged": len(update.unchanged)}
    if not update.changed and not update.unchanged:
        body["ignored"] = NO_SUCH_ACCOUNT
    return jsonify(body)


@blueprint.post("/hosted-auth/", strict_slashes=False)
def hosted_auth() -> Response:
    event = hosted_auth_event(json_object_from(request))
    outcome = record_hosted_auth(
        event.workspace_name, event.provider_account_id, event.status, store=_store()
    )
    body: dict[str, Any] = {
        "success": True,
        "created": 0 if outcome.created is None else 1,
        "updated": len(outcome.update.changed),
        "unchanged": len(outcome.update.unchanged),
    }
    if not outcome.workspace_found:
        body["ignored"] = NO_SUCH_WORKSPACE
    return jsonify(body)


@blueprint.post("/new-relation/", strict_slashes=False)
def new_relation() -> Response:
    event = new_relation_event(json_object_from(request))
    if event is None:
        return jsonify({"success": True, "recorded": 0, "ignored": NOT_A_NEW_RELATION})
    services = current_app.extensions["services"]
    recorded = record_new_relation(
        event.provider_account_id,
        event.member,
        store=services.store,
        observations=services.observations,
        observed_at=services.clock(),
    )
    body: dict[str, Any] = {"success": True, "recorded": recorded}
    if not recorded:
        body["ignored"] = NO_SUCH_ACCOUNT
    return jsonify(body)


def _store() -> ProspectStore:
    return current_app.extensions["services"].store
