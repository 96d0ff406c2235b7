"""The two credentials: an `X-API-Key` for API consumers, a JWT bearer token for the in-app client."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from flask import Flask, Response, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    get_jwt_identity,
    verify_jwt_in_request,
)
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import JWTDecodeError

from domain import services
from domain.model import CheckContext
from domain.ports import ProspectStore
from entrypoints.errors import error_response

MISSING_TOKEN = "Missing bearer token"
# The longest lifetime `users token --expires-in` issues.
MAX_TOKEN_LIFETIME_SECONDS = 366 * 24 * 3600

jwt = JWTManager()


def init_jwt(app: Flask) -> None:
    # Pinned so a token can never pick its own algorithm; headers only, since query strings end up in logs.
    app.config.update(
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers"],
        JWT_HEADER_NAME="Authorization",
        JWT_HEADER_TYPE="Bearer",
        # Tokens name this service as their audience and issuer: a token signed with the same
        # secret for another service is refused.
        JWT_ENCODE_AUDIENCE=app.config["JWT_AUDIENCE"],
        JWT_DECODE_AUDIENCE=app.config["JWT_AUDIENCE"],
        JWT_ENCODE_ISSUER=app.config["JWT_ISSUER"],
        JWT_DECODE_ISSUER=app.config["JWT_ISSUER"],
    )
    jwt.init_app(app)


def _invalid_token(*_args: object) -> Response:
    return error_response(401, services.INVALID_TOKEN)


@jwt.unauthorized_loader
def _missing_token(_reason: str) -> Response:
    return error_response(401, MISSING_TOKEN)


# Every other way a token can fail is one fixed 401: never PyJWT's parser text, never a 422.
jwt.invalid_token_loader(_invalid_token)
jwt.expired_token_loader(_invalid_token)
jwt.token_verification_failed_loader(_invalid_token)
jwt.revoked_token_loader(_invalid_token)
jwt.needs_fresh_token_loader(_invalid_token)
jwt.user_lookup_error_loader(_invalid_token)


@jwt.decode_key_loader
def _key_for_access_tokens_only(_header: dict, unverified_claims: dict) -> str:
    # flask-jwt-extended gives a token without `type` the type `access` before any loader sees it;
    # every token this service issues carries it, so one without is not ours. The signature is
    # verified right after, over these same claims.
    if unverified_claims.get("type") != "access":
        raise JWTDecodeError("not an access token")
    return jwt_config.decode_key


@jwt.token_verification_loader
def _is_a_bounded_access_token(_header: dict, payload: dict) -> bool:
    # PyJWT only checks `exp` when present: a token without one would be valid forever, and one
    # that expires in a thousand years is not much better.
    issued_at, expires_at = payload.get("iat"), payload.get("exp")
    return (
        isinstance(issued_at, int)
        and isinstance(expires_at, int)
        and expires_at - issued_at <= MAX_TOKEN_LIFETIME_SECONDS
        and isinstance(payload.get("sub"), str)
    )


class AuthenticatedCheck(NamedTuple):
    # Whose request allowance the check spends: `api-key:<prefix>` or `user:<id>`.
    caller: str
    workspace_id: int
    context: CheckContext | None


def api_key_check(store: ProspectStore, prospect_id: int) -> AuthenticatedCheck:
    """The caller, its workspace and the prospect's context, for a request with an `X-API-Key`."""
    key, context = services.api_key_check(request.headers.get("X-API-Key"), prospect_id, store=store)
    # The prefix is public and names the key, not its secret.
    return AuthenticatedCheck(f"api-key:{key.prefix}", key.workspace_id, context)


def token_check(store: ProspectStore, prospect_id: int) -> AuthenticatedCheck:
    """The caller, its workspace and the prospect's context, for a request with a bearer token."""
    verify_jwt_in_request()
    identity = get_jwt_identity()
    user, context = services.user_check(identity, prospect_id, store=store)
    return AuthenticatedCheck(f"user:{identity}", user.workspace_id, context)


def access_token_for(user_id: int, expires_in_seconds: int) -> str:
    return create_access_token(
        identity=str(user_id), expires_delta=timedelta(seconds=expires_in_seconds)
    )
