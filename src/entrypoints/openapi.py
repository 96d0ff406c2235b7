"""The OpenAPI 3.1 description of the service's routes, served at /api/v1/openapi.json.

Written out by hand as the contract states it, not derived from the code: the tests replay real
responses against it, so a message or field that drifts from this document fails them.
"""

from __future__ import annotations

from typing import Any

from domain.model import MAX_ID, AccountStatus
from domain.observations import INVALID_MAX_AGE, MAX_AGE_LIMIT_SECONDS

PUBLIC_CHECK_PATH = "/api/v1/public/prospects/{prospect_id}/connection-status/"
IN_APP_CHECK_PATH = "/api/v1/prospects/{prospect_id}/connection-status/"
ACCOUNT_STATUS_WEBHOOK_PATH = "/api/v1/webhooks/unipile/account-status/"
HOSTED_AUTH_WEBHOOK_PATH = "/api/v1/webhooks/unipile/hosted-auth/"
NEW_RELATION_WEBHOOK_PATH = "/api/v1/webhooks/unipile/new-relation/"

PROVIDER_FAILURE_CODES = {
    "provider_timeout": "Unipile did not answer within the deadline.",
    "provider_unreachable": "Unipile could not be reached, or the connection broke mid-answer.",
    "provider_rate_limited": "Unipile refused the call for its rate limit; `Retry-After` carries its wait when it gave one.",
    "provider_account_disconnected": "The LinkedIn account must be reconnected in Unipile before it can check.",
    "provider_profile_not_found": "Unipile knows no LinkedIn profile at the prospect's URL.",
    "provider_auth_failed": "Unipile refused this service's API key.",
    "provider_error": "Any other failure: an unexpected status or an answer that cannot be read.",
}


def _id_schema(**extra: Any) -> dict[str, Any]:
    return {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID, **extra}


_DESCRIPTION = """\
Tells a sales-outreach campaign whether a prospect is already a **1st-degree LinkedIn connection**
of one of the workspace's connected LinkedIn accounts, by asking the LinkedIn provider (Unipile)
live, or, when the caller allows it with `max_age`, by answering what the same account observed
recently.

* Without `max_age` every request makes a live provider call, which spends one of the LinkedIn
  account's profile visits (Unipile advises about 100 a day) and is subject to the provider's rate
  limits: use it for on-demand checks (before launching a campaign or scheduling an invite), not
  for bulk polling.
* Repeat checks of the same prospects in a campaign should pass `max_age`: an observation of the
  prospect by the same account younger than that is answered (`source: "stored"`, with its own
  `checked_at`) without asking the provider. The first check before an invitation should stay live.
* Every answer says how sure it is: `connection_status` is `connected`, `not_connected` or
  `unknown` (the provider reported neither a distance nor a relationship).
* "Connected" means a 1st-degree relationship only; a pending invitation does not count.
* The chosen account is the perspective of the check. When a workspace has several LinkedIn
  accounts, pass `account_id` if the answer must come from a particular one.
* The trailing slash of each path is optional. Other methods than `GET` answer `405` with an
  `Allow` header and the error body `{"success": false, "error": "Method Not Allowed"}`.
* Every error is JSON: `{"success": false, "error": "<message>"}`, plus a machine-readable `code`
  on `502`.
"""

