"""Connected accounts follow what Unipile reports: status webhooks, hosted-auth callbacks, the sync.

Unipile's status webhooks carry no timestamp, so the last one received wins. Rows are never
removed: an account Unipile deleted keeps its row with the status DELETED.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.errors import (
    AccountAlreadyConnected,
    Unauthenticated,
    UnknownWorkspace,
    WebhooksNotConfigured,
)
from domain.model import MAX_ID, AccountStatus, ConnectedAccount, Provider, positive_id
from domain.ports import AccountDirectory, ProspectStore

logger = logging.getLogger(__name__)

MISSING_WEBHOOK_SECRET = "Missing webhook secret"
INVALID_WEBHOOK_SECRET = "Invalid webhook secret"

# What a hosted-auth link reports once it has connected (or reconnected) an account.
HOSTED_AUTH_STATUSES = (AccountStatus.CREATION_SUCCESS, AccountStatus.RECONNECTED)

# The statuses a source of a listed account can have, worst first. CREDENTIALS and PERMISSIONS
# need the owner to act (Unipile calls CREDENTIALS the most critical); ERROR and STOPPED have
# stopped the sync; CONNECTING is passing. Only OK is usable, so any other source makes the
# account unusable, and the worst one names its status.
SOURCE_STATUSES_WORST_FIRST = (
    AccountStatus.CREDENTIALS,
    AccountStatus.PERMISSIONS,
    AccountStatus.ERROR,
    AccountStatus.STOPPED,
    AccountStatus.CONNECTING,
    AccountStatus.OK,
)
_SOURCE_STATUS_RANK = {status.value: rank for rank, status in enumerate(SOURCE_STATUSES_WORST_FIRST)}


@dataclass(frozen=True)
class StatusChange:
    account: ConnectedAccount  # as stored after the change
    previous: AccountStatus


@dataclass(frozen=True)
class StatusUpdate:
    changed: tuple[StatusChange, ...] = ()
    unchanged: tuple[ConnectedAccount, ...] = ()


@dataclass(frozen=True)
class HostedAuthOutcome:
    workspace_found: bool
    created: ConnectedAccount | None = None
    update: StatusUpdate = StatusUpdate()


@dataclass(frozen=True)
class SyncReport:
    """`changed` and `unchanged` cover every account of the workspace; the rest annotate them."""

    workspace_id: int
    changed: tuple[StatusChange, ...]
    unchanged: tuple[ConnectedAccount, ...]
    # Not listed by the provider any more: marked DELETED.
    missing: tuple[ConnectedAccount, ...]
    # Listed without sources, or with a source status this release does not know: left as they were.
    undetermined: tuple[ConnectedAccount, ...]


def authenticate_webhook(presented: str | None, secret: str | None) -> None:
    """Raises WebhooksNotConfigured without a secret, Unauthenticated unless `presented` is it."""
    if not secret:
        raise WebhooksNotConfigured()
    if not presented:
        raise Unauthenticated(MISSING_WEBHOOK_SECRET)
    # Bytes, so any text can be compared in constant time; the secret itself is ASCII.
    if not hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), secret.encode("utf-8")):
        raise Unauthenticated(INVALID_WEBHOOK_SECRET)


def record_account_status(
    provider_account_id: str, status: AccountStatus, *, store: ProspectStore
) -> StatusUpdate:
    """Give `status` to every connected account with this provider account id, in every workspace.

    An id no account has is ignored: the provider must not retry it forever.
    """
    accounts = store.accounts_with_provider_account_id(provider_account_id)
    if not accounts:
        logger.info(
            "Status %s for provider account %s ignored: no connected account has it",
            status.value,
            provider_account_id,
        )
    return _set_status(accounts, status, store=store, reported_by="status webhook")


def record_hosted_auth(
    workspace_name: str, provider_account_id: str, status: AccountStatus, *, store: ProspectStore
) -> HostedAuthOutcome:
    """Connect the LinkedIn account to the workspace the link was made for, or reactivate it there.

    `workspace_name` is the `name` the hosted-auth link was created with: the workspace id. A name
    that is no workspace is logged and ignored, so the provider does not retry it forever.
    """
    workspace_id = workspace_id_from_name(workspace_name)
    if workspace_id is None:
        return _no_workspace(workspace_name, provider_account_id, status)
    existing = _in_workspace(store, workspace_id, provider_account_id)
    if not existing:
        try:
            created = store.add_account(workspace_id, Provider.LINKEDIN, provider_account_id, status)
        except UnknownWorkspace:
            # Checked by the insert itself: no lookup of the workspace beforehand.
            return _no_workspace(workspace_name, provider_account_id, status)
        except AccountAlreadyConnected:
            # A concurrent delivery of the same callback connected it first.
            existing = _in_workspace(store, workspace_id, provider_account_id)
        else:
            logger.info(
                "Connected account %d (provider account %s) added to workspace %d with status %s",
                created.id,
                provider_account_id,
                workspace_id,
                status.value,
            )
            return HostedAuthOutcome(workspace_found=True, created=created)
    update = _set_status(existing, status, store=store, reported_by="hosted auth")
    return HostedAuthOutcome(workspace_found=True, update=update)


def _no_workspace(workspace_name: str, provider_account_id: str, status: AccountStatus) -> HostedAuthOutcome:
    logger.warning(
        "Hosted-auth %s for provider account %s ignored: its name %r names no workspace",
        status.value,
        provider_account_id,
        workspace_name[:64],
    )
    return HostedAuthOutcome(workspace_found=False)


def workspace_id_from_name(name: str) -> int | None:
    """The workspace id a hosted-auth `name` spells in ASCII digits, or None."""
    workspace_id = positive_id(name)
    return workspace_id if workspace_id is not None and workspace_id <= MAX_ID else None


def combined_source_status(source_statuses: Sequence[str]) -> AccountStatus | None:
    """The worst status among an account's sources; None when there is none or one is unknown."""
    if not source_statuses or any(text not in _SOURCE_STATUS_RANK for text in source_statuses):
        return None
    return SOURCE_STATUSES_WORST_FIRST[min(_SOURCE_STATUS_RANK[text] for text in source_statuses)]


