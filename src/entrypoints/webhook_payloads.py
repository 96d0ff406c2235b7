"""Unipile's webhook bodies, read and checked before a use case sees them.

Anything that is not the documented shape is an InvalidRequest (400) saying what is wrong, so
nothing changes on a body we cannot trust.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from flask import Request

from domain import strict_json
from domain.account_lifecycle import HOSTED_AUTH_STATUSES
from domain.errors import InvalidRequest
from domain.model import MAX_PROVIDER_ACCOUNT_ID_LENGTH, AccountStatus, is_provider_account_id
from domain.profile_url import MAX_IDENTIFIER_LENGTH
from domain.relations import Relation

# Unipile's bodies are a few hundred bytes.
MAX_BODY_BYTES = 16 * 1024

BODY_TOO_LARGE = f"Body must be at most {MAX_BODY_BYTES} bytes"
NOT_A_JSON_OBJECT = "Body must be a JSON object"
KEY_NAMED_TWICE = "Body must not name a key twice in one object"
NOT_AN_ACCOUNT_STATUS = 'Body must be {"AccountStatus": {"account_id": ..., "message": ...}}'


@dataclass(frozen=True)
class AccountStatusEvent:
    provider_account_id: str
    status: AccountStatus


@dataclass(frozen=True)
class HostedAuthEvent:
    workspace_name: str
    provider_account_id: str
    status: AccountStatus


@dataclass(frozen=True)
class NewRelationEvent:
    provider_account_id: str
    member: Relation


def json_object_from(request: Request) -> dict[str, Any]:
    # Checked before the stream is touched: Werkzeug refuses a body over MAX_CONTENT_LENGTH with 413.
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise InvalidRequest(BODY_TOO_LARGE)
    body = bytearray()
    # A chunked body has no length to check first: read one byte past the cap at most.
    while len(body) <= MAX_BODY_BYTES:
        chunk = request.stream.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest(BODY_TOO_LARGE)
    try:
        document = strict_json.loads(body)
    except strict_json.DuplicateKeyError as exc:
        raise InvalidRequest(KEY_NAMED_TWICE) from exc
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(NOT_A_JSON_OBJECT) from exc
    if not isinstance(document, dict):
        raise InvalidRequest(NOT_A_JSON_OBJECT)
    return document


def account_status_event(document: dict[str, Any]) -> AccountStatusEvent:
    """`{"AccountStatus": {"account_id": ..., "message": <status>, "account_type": ...}}`."""
    fields = document.get("AccountStatus")
    if not isinstance(fields, dict):
        raise InvalidRequest(NOT_AN_ACCOUNT_STATUS)
    account_type = fields.get("account_type")
    if account_type is not None and not isinstance(account_type, str):
        raise InvalidRequest("AccountStatus.account_type must be a string")
    return AccountStatusEvent(
        provider_account_id=_provider_account_id(fields.get("account_id"), "AccountStatus.account_id"),
        status=_status(fields.get("message"), "AccountStatus.message", tuple(AccountStatus)),
    )


def hosted_auth_event(document: dict[str, Any]) -> HostedAuthEvent:
    """`{"status": "CREATION_SUCCESS"|"RECONNECTED", "account_id": ..., "name": <workspace id>}`."""
    name = document.get("name")
    if not isinstance(name, str):
        raise InvalidRequest("name must be a string")
    return HostedAuthEvent(
        workspace_name=name,
        provider_account_id=_provider_account_id(document.get("account_id"), "account_id"),
        status=_status(document.get("status"), "status", HOSTED_AUTH_STATUSES),
    )


def new_relation_event(document: dict[str, Any]) -> NewRelationEvent | None:
    """`{"event": "new_relation", "account_id": ..., "user_provider_id": ..., "user_public_identifier": ...}`;
    None for any other event of the `users` source, which is answered and ignored."""
    event = document.get("event")
    if not isinstance(event, str):
        raise InvalidRequest("event must be a string")
    if event != "new_relation":
        return None
    public_identifier = document.get("user_public_identifier")
    return NewRelationEvent(
        provider_account_id=_provider_account_id(document.get("account_id"), "account_id"),
        member=Relation(
            member_id=_member_identifier(document.get("user_provider_id"), "user_provider_id"),
            public_identifier=None
            if public_identifier is None
            else _member_identifier(public_identifier, "user_public_identifier"),
        ),
    )


def _member_identifier(value: object, field: str) -> str:
    if not (
        isinstance(value, str)
        and 0 < len(value) <= MAX_IDENTIFIER_LENGTH
        and value.isprintable()
        and value == value.strip()
    ):
        raise InvalidRequest(f"{field} must be a string of 1 to {MAX_IDENTIFIER_LENGTH} printable characters")
    return value


def _provider_account_id(value: object, field: str) -> str:
    if not is_provider_account_id(value):
        raise InvalidRequest(
            f"{field} must be a string of 1 to {MAX_PROVIDER_ACCOUNT_ID_LENGTH} printable characters"
        )
    return value


def _status(value: object, field: str, allowed: Collection[AccountStatus]) -> AccountStatus:
    for status in allowed:
        if value == status.value:
            return status
    raise InvalidRequest(f"{field} must be one of {', '.join(status.value for status in allowed)}")