_CHECK_ORDER = """\
Checks run in this order, and the first that fails answers: credential (`401`), the caller's rate
limit (`429`), prospect exists (`404`), prospect is in the caller's workspace (`403`), prospect has
a LinkedIn profile URL (`400`) that is a valid one (`400`), `account_id` and `max_age` are well
formed (`400`) and an active LinkedIn account can be chosen (`400`); then, with `max_age`, a young
enough observation answers; otherwise the account's daily budget (`429`), then the live provider
call (`502` on failure). A stored answer touches neither the daily budget nor a cool-down.
"""


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document, safe for the caller to change."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Connection status API",
            "version": "1.0.0",
            "summary": "Is this prospect already a 1st-degree LinkedIn connection of the workspace?",
            "description": _DESCRIPTION,
        },
        # Relative, so the docs page's "Try it out" calls the host that served it.
        "servers": [{"url": "/", "description": "The host serving this document"}],
        "tags": [
            {"name": "connection-status", "description": "The live 1st-degree connection check"},
            {"name": "webhooks", "description": "Called by Unipile, not by API consumers"},
            {"name": "operations", "description": "Probes and metrics for the platform running the service"},
        ],
        # One entry per route the service serves; a test compares this with the app's URL map.
        "paths": {
            PUBLIC_CHECK_PATH: {
                "get": _check_operation(
                    operation_id="getConnectionStatusWithApiKey",
                    summary="Check a prospect's connection status (API key)",
                    audience="API consumers, authenticated with a workspace API key in `X-API-Key`.",
                    security_scheme="ApiKey",
                    unauthorized="PublicUnauthorized",
                )
            },
            IN_APP_CHECK_PATH: {
                "get": _check_operation(
                    operation_id="getConnectionStatusWithToken",
                    summary="Check a prospect's connection status (in-app bearer token)",
                    audience="The in-app client, authenticated with a user's JWT access token.",
                    security_scheme="BearerToken",
                    unauthorized="InAppUnauthorized",
                )
            },
            ACCOUNT_STATUS_WEBHOOK_PATH: {
                "post": _webhook_operation(
                    operation_id="receiveUnipileAccountStatus",
                    summary="Unipile account-status webhook",
                    description="Sets the status of every connected account with this Unipile "
                    "`account_id`. Idempotent; an unknown `account_id` is answered 200 and ignored. "
                    "The last delivery received wins: Unipile's status webhooks carry no timestamp.",
                    body_schema={
                        "type": "object",
                        "required": ["AccountStatus"],
                        "properties": {
                            "AccountStatus": {
                                "type": "object",
                                "required": ["account_id", "message"],
                                "properties": {
                                    "account_id": {"type": "string", "minLength": 1, "maxLength": 255},
                                    "message": {"enum": [status.value for status in AccountStatus]},
                                    # Not used; null is read as absent.
                                    "account_type": {"type": ["string", "null"]},
                                },
                            }
                        },
                    },
                    example={
                        "AccountStatus": {
                            "account_id": "fFl27we2Rqa0eSbwIKX9hw",
                            "message": "CREDENTIALS",
                            "account_type": "LINKEDIN",
                        }
                    },
                )
            },
            HOSTED_AUTH_WEBHOOK_PATH: {
                "post": _webhook_operation(
                    operation_id="receiveUnipileHostedAuth",
                    summary="Unipile hosted-auth callback",
                    description="Connects the LinkedIn account to the workspace whose id is in `name`, "
                    "or reactivates it. A `name` that names no workspace is answered 200 and ignored.",
                    body_schema={
                        "type": "object",
                        "required": ["status", "account_id", "name"],
                        "properties": {
                            "status": {"enum": ["CREATION_SUCCESS", "RECONNECTED"]},
                            "account_id": {"type": "string", "minLength": 1, "maxLength": 255},
                            "name": {"type": "string", "description": "The workspace id"},
                        },
                    },
                    example={"status": "CREATION_SUCCESS", "account_id": "e54m8LR22bA7G5qsAc8w", "name": "12"},
                )
            },
            NEW_RELATION_WEBHOOK_PATH: {"post": _new_relation_operation()},
            "/livez": {
                "get": _probe_operation(
                    operation_id="getLiveness",
                    summary="Liveness: the process answers HTTP (no I/O)",
                    healthy={"status": "ok"},
                    can_be_unavailable=False,
                )
            },
            "/readyz": {
                "get": _probe_operation(
                    operation_id="getReadiness",
                    summary="Readiness: the database answers (the LinkedIn provider is never called)",
                    healthy={"status": "ok", "checks": {"database": "ok"}},
                    can_be_unavailable=True,
                )
            },
            "/metrics": {
                "get": {
                    "tags": ["operations"],
                    "operationId": "getMetrics",
                    "summary": "Prometheus metrics, summed over every worker",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Prometheus text exposition format",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
        "components": _components(),
    }


def _probe_operation(
    *, operation_id: str, summary: str, healthy: dict[str, Any], can_be_unavailable: bool
) -> dict[str, Any]:
    status_schema = {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"enum": ["ok", "unavailable"]},
            "checks": {"type": "object", "additionalProperties": {"enum": ["ok", "unavailable", "not_migrated"]}},
            "error": {"type": "string", "description": "What the operator must do, when the database is not migrated"},
        },
    }
    responses: dict[str, Any] = {
        "200": {
            "description": "Healthy",
            "content": {"application/json": {"schema": status_schema, "example": healthy}},
        }
    }
    if can_be_unavailable:
        responses["503"] = {
            "description": "The database does not answer, or lacks this release's tables (`not_migrated`: run"
            " `flask --app wsgi db upgrade`)",
            "content": {
                "application/json": {
                    "schema": status_schema,
                    "example": {"status": "unavailable", "checks": {"database": "unavailable"}},
                }
            },
        }
    return {
        "tags": ["operations"],
        "operationId": operation_id,
        "summary": summary,
        "security": [],
        "responses": responses,
    }


