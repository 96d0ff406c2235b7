"""An account's LinkedIn relations, as Unipile reports them, become first-degree observations.

Two sources report them: Unipile's `new_relation` webhook (a prospect accepted an invitation) and
the list of an account's relations, imported by an operator. Both say the same thing of a member,
for every workspace account connected with that Unipile account: a first-degree relation, now.

A member absent from the relations is never recorded as "not connected": the list may be cut short
(the pages an import was allowed, a failure midway) and may lag behind LinkedIn, so only a live
lookup says that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from domain.errors import DomainError, ProviderFailure, StoreUnavailable
from domain.model import ConnectedAccount
from domain.observations import Observation

if TYPE_CHECKING:  # the ports name Relation: importing them at run time would be circular
    from domain.ports import LinkedInRelations, ObservationStore, ProspectStore

logger = logging.getLogger(__name__)

FIRST_DEGREE = "FIRST_DEGREE"
DEFAULT_MAX_RELATION_PAGES = 50


@dataclass(frozen=True)
class Relation:
    """A LinkedIn member connected to an account's member: the ids Unipile gave, nothing else."""

    member_id: str
    public_identifier: str | None


@dataclass(frozen=True)
class RelationsImport:
    """What an import recorded; `failure` is set when a page could not be read or recorded after the
    ones counted here (a ProviderFailure or StoreUnavailable)."""

    relations: int
    pages: int
    failure: DomainError | None = None


class UnknownAccount(Exception):
    """No connected account has this id."""


def record_new_relation(
    provider_account_id: str,
    member: Relation,
    *,
    store: ProspectStore,
    observations: ObservationStore,
    observed_at: datetime,
) -> int:
    """Record `member` as a first-degree relation of every account with this provider account id.

    Returns how many observations were recorded: none for an id no account has, which is ignored so
    that the provider does not retry it forever. All or none are recorded.
    """
    accounts = store.accounts_with_provider_account_id(provider_account_id)
    if not accounts:
        logger.info(
            "New relation for provider account %s ignored: no connected account has it", provider_account_id
        )
        return 0
    return observations.record_observations(_first_degree(accounts, (member,), observed_at))


def import_relations(
    account_id: int,
    *,
    store: ProspectStore,
    observations: ObservationStore,
    relations: LinkedInRelations,
    max_pages: int,
    now: Callable[[], datetime],
) -> RelationsImport:
    """Record every relation the account's LinkedIn account lists as first degree.

    The relations are those of the LinkedIn account, so they are recorded for every connected
    account with the same provider account id (the same LinkedIn account in other workspaces),
    as a new relation from the webhook is. Each page is recorded as soon as it is read, so a failed
    page keeps what the pages before it recorded; the failure is returned with those counts rather
    than raised. Raises UnknownAccount (or StoreUnavailable) before the provider is asked anything.
    """
    account = store.account(account_id)
    if account is None:
        raise UnknownAccount(account_id)
    provider_account_id = account.provider_account_id
    accounts = store.accounts_with_provider_account_id(provider_account_id)
    relation_count = page_count = 0
    try:
        for page in relations.relation_pages(provider_account_id, max_pages=max_pages):
            observations.record_observations(_first_degree(accounts, page, now()))
            relation_count += len(page)
            page_count += 1
    except (ProviderFailure, StoreUnavailable) as failure:
        return RelationsImport(relations=relation_count, pages=page_count, failure=failure)
    logger.info(
        "Imported %d relations in %d pages for account %d, provider account %s (%d connected accounts)",
        relation_count,
        page_count,
        account_id,
        provider_account_id,
        len(accounts),
    )
    return RelationsImport(relations=relation_count, pages=page_count)


def _first_degree(
    accounts: Sequence[ConnectedAccount], members: Sequence[Relation], observed_at: datetime
) -> list[Observation]:
    return [
        Observation(
            account_id=account.id,
            identifier=member.public_identifier or member.member_id,
            provider_id=member.member_id,
            public_identifier=member.public_identifier,
            network_distance=FIRST_DEGREE,
            is_relationship=True,
            is_self=False,
            invitation=None,
            observed_at=observed_at,
        )
        for account in accounts
        for member in members
    ]
