"""The use cases: plain functions over the ports."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

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
    AnswerSource,
    ApiKeyRecord,
    CheckContext,
    ConnectionStatus,
    User,
    connection_status_from,
    positive_id,
    select_account,
)
from domain.observations import (
    Observation,
    may_answer,
    observed,
    relationship_in,
    requested_max_age,
    reuse_since,
)
from domain.ports import LinkedInProvider, ObservationStore, ProspectStore
from domain.profile_url import profile_identifier

log = logging.getLogger(__name__)

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
    max_age: str | None,
    provider: LinkedInProvider,
    observations: ObservationStore,
    clock: Callable[[], datetime],
    retention: timedelta,
) -> ConnectionStatus:
    """Whether the prospect is a 1st-degree connection of a workspace account: live, or an earlier
    observation when the caller allows one (`max_age`) and the account has a young enough one.

    `context` is what storage holds for the prospect the caller named (None: no such prospect);
    `requested_account` and `max_age` are the caller's texts: absent or empty means the default
    account and a live answer. The checks run in the contract's order: prospect exists, belongs to
    the caller's workspace, has a usable LinkedIn URL, `account_id` and `max_age` are valid, an
    account can be chosen; only then are the observations read, and the provider asked. A stored
    answer is decided before the provider (and its account rules) is called, so it spends no
    lookup. Every live answer is recorded; recording never fails the check.
    """
    if context is None:
        raise ProspectNotFound()
    prospect = context.prospect
    if prospect.workspace_id != workspace_id:
        raise ProspectAccessDenied()
    if not (prospect.linkedin_profile_url or "").strip():
        raise ProspectHasNoLinkedInUrl()
    profile = profile_identifier(prospect.linkedin_profile_url)
    account_id = requested_account_id(requested_account)
    accepted_age = requested_max_age(max_age)
    account = select_account(context.accounts, account_id)
    if accepted_age is not None:
        now = clock()
        stored = observations.latest_observation(
            account.id, profile, reuse_since(now, accepted_age, retention)
        )
        if stored is not None and may_answer(stored, now=now, max_age=accepted_age, retention=retention):
            return connection_status_from(
                relationship_in(stored), account, checked_at=stored.observed_at, source=AnswerSource.STORED
            )
    relationship = provider.profile_relationship(account, profile)
    checked_at = clock()
    _remember(observed(relationship, account_id=account.id, profile=profile, at=checked_at), observations)
    return connection_status_from(relationship, account, checked_at=checked_at, source=AnswerSource.LIVE)


def _remember(observation: Observation, observations: ObservationStore) -> None:
    try:
        observations.record_observations([observation])
    except Exception as exc:
        # Whatever failed, LinkedIn was asked already: its answer is worth more than the record.
        # The class only: database messages can name hosts, users and databases.
        log.warning("Observation by account %s not recorded (%s)", observation.account_id, type(exc).__name__)