def _webhook_operation(
    *, operation_id: str, summary: str, description: str, body_schema: dict[str, Any], example: dict[str, Any]
) -> dict[str, Any]:
    return {
        "tags": ["webhooks"],
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "security": [{"WebhookSecret": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": body_schema, "example": example}},
        },
        "responses": {
            "200": {
                "description": "Recorded, or ignored when it names nothing this service knows",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["success", "updated", "unchanged"],
                            "properties": {
                                "success": {"const": True},
                                "created": {"type": "integer", "minimum": 0, "maximum": 1},
                                "updated": {"type": "integer", "minimum": 0},
                                "unchanged": {"type": "integer", "minimum": 0},
                                "ignored": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "400": _plain_error_response(
                "The body is over 16 KiB (checked after the secret), not the documented shape, or names an"
                " unknown status"
            ),
            "401": _plain_error_response("The webhook secret header is missing or wrong"),
            "500": {"$ref": "#/components/responses/InternalError"},
            "503": _plain_error_response("No webhook secret is configured, so nothing is accepted"),
        },
    }


def _new_relation_operation() -> dict[str, Any]:
    operation = _webhook_operation(
        operation_id="receiveUnipileNewRelation",
        summary="Unipile new_relation webhook (source users)",
        description="Records the member as a first-degree relation, now, of every connected account with "
        "this Unipile `account_id`, all in one write. An unknown `account_id`, or any other `event`, is "
        "answered 200 and ignored. Only the member's ids are kept.",
        # Only a new_relation event is read; any other event is answered 200 whatever it carries.
        body_schema={
            "type": "object",
            "required": ["event"],
            "properties": {"event": {"type": "string", "description": "Only `new_relation` records anything"}},
            "if": {"properties": {"event": {"const": "new_relation"}}},
            "then": {
                "required": ["account_id", "user_provider_id"],
                "properties": {
                    "account_id": {"type": "string", "minLength": 1, "maxLength": 255},
                    "user_provider_id": {"type": "string", "minLength": 1, "maxLength": 100},
                    "user_public_identifier": {"type": ["string", "null"], "minLength": 1, "maxLength": 100},
                },
            },
        },
        example={
            "event": "new_relation",
            "account_id": "SDF4tGaPSPSzNe1D1xsOs",
            "account_type": "LINKEDIN",
            "user_full_name": "Julien Crépieux",
            "user_provider_id": "ACoAAAh_Ffqss54sqAGQOD8u7sl5of04y9_3AwyM",
            "user_public_identifier": "julien-crepieux",
            "user_profile_url": "https://www.linkedin.com/in/julien-crepieux/",
        },
    )
    operation["responses"]["200"] = {
        "description": "Recorded, or ignored when it names no connected account or is another event",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["success", "recorded"],
                    "properties": {
                        "success": {"const": True},
                        "recorded": {"type": "integer", "minimum": 0},
                        "ignored": {"type": "string"},
                    },
                }
            }
        },
    }
    return operation


def _plain_error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["success", "error"],
                    "properties": {"success": {"const": False}, "error": {"type": "string"}},
                }
            }
        },
    }


def _check_operation(
    *, operation_id: str, summary: str, audience: str, security_scheme: str, unauthorized: str
) -> dict[str, Any]:
    return {
        "tags": ["connection-status"],
        "operationId": operation_id,
        "summary": summary,
        "description": f"For {audience}\n\n{_CHECK_ORDER}",
        "security": [{security_scheme: []}],
        "parameters": [
            {"$ref": "#/components/parameters/ProspectId"},
            {"$ref": "#/components/parameters/AccountId"},
            {"$ref": "#/components/parameters/MaxAge"},
        ],
        "responses": {
            "200": {"$ref": "#/components/responses/ConnectionStatus"},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": f"#/components/responses/{unauthorized}"},
            "403": {"$ref": "#/components/responses/Forbidden"},
            "404": {"$ref": "#/components/responses/ProspectNotFound"},
            "429": {"$ref": "#/components/responses/RateLimited"},
            "500": {"$ref": "#/components/responses/InternalError"},
            "502": {"$ref": "#/components/responses/ProviderFailed"},
            "503": {"$ref": "#/components/responses/StoreUnavailable"},
        },
    }


