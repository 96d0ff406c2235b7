"""The use cases: plain functions over the ports."""

from __future__ import annotations

from domain import api_keys
from domain.errors import (
    InvalidRequest,
    ProspectAccessDenied,
    ProspectHasNoLinkedInUrl,
    ProspectNotFound,
    Unauthenticated,
)
from domain.model import (
    MAX_ID,
    ApiKeyRecord,
    CheckContext,
    ConnectionStatus,
    User,
    connection_status_from,
    positive_id,
    select_account,
)
from domain.ports import LinkedInProvider, ProspectStore
from domain.profile_url import profile_identifier

MISSING_API_KEY = "Missing API key"
INVALID_API_KEY = "Invalid API key"
INVALID_TOKEN = "Invalid or expired token"
INVALID_ACCOUNT_ID = "account_id must be a positive integer"


def api_key_check(
    presented_key: str | None, prospect_id: int, *, store: ProspectStore
) -> tuple[ApiKeyRecord, CheckContext | None]:
    """The live key an `X-API-Key` value is, and the context of the prospect it asks about.

    Both are read in one round trip; nothing is answered about the prospect unless the key holds.
    Raises Unauthenticated.
    """
    prefix, secret = _key_parts(presented_key)
    lookup = store.check_lookup(prospect_id, api_key_prefix=prefix)
    return _live_key(lookup.api_key, secret), lookup.context


def user_check(
    identity: object, prospect_id: int, *, store: ProspectStore
) -> tuple[User, CheckContext | None]:
    """The user a verified token names, and the context of the prospect it asks about.

    A token for a vanished user is refused: raises Unauthenticated.
    """
    user_id = positive_id(identity) if isinstance(identity, str) else None
    if user_id is None or user_id > MAX_ID:
        raise Unauthenticated(INVALID_TOKEN)
    lookup = store.check_lookup(prospect_id, user_id=user_id)
    if lookup.user is None:
        raise Unauthenticated(INVALID_TOKEN)
    return lookup.user, lookup.context


def api_key_for(presented_key: str | None, *, store: ProspectStore) -> ApiKeyRecord:
    """The live key an `X-API-Key` value is; raises Unauthenticated otherwise."""
    prefix, secret = _key_parts(presented_key)
    return _live_key(store.api_key_by_prefix(prefix), secret)


def _key_parts(presented_key: str | None) -> tuple[str, str]:
    if presented_key is None or not presented_key.strip():
        raise Unauthenticated(MISSING_API_KEY)
    parts = api_keys.split_api_key(presented_key.strip())
    if parts is None:
        raise Unauthenticated(INVALID_API_KEY)
    return parts


def _live_key(record: ApiKeyRecord | None, secret: str) -> ApiKeyRecord:
    if record is None or record.revoked or not api_keys.secret_matches(record, secret):
        raise Unauthenticated(INVALID_API_KEY)
    return record


def issue_api_key(workspace_id: int, name: str | None, *, store: ProspectStore) -> tuple[ApiKeyRecord, str]:
    """Store a new key's hash; the returned key text is the only copy of the secret."""
    new_key = api_keys.generate_api_key()
    record = store.add_api_key(workspace_id, name, new_key.prefix, new_key.secret_hash)
    return record, new_key.key


def requested_account_id(text: str | None) -> int | None:
    """The account id a caller asked for; None when it asked for none. Raises InvalidRequest."""
    if text is None or text == "":
        return None
    account_id = positive_id(text)
    if account_id is None:
        raise InvalidRequest(INVALID_ACCOUNT_ID)
    return account_id


def check_connection_status(
    *,
    workspace_id: int,
    context: CheckContext | None,
    requested_account: str | None,
    provider: LinkedInProvider,
) -> ConnectionStatus:
    """Ask the provider, live, whether the prospect is a 1st-degree connection of a workspace account.

    `context` is what storage holds for the prospect the caller named (None: no such prospect);
    `requested_account` is the caller's `account_id` text: absent or empty means the default account.
    The checks run in the contract's order: prospect exists, belongs to the caller's workspace,
    has a usable LinkedIn URL, an account can be chosen; only then is the provider called.
    """
    if context is None:
        raise ProspectNotFound()
    prospect = context.prospect
    if prospect.workspace_id != workspace_id:
        raise ProspectAccessDenied()
    if not (prospect.linkedin_profile_url or "").strip():
        raise ProspectHasNoLinkedInUrl()
    profile = profile_identifier(prospect.linkedin_profile_url)
    account = select_account(context.accounts, requested_account_id(requested_account))
    relationship = provider.profile_relationship(account, profile)
    return connection_status_from(relationship, account)