def sync_workspace_accounts(
    workspace_id: int, *, store: ProspectStore, directory: AccountDirectory
) -> SyncReport:
    """Set each account of the workspace to the status the provider lists it with now.

    Raises UnknownWorkspace before asking the provider, and ProviderFailure before changing
    anything when the provider's list cannot be read whole.
    """
    if store.workspace(workspace_id) is None:
        raise UnknownWorkspace()
    listed: dict[str, list[str]] = {}
    for provider_account in directory.list_accounts():
        listed.setdefault(provider_account.provider_account_id, []).extend(
            provider_account.source_statuses
        )
    changed: list[StatusChange] = []
    unchanged: list[ConnectedAccount] = []
    missing: list[ConnectedAccount] = []
    undetermined: list[ConnectedAccount] = []
    for account in store.accounts_of_workspace(workspace_id):
        source_statuses = listed.get(account.provider_account_id)
        if source_statuses is None:
            missing.append(account)
            target = AccountStatus.DELETED
        else:
            target = combined_source_status(source_statuses)
        if target is None:
            logger.warning(
                "Connected account %d (provider account %s) left %s: listed with source statuses %s",
                account.id,
                account.provider_account_id,
                account.status.value,
                [text[:64] for text in source_statuses] or "none",
            )
            undetermined.append(account)
            unchanged.append(account)
            continue
        update = _set_status((account,), target, store=store, reported_by="sync")
        changed.extend(update.changed)
        unchanged.extend(update.unchanged)
    return SyncReport(
        workspace_id=workspace_id,
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        missing=tuple(missing),
        undetermined=tuple(undetermined),
    )


def _in_workspace(
    store: ProspectStore, workspace_id: int, provider_account_id: str
) -> tuple[ConnectedAccount, ...]:
    return tuple(
        account
        for account in store.accounts_with_provider_account_id(provider_account_id)
        if account.workspace_id == workspace_id
    )


def _set_status(
    accounts: Iterable[ConnectedAccount],
    status: AccountStatus,
    *,
    store: ProspectStore,
    reported_by: str,
) -> StatusUpdate:
    """Write `status` where it differs, so a repeated report changes nothing; log each change."""
    changed: list[StatusChange] = []
    unchanged: list[ConnectedAccount] = []
    for account in accounts:
        updated = store.set_account_status(account.id, status) if account.status is not status else None
        if updated is None:
            unchanged.append(account)
            continue
        logger.info(
            "Connected account %d (provider account %s, workspace %d) status %s -> %s (%s)",
            account.id,
            account.provider_account_id,
            account.workspace_id,
            account.status.value,
            status.value,
            reported_by,
        )
        changed.append(StatusChange(account=updated, previous=account.status))
    return StatusUpdate(changed=tuple(changed), unchanged=tuple(unchanged))
