"""What the use cases need from the outside world, in the domain's words."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Protocol

from domain.model import (
    AccountStatus,
    ApiKeyRecord,
    CheckLookup,
    ConnectedAccount,
    ProfileRelationship,
    ProviderAccount,
    Prospect,
    Provider,
    User,
    Workspace,
)
from domain.observations import Observation
from domain.profile_url import ProfileIdentifier
from domain.relations import Relation


class ProspectStore(Protocol):
    """Workspaces, their credentials, connected accounts and prospects.

    Creating a row that names an unknown workspace raises UnknownWorkspace, a second user with
    the same email in a workspace EmailAlreadyUsed; the lookups answer None (or nothing) for what
    does not exist.
    """

    def check_ready(self) -> None:
        """Returns when the store can answer a check now; raises StoreUnavailable otherwise, or
        StoreNotMigrated when its schema lacks what this release uses."""

    def check_lookup(
        self, prospect_id: int, *, api_key_prefix: str | None = None, user_id: int | None = None
    ) -> CheckLookup:
        """In one round trip: the prospect with every connected account of its workspace, and the
        API key with `api_key_prefix` or the user with `user_id`."""

    def api_key_by_prefix(self, prefix: str) -> ApiKeyRecord | None: ...

    def user(self, user_id: int) -> User | None: ...

    def workspace(self, workspace_id: int) -> Workspace | None: ...

    def accounts_of_workspace(self, workspace_id: int) -> tuple[ConnectedAccount, ...]:
        """Every connected account of the workspace, by id."""

    def accounts_with_provider_account_id(
        self, provider_account_id: str
    ) -> tuple[ConnectedAccount, ...]:
        """Every connected account, in any workspace, with exactly this provider account id, by id."""

    def account(self, account_id: int) -> ConnectedAccount | None: ...

    def add_workspace(self, name: str) -> Workspace: ...

    def add_api_key(
        self, workspace_id: int, name: str | None, prefix: str, secret_hash: str
    ) -> ApiKeyRecord: ...

    def revoke_api_key(self, api_key_id: int) -> ApiKeyRecord | None: ...

    def add_user(self, workspace_id: int, email: str) -> User: ...

    def add_account(
        self,
        workspace_id: int,
        provider: Provider,
        provider_account_id: str,
        status: AccountStatus,
    ) -> ConnectedAccount:
        """Raises AccountAlreadyConnected when the workspace has this provider account id already."""

    def set_account_status(
        self, account_id: int, status: AccountStatus
    ) -> ConnectedAccount | None: ...

    def add_prospect(self, workspace_id: int, linkedin_profile_url: str | None) -> Prospect: ...


class ObservationStore(Protocol):
    """What each connected account observed about LinkedIn members, newest first.

    Every method raises StoreUnavailable when the database cannot answer.
    """

    def check_ready(self) -> None:
        """Returns when the store can answer a check now; raises StoreUnavailable otherwise, or
        StoreNotMigrated when its schema lacks what this release uses."""

    def record_observations(self, observations: Sequence[Observation]) -> int:
        """Store every observation or, on any failure, none; returns how many were stored."""

    def latest_observation(
        self, account_id: int, profile: ProfileIdentifier, observed_since: datetime
    ) -> Observation | None:
        """The newest observation by `account_id` of the member `profile` names, made at or after
        `observed_since`; None when there is none."""

    def purge_observations(self, observed_before: datetime) -> int:
        """Delete every observation made before `observed_before`; returns how many were deleted."""


class LinkedInProvider(Protocol):
    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        """How `profile` relates to the LinkedIn member behind `account`.

        Raises ProviderFailure, with its code, whenever the provider gives no usable answer.
        """


class AccountDirectory(Protocol):
    def list_accounts(self) -> tuple[ProviderAccount, ...]:
        """Every account the provider holds for us, across all its pages.

        Raises ProviderFailure, with its code, unless the whole list was read.
        """


class LinkedInRelations(Protocol):
    def relation_pages(self, provider_account_id: str, *, max_pages: int) -> Iterator[tuple[Relation, ...]]:
        """The members connected to the LinkedIn member behind the provider account, one page at a
        time, at most `max_pages` pages.

        Raises ProviderFailure, with its code, at the first page it cannot read; the pages already
        yielded stay true.
        """


class AccountThrottle(Protocol):
    """Per-account lookup counts and provider cool-downs, shared by every process that serves checks.

    Accounts are named by the provider's account id, whichever workspaces connected them.

    Every method raises AccountThrottleUnavailable when the shared storage cannot answer.
    """

    def count_lookup(self, provider_account_id: str, day: date) -> int:
        """Add one to the account's lookups on `day` (UTC) and return the new total."""

    def pause(self, provider_account_id: str, until: datetime) -> None:
        """Keep the account paused until `until`; a shorter pause never cuts a longer one."""

    def paused_until(self, provider_account_id: str) -> datetime | None:
        """The end of the account's latest pause, which may already be past; None if never paused."""
