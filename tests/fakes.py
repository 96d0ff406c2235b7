"""Hand-written fakes of the ports; the store contract suite keeps FakeProspectStore honest."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from domain.errors import AccountAlreadyConnected, EmailAlreadyUsed, ProviderFailure, StoreUnavailable, UnknownWorkspace
from domain.model import (
    AccountStatus,
    ApiKeyRecord,
    CheckContext,
    CheckLookup,
    ConnectedAccount,
    ProfileRelationship,
    Prospect,
    Provider,
    ProviderAccount,
    User,
    Workspace,
)
from domain.observations import Observation, observation_of
from domain.profile_url import ProfileIdentifier
from domain.relations import Relation


class FakeSecondsClock:
    """A clock (monotonic or wall, in seconds) that only moves when the code under test sleeps or a
    test moves it."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeProspectStore:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.workspaces: dict[int, Workspace] = {}
        self.api_keys: dict[int, ApiKeyRecord] = {}
        self.users: dict[int, User] = {}
        self.accounts: dict[int, ConnectedAccount] = {}
        self.prospects: dict[int, Prospect] = {}
        self.available = True
        self.lookup_failure: Exception | None = None

    def check_ready(self) -> None:
        if not self.available:
            raise StoreUnavailable()

    def fail_lookups_with(self, failure: Exception) -> None:
        """Raise `failure` from every check lookup (StoreUnavailable, or anything to provoke a 500)."""
        self.lookup_failure = failure

    def check_lookup(
        self, prospect_id: int, *, api_key_prefix: str | None = None, user_id: int | None = None
    ) -> CheckLookup:
        if self.lookup_failure is not None:
            raise self.lookup_failure
        prospect = self.prospects.get(prospect_id)
        context = None
        if prospect is not None:
            context = CheckContext(prospect=prospect, accounts=self.accounts_of_workspace(prospect.workspace_id))
        return CheckLookup(
            context=context,
            api_key=None if api_key_prefix is None else self.api_key_by_prefix(api_key_prefix),
            user=None if user_id is None else self.user(user_id),
        )

    def api_key_by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        return next((key for key in self.api_keys.values() if key.prefix == prefix), None)

    def user(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    def workspace(self, workspace_id: int) -> Workspace | None:
        return self.workspaces.get(workspace_id)

    def accounts_of_workspace(self, workspace_id: int) -> tuple[ConnectedAccount, ...]:
        return tuple(
            account
            for account in sorted(self.accounts.values(), key=lambda account: account.id)
            if account.workspace_id == workspace_id
        )

    def accounts_with_provider_account_id(
        self, provider_account_id: str
    ) -> tuple[ConnectedAccount, ...]:
        return tuple(
            account
            for account in sorted(self.accounts.values(), key=lambda account: account.id)
            if account.provider_account_id == provider_account_id
        )

    def account(self, account_id: int) -> ConnectedAccount | None:
        return self.accounts.get(account_id)

    def add_workspace(self, name: str) -> Workspace:
        workspace = Workspace(id=next(self._ids), name=name)
        self.workspaces[workspace.id] = workspace
        return workspace

    def add_api_key(
        self, workspace_id: int, name: str | None, prefix: str, secret_hash: str
    ) -> ApiKeyRecord:
        self._require_workspace(workspace_id)
        record = ApiKeyRecord(
            id=next(self._ids),
            workspace_id=workspace_id,
            name=name,
            prefix=prefix,
            secret_hash=secret_hash,
            revoked=False,
        )
        self.api_keys[record.id] = record
        return record

    def revoke_api_key(self, api_key_id: int) -> ApiKeyRecord | None:
        if api_key_id not in self.api_keys:
            return None
        record = dataclasses.replace(self.api_keys[api_key_id], revoked=True)
        self.api_keys[api_key_id] = record
        return record

    def add_user(self, workspace_id: int, email: str) -> User:
        self._require_workspace(workspace_id)
        if any(u.workspace_id == workspace_id and u.email == email for u in self.users.values()):
            raise EmailAlreadyUsed()
        user = User(id=next(self._ids), workspace_id=workspace_id, email=email)
        self.users[user.id] = user
        return user

    def add_account(
        self,
        workspace_id: int,
        provider: Provider,
        provider_account_id: str,
        status: AccountStatus,
    ) -> ConnectedAccount:
        self._require_workspace(workspace_id)
        if any(
            account.provider_account_id == provider_account_id
            for account in self.accounts_of_workspace(workspace_id)
        ):
            raise AccountAlreadyConnected()
        account = ConnectedAccount(
            id=next(self._ids),
            workspace_id=workspace_id,
            provider=provider,
            provider_account_id=provider_account_id,
            status=status,
        )
        self.accounts[account.id] = account
        return account

    def set_account_status(self, account_id: int, status: AccountStatus) -> ConnectedAccount | None:
        if account_id not in self.accounts:
            return None
        account = dataclasses.replace(self.accounts[account_id], status=status)
        self.accounts[account_id] = account
        return account

    def add_prospect(self, workspace_id: int, linkedin_profile_url: str | None) -> Prospect:
        self._require_workspace(workspace_id)
        prospect = Prospect(
            id=next(self._ids), workspace_id=workspace_id, linkedin_profile_url=linkedin_profile_url
        )
        self.prospects[prospect.id] = prospect
        return prospect

    def _require_workspace(self, workspace_id: int) -> None:
        if workspace_id not in self.workspaces:
            raise UnknownWorkspace()


class FakeObservationStore:
    """Observations in a list, oldest first; can be armed to fail every call."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self.failure: Exception | None = None

    def fail_with(self, failure: Exception | None) -> None:
        """Raise `failure` from every call (StoreUnavailable, or anything else); None stops."""
        self.failure = failure

    def check_ready(self) -> None:
        if self.failure is not None:
            raise self.failure

    def record_observations(self, observations: Sequence[Observation]) -> int:
        if self.failure is not None:
            raise self.failure
        # Checked before any is kept, as the database refuses a whole batch over one bad row.
        for observation in observations:
            if not isinstance(observation.identifier, str) or observation.observed_at.tzinfo is None:
                raise ValueError("an observation needs an identifier and an aware observed_at")
        self.observations.extend(observations)
        return len(observations)

    def latest_observation(
        self, account_id: int, profile: ProfileIdentifier, observed_since: datetime
    ) -> Observation | None:
        if self.failure is not None:
            raise self.failure
        found = [
            observation
            for observation in self.observations
            if observation.account_id == account_id
            and observation.observed_at >= observed_since
            and observation_of(observation, profile)
        ]
        # Newest first; of two at the same moment, the one recorded last.
        return max(reversed(found), key=lambda observation: observation.observed_at, default=None)

    def purge_observations(self, observed_before: datetime) -> int:
        if self.failure is not None:
            raise self.failure
        kept = [o for o in self.observations if o.observed_at >= observed_before]
        deleted = len(self.observations) - len(kept)
        self.observations = kept
        return deleted


class FakeLinkedInProvider:
    """Answers from a table keyed by profile identifier; records every call; can be armed to fail.

    An answer given without ids names the member asked for, as Unipile's do.
    """

    def __init__(self, default: ProfileRelationship | None = None) -> None:
        self.default = default or ProfileRelationship(network_distance="OUT_OF_NETWORK")
        self.relationships: dict[str, ProfileRelationship] = {}
        self.failure: Exception | None = None
        self.calls: list[tuple[ConnectedAccount, ProfileIdentifier]] = []

    def answer(self, identifier: str, relationship: ProfileRelationship) -> None:
        self.relationships[identifier] = relationship

    def fail_with(self, failure: Exception | None) -> None:
        """Raise `failure` from every lookup (a ProviderFailure, or anything to provoke a 500); None stops."""
        self.failure = failure

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        self.calls.append((account, profile))
        if self.failure is not None:
            raise self.failure
        relationship = self.relationships.get(profile.value, self.default)
        if relationship.provider_id is None and relationship.public_identifier is None:
            # As Unipile does, an answer names the member asked for (by the slug it was asked with).
            return dataclasses.replace(relationship, public_identifier=profile.value)
        return relationship


class FakeAccountDirectory:
    """Lists the accounts it was given; counts the listings; can be armed to fail."""

    def __init__(self, *accounts: ProviderAccount) -> None:
        self.accounts = list(accounts)
        self.failure: ProviderFailure | None = None
        self.listings = 0

    def lists(self, provider_account_id: str, *source_statuses: str) -> None:
        self.accounts.append(ProviderAccount(provider_account_id, source_statuses))

    def fail_with(self, failure: ProviderFailure) -> None:
        self.failure = failure

    def list_accounts(self) -> tuple[ProviderAccount, ...]:
        self.listings += 1
        if self.failure is not None:
            raise self.failure
        return tuple(self.accounts)


class FakeClock:
    """A UTC clock that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeLinkedInRelations:
    """Yields the pages it was given (at most max_pages); can be armed to fail after some; records calls."""

    def __init__(self, *pages: tuple[Relation, ...]) -> None:
        self.pages = list(pages)
        self.failure: ProviderFailure | None = None
        self.fail_after_pages = 0
        self.calls: list[tuple[str, int]] = []

    def fail_with(self, failure: ProviderFailure, *, after_pages: int = 0) -> None:
        self.failure, self.fail_after_pages = failure, after_pages

    def relation_pages(self, provider_account_id: str, *, max_pages: int) -> Iterator[tuple[Relation, ...]]:
        self.calls.append((provider_account_id, max_pages))
        for number, page in enumerate(self.pages[:max_pages]):
            if self.failure is not None and number == self.fail_after_pages:
                raise self.failure
            yield page
        if self.failure is not None:
            raise self.failure
