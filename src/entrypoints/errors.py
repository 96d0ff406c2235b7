"""One table from domain error to the contract's status and message, and one JSON error shape."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from domain.errors import (
    AccountAlreadyConnected,
    AccountCoolingDown,
    DailyLookupBudgetExhausted,
    DomainError,
    EmailAlreadyUsed,
    InvalidLinkedInProfileUrl,
    InvalidRequest,
    NoActiveLinkedInAccount,
    ProspectAccessDenied,
    ProspectHasNoLinkedInUrl,
    ProspectNotFound,
    ProviderFailure,
    RequestedAccountUnavailable,
    StoreNotMigrated,
    StoreUnavailable,
    Unauthenticated,
    UnknownWorkspace,
    WebhooksNotConfigured,
)

log = logging.getLogger(__name__)

PROVIDER_FAILED = "Failed to fetch prospect profile from LinkedIn provider"

ERROR_RESPONSES: dict[type[DomainError], tuple[int, str]] = {
    ProspectNotFound: (404, "Prospect not found"),
    ProspectAccessDenied: (403, "Access denied"),
    ProspectHasNoLinkedInUrl: (400, "Prospect has no LinkedIn profile URL to check against"),
    InvalidLinkedInProfileUrl: (
        400,
        "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL",
    ),
    NoActiveLinkedInAccount: (400, "No active LinkedIn account is connected to this workspace"),
    RequestedAccountUnavailable: (
        400,
        "Requested LinkedIn account not found or not active in this workspace",
    ),
    UnknownWorkspace: (404, "Workspace not found"),
    StoreUnavailable: (503, "Service temporarily unavailable"),
    # Callers get the outage's answer; the log tells the operator what to run.
    StoreNotMigrated: (503, "Service temporarily unavailable"),
    EmailAlreadyUsed: (409, "A user with this email already exists in the workspace"),
    ProviderFailure: (502, PROVIDER_FAILED),
    AccountAlreadyConnected: (409, "Account already connected to this workspace"),
    WebhooksNotConfigured: (503, "Webhooks are not configured"),
    # The provider rate-limited the account moments ago: its answer is given again without asking.
    AccountCoolingDown: (502, PROVIDER_FAILED),
    DailyLookupBudgetExhausted: (429, "Daily LinkedIn lookup budget exhausted for this account"),
}
RATE_LIMIT_EXCEEDED = "Rate limit exceeded"


def error_response(status: int, message: str, **extra: object) -> Response:
    response = jsonify({"success": False, "error": message, **extra})
    response.status_code = status
    return response


def log_store_failure(error: StoreUnavailable) -> None:
    if isinstance(error, StoreNotMigrated):
        log.error("Database schema lacks this release's tables or columns: run `flask --app wsgi db upgrade`")
    else:
        # The class only: driver messages can name hosts, users and databases.
        log.warning("Database unavailable (%s)", type(error.__cause__ or error).__name__)


def domain_error_response(error: DomainError) -> Response:
    if isinstance(error, StoreUnavailable):
        log_store_failure(error)
    if isinstance(error, Unauthenticated):
        return error_response(401, error.reason)
    if isinstance(error, InvalidRequest):
        return error_response(400, error.message)
    status, message = ERROR_RESPONSES[type(error)]
    if isinstance(error, ProviderFailure):
        response = error_response(status, message, code=error.code.value)
    else:
        response = error_response(status, message)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


class RateLimitExceeded(Exception):
    """The caller is past API_RATE_LIMIT; the 429 carries Retry-After and the X-RateLimit-* headers."""


def rate_limit_response(_error: RateLimitExceeded) -> Response:
    return error_response(429, RATE_LIMIT_EXCEEDED)


def http_error_response(error: HTTPException) -> Response:
    # Keep Werkzeug's headers (Allow on 405, Location on redirects); replace the HTML body.
    response = error.get_response()
    body = error_response(error.code or 500, error.name)
    response.set_data(body.get_data())
    response.content_type = "application/json"
    return response


def unexpected_error_response(error: Exception) -> Response:
    log.exception("Unhandled error while serving a request")
    return error_response(500, "Internal server error")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)
    app.register_error_handler(RateLimitExceeded, rate_limit_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, unexpected_error_response)