def _components() -> dict[str, Any]:
    return {
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "A workspace API key, issued with `flask --app wsgi api-keys create`.",
            },
            "WebhookSecret": {
                "type": "apiKey",
                "in": "header",
                "name": "Unipile-Auth",
                "description": "The shared secret `UNIPILE_WEBHOOK_SECRET`, sent back by Unipile in the "
                "custom header registered with the webhook (`UNIPILE_WEBHOOK_HEADER`, default `Unipile-Auth`).",
            },
            "BearerToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A user's HS256 access token with an `exp` claim, "
                "issued with `flask --app wsgi users token`.",
            },
        },
        "parameters": {
            "ProspectId": {
                "name": "prospect_id",
                "in": "path",
                "required": True,
                "description": "ID of the prospect to check. Leading zeros are accepted. "
                "Anything that is not a positive integer up to 2^63-1 names no prospect and "
                "answers `404 Prospect not found`.",
                "schema": _id_schema(),
                "example": 12345,
            },
            "AccountId": {
                "name": "account_id",
                "in": "query",
                "required": False,
                "description": "ID of the LinkedIn connected account to check from, e.g. `42`. When omitted "
                "(or empty: `?account_id=`), the workspace's active LinkedIn account with the "
                "lowest id is used. A value that is not a positive integer answers "
                "`400 account_id must be a positive integer`; a well-formed id that is not an "
                "active LinkedIn account of the workspace answers `400 Requested LinkedIn account "
                "not found or not active in this workspace`.",
                "schema": _id_schema(),
            },
            "MaxAge": {
                "name": "max_age",
                "in": "query",
                "required": False,
                "description": "How old an answer, in seconds, the caller accepts, e.g. `86400`. When "
                "the chosen account observed this prospect less than `max_age` seconds ago (and within "
                "the service's retention, `OBSERVATION_RETENTION_DAYS`), that observation is answered "
                "with `source: \"stored\"` and the provider is not asked: no LinkedIn profile visit, "
                "no daily budget, no cool-down. Otherwise the check is live. Omitted, empty or `0`: "
                "live. Use it for repeat checks of the same prospects in a campaign; not for the "
                "first check before an invitation. Anything but a whole number from 0 to 2592000 "
                "(30 days) answers `400 max_age must be a whole number of seconds between 0 and "
                "2592000`.",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_AGE_LIMIT_SECONDS},
            },
        },
        "schemas": {
            "ConnectionStatus": {
                "type": "object",
                "required": [
                    "success",
                    "connection_status",
                    "is_connected",
                    "connection_level",
                    "network_distance",
                    "checked_with_account_id",
                    "invitation",
                    "checked_at",
                    "source",
                ],
                "properties": {
                    "success": {"const": True, "description": "Always true on a successful response."},
                    "connection_status": {
                        "enum": ["connected", "not_connected", "unknown"],
                        "description": "How sure the answer is. `connected`: the provider reported a "
                        "1st-degree distance, or a relationship (`is_relationship`) whatever the "
                        "distance says. `not_connected`: a 2nd, 3rd-degree or out-of-network "
                        "distance, or the prospect's profile is the account's own. `unknown`: the "
                        "provider reported neither a known distance nor a relationship; "
                        "`is_connected` is then false without meaning \"not connected\".",
                    },
                    "is_connected": {
                        "type": "boolean",
                        "description": "True exactly when `connection_status` is `connected`.",
                    },
                    "connection_level": {
                        "type": ["integer", "null"],
                        "enum": [1, 2, 3, None],
                        "description": "1 = 1st degree (direct connection, also when only a "
                        "relationship was reported), 2 = 2nd degree, 3 = 3rd degree; null when the "
                        "relationship is unknown, out of network or the account's own profile.",
                    },
                    "network_distance": {
                        "enum": [
                            "FIRST_DEGREE", "SECOND_DEGREE", "THIRD_DEGREE", "OUT_OF_NETWORK",
                            "DISTANCE_1", "DISTANCE_2", "DISTANCE_3", "SELF", None,
                        ],
                        "description": "The network distance as the provider spelled it, when it is "
                        "one of these known values; null when absent or unrecognised.",
                        "examples": ["FIRST_DEGREE", "OUT_OF_NETWORK", None],
                    },
                    "checked_at": {
                        "type": "string",
                        "format": "date-time",
                        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
                        "description": "When the answer was observed: now for a live answer, the "
                        "observation's moment for a stored one. ISO 8601 in UTC, to the second.",
                        "examples": ["2026-12-05T12:30:15Z"],
                    },
                    "source": {
                        "enum": ["live", "stored"],
                        "description": "`live`: the provider was asked for this request. `stored`: "
                        "an earlier observation by the same account, answered because `max_age` "
                        "allowed it.",
                    },
                    "checked_with_account_id": _id_schema(
                        description="The id of the connected account actually used for the check."
                    ),
                    "invitation": {
                        "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Invitation"}],
                        "description": "A pending or past invitation between the account and the "
                        "prospect, when the provider reports one; it never makes `is_connected` true.",
                    },
                },
                "examples": [
                    {
                        "success": True,
                        "connection_status": "connected",
                        "is_connected": True,
                        "connection_level": 1,
                        "network_distance": "FIRST_DEGREE",
                        "checked_with_account_id": 42,
                        "invitation": None,
                        "checked_at": "2026-12-05T12:30:15Z",
                        "source": "live",
                    }
                ],
            },
            "Invitation": {
                "type": "object",
                "required": ["type", "status"],
                "properties": {
                    "type": {
                        "enum": ["SENT", "RECEIVED"],
                        "description": "SENT by the account to the prospect, or RECEIVED from the prospect.",
                    },
                    "status": {"enum": ["PENDING", "IGNORED", "WITHDRAWN"]},
                },
            },
            "Error": {
                "type": "object",
                "required": ["success", "error"],
                "properties": {
                    "success": {"const": False},
                    "error": {"type": "string", "description": "A human-readable message."},
                    "code": {"type": "string", "description": "A machine-readable reason, where one is given."},
                },
            },
            "ProviderError": {
                "type": "object",
                "required": ["success", "error", "code"],
                "properties": {
                    "success": {"const": False},
                    "error": {"const": "Failed to fetch prospect profile from LinkedIn provider"},
                    "code": {
                        "enum": list(PROVIDER_FAILURE_CODES),
                        "description": "Why the provider call failed:\n\n"
                        + "\n".join(f"* `{code}`: {why}" for code, why in PROVIDER_FAILURE_CODES.items()),
                    },
                },
            },
        },
        "responses": {
            "ConnectionStatus": {
                "description": "The prospect's connection status as seen from the chosen account, "
                "live or (with `max_age`) as the account observed it earlier.",
                "headers": {
                    "Cache-Control": {
                        "description": "Answers change with every observation; caches must not keep them.",
                        "required": True,
                        "schema": {"type": "string", "const": "no-store"},
                    }
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ConnectionStatus"},
                        "examples": {
                            "connected": _example(
                                "1st-degree connection",
                                {
                                    "success": True,
                                    "connection_status": "connected",
                                    "is_connected": True,
                                    "connection_level": 1,
                                    "network_distance": "FIRST_DEGREE",
                                    "checked_with_account_id": 42,
                                    "invitation": None,
                                    "checked_at": "2026-12-05T12:30:15Z",
                                    "source": "live",
                                },
                            ),
                            "invited": _example(
                                "2nd degree with a pending invitation: not connected",
                                {
                                    "success": True,
                                    "connection_status": "not_connected",
                                    "is_connected": False,
                                    "connection_level": 2,
                                    "network_distance": "SECOND_DEGREE",
                                    "checked_with_account_id": 42,
                                    "invitation": {"type": "SENT", "status": "PENDING"},
                                    "checked_at": "2026-12-04T09:00:00Z",
                                    "source": "stored",
                                },
                            ),
                            "out_of_network": _example(
                                "Out of network",
                                {
                                    "success": True,
                                    "connection_status": "not_connected",
                                    "is_connected": False,
                                    "connection_level": None,
                                    "network_distance": "OUT_OF_NETWORK",
                                    "checked_with_account_id": 42,
                                    "invitation": None,
                                    "checked_at": "2026-12-05T12:30:15Z",
                                    "source": "live",
                                },
                            ),
                            "unknown": _example(
                                "The provider reported neither a distance nor a relationship",
                                {
                                    "success": True,
                                    "connection_status": "unknown",
                                    "is_connected": False,
                                    "connection_level": None,
                                    "network_distance": None,
                                    "checked_with_account_id": 42,
                                    "invitation": None,
                                    "checked_at": "2026-12-05T12:30:15Z",
                                    "source": "live",
                                },
                            ),
                        },
                    }
                },
            },
            "BadRequest": _error_response(
                "The request or the prospect cannot be checked.",
                {
                    "no_profile_url": (
                        "The prospect has no LinkedIn profile URL",
                        "Prospect has no LinkedIn profile URL to check against",
                    ),
                    "invalid_profile_url": (
                        "The prospect's URL is not a LinkedIn profile URL",
                        "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL",
                    ),
                    "no_active_account": (
                        "No LinkedIn account with status OK, SYNC_SUCCESS, CREATION_SUCCESS or "
                        "RECONNECTED in the workspace",
                        "No active LinkedIn account is connected to this workspace",
                    ),
                    "requested_account_unavailable": (
                        "`account_id` names no active LinkedIn account of the workspace",
                        "Requested LinkedIn account not found or not active in this workspace",
                    ),
                    "malformed_account_id": (
                        "`account_id` is not a positive integer",
                        "account_id must be a positive integer",
                    ),
                    "malformed_max_age": (
                        "`max_age` is not a whole number of seconds from 0 to 2592000",
                        INVALID_MAX_AGE,
                    ),
                },
            ),
            "PublicUnauthorized": _error_response(
                "The `X-API-Key` header is missing, blank, unknown or revoked.",
                {
                    "missing": ("No `X-API-Key` header", "Missing API key"),
                    "invalid": ("Unknown, wrong or revoked key", "Invalid API key"),
                },
            ),
            "InAppUnauthorized": _error_response(
                "The bearer token is missing, malformed, expired, wrongly signed, or names no user.",
                {
                    "missing": ("No `Authorization: Bearer` header", "Missing bearer token"),
                    "invalid": ("Any token that does not verify", "Invalid or expired token"),
                },
            ),
            "Forbidden": _error_response(
                "The prospect belongs to another workspace.",
                {"access_denied": ("Another workspace's prospect", "Access denied")},
            ),
            "ProspectNotFound": _error_response(
                "No prospect exists with the given id.",
                {"not_found": ("Unknown prospect", "Prospect not found")},
            ),
            "RateLimited": _error_response(
                "Too many requests from this caller (`API_RATE_LIMIT`), or the chosen LinkedIn account has spent "
                "its daily lookup budget (`LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT`, until the next UTC day); "
                "try again after `Retry-After` seconds.",
                {
                    "rate_limited": ("Rate limit exceeded", "Rate limit exceeded"),
                    "budget_spent": (
                        "Daily lookup budget spent",
                        "Daily LinkedIn lookup budget exhausted for this account",
                    ),
                },
                headers={
                    "Retry-After": {
                        "description": "Seconds to wait before trying again.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
                },
            ),
            "StoreUnavailable": _error_response(
                "The service's database cannot be reached, or is not migrated to this release; try again shortly.",
                {"store_unavailable": ("Database outage", "Service temporarily unavailable")},
            ),
            "InternalError": _error_response(
                "An unexpected failure in the service; details are logged, never returned.",
                {"internal": ("Unexpected failure", "Internal server error")},
            ),
            "ProviderFailed": {
                "description": "The LinkedIn provider (Unipile) call failed or answered a non-2xx "
                "status; `code` says why.",
                "headers": {
                    "Retry-After": {
                        "description": "Sent with `provider_rate_limited` when the provider said how "
                        "many seconds to wait before trying again.",
                        "schema": {"type": "integer", "minimum": 0},
                    }
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ProviderError"},
                        "examples": {
                            code: _example(
                                why,
                                {
                                    "success": False,
                                    "error": "Failed to fetch prospect profile from LinkedIn provider",
                                    "code": code,
                                },
                            )
                            for code, why in PROVIDER_FAILURE_CODES.items()
                        },
                    }
                },
            },
        },
    }


def _error_response(
    description: str,
    examples: dict[str, tuple[str, str]],
    *,
    headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An error response of the `Error` shape whose `error` is one of the messages, each shown as an example."""
    messages = [message for _summary, message in examples.values()]
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["success", "error"],
                    "properties": {"success": {"const": False}, "error": {"enum": messages}},
                },
                "examples": {
                    name: _example(summary, {"success": False, "error": message})
                    for name, (summary, message) in examples.items()
                },
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


def _example(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "value": value}
