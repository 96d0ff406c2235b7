"""Accounts following Unipile: the status webhook, the hosted-auth callback and the sync, over fakes."""

import logging

import pytest

from domain.account_lifecycle import (
    INVALID_WEBHOOK_SECRET,
    MISSING_WEBHOOK_SECRET,
    authenticate_webhook,
    combined_source_status,
    record_account_status,
    record_hosted_auth,
    sync_workspace_accounts,
    workspace_id_from_name,
)
from domain.errors import (
    ProviderFailure,
    ProviderFailureCode,
    Unauthenticated,
    UnknownWorkspace,
    WebhooksNotConfigured,
)
from domain.model import MAX_ID, AccountStatus, Provider
from tests.fakes import FakeAccountDirectory, FakeProspectStore

SECRET = "whsec-0123456789abcdef0123456789abcdef"


@pytest.fixture
def store():
    return FakeProspectStore()


@pytest.fixture
def workspace(store):
    return store.add_workspace("Acme")


@pytest.fixture
def other(store):
    return store.add_workspace("Other")


# --- authenticating a webhook --------------------------------------------------------------------


def test_the_configured_secret_authenticates():
    authenticate_webhook(SECRET, SECRET)


@pytest.mark.parametrize("secret", [None, ""])
def test_without_a_configured_secret_nothing_authenticates(secret):
    for presented in (None, "", SECRET, secret):
        with pytest.raises(WebhooksNotConfigured):
            authenticate_webhook(presented, secret)


@pytest.mark.parametrize("presented", [None, ""])
def test_a_missing_secret_is_refused(presented):
    with pytest.raises(Unauthenticated) as raised:
        authenticate_webhook(presented, SECRET)
    assert raised.value.reason == MISSING_WEBHOOK_SECRET


@pytest.mark.parametrize(
    "presented",
    [SECRET[:-1], SECRET + "0", SECRET.upper(), " " + SECRET, SECRET[:-1] + "é", "\ud800" + SECRET[1:], "x"],
)
def test_any_other_secret_is_refused(presented):
    with pytest.raises(Unauthenticated) as raised:
        authenticate_webhook(presented, SECRET)
    assert raised.value.reason == INVALID_WEBHOOK_SECRET


# --- the account status webhook ------------------------------------------------------------------


def test_status_reaches_every_account_with_the_provider_account_id(store, workspace, other):
    ours = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    theirs = store.add_account(other.id, Provider.LINKEDIN, "acc-1", AccountStatus.SYNC_SUCCESS)
    bystander = store.add_account(workspace.id, Provider.LINKEDIN, "acc-2", AccountStatus.OK)

    update = record_account_status("acc-1", AccountStatus.CREDENTIALS, store=store)

    assert [(change.account.id, change.previous, change.account.status) for change in update.changed] == [
        (ours.id, AccountStatus.OK, AccountStatus.CREDENTIALS),
        (theirs.id, AccountStatus.SYNC_SUCCESS, AccountStatus.CREDENTIALS),
    ]
    assert update.unchanged == ()
    assert store.accounts[ours.id].status is AccountStatus.CREDENTIALS
    assert store.accounts[theirs.id].status is AccountStatus.CREDENTIALS
    assert store.accounts[bystander.id] == bystander


def test_the_same_status_twice_changes_nothing_the_second_time(store, workspace):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    record_account_status("acc-1", AccountStatus.STOPPED, store=store)

    again = record_account_status("acc-1", AccountStatus.STOPPED, store=store)

    assert again.changed == ()
    assert [unchanged.id for unchanged in again.unchanged] == [account.id]
    assert store.accounts[account.id].status is AccountStatus.STOPPED


def test_the_last_status_received_wins(store, workspace):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)

    for status in (AccountStatus.CONNECTING, AccountStatus.CREDENTIALS, AccountStatus.RECONNECTED):
        record_account_status("acc-1", status, store=store)

    assert store.accounts[account.id].status is AccountStatus.RECONNECTED


def test_deleted_keeps_the_row_and_makes_it_unusable(store, workspace):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)

    record_account_status("acc-1", AccountStatus.DELETED, store=store)

    stored = store.accounts[account.id]
    assert stored.status is AccountStatus.DELETED and not stored.can_check_linkedin


def test_an_unknown_provider_account_id_changes_nothing(store, workspace, caplog):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)

    with caplog.at_level(logging.INFO, logger="domain.account_lifecycle"):
        update = record_account_status("acc-unknown", AccountStatus.DELETED, store=store)

    assert update.changed == () and update.unchanged == ()
    assert store.accounts[account.id] == account
    assert "acc-unknown" in caplog.text and "ignored" in caplog.text


def test_each_change_is_logged_with_both_statuses_and_both_ids(store, workspace, caplog):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)

    with caplog.at_level(logging.INFO, logger="domain.account_lifecycle"):
        record_account_status("acc-1", AccountStatus.CREDENTIALS, store=store)
        record_account_status("acc-1", AccountStatus.CREDENTIALS, store=store)

    [record] = caplog.records
    message = record.getMessage()
    for part in (f"account {account.id}", "provider account acc-1", "OK -> CREDENTIALS"):
        assert part in message


# --- the hosted-auth callback --------------------------------------------------------------------


@pytest.mark.parametrize("status", [AccountStatus.CREATION_SUCCESS, AccountStatus.RECONNECTED])
def test_hosted_auth_connects_a_new_linkedin_account_to_the_named_workspace(store, workspace, status):
    outcome = record_hosted_auth(str(workspace.id), "acc-new", status, store=store)

    assert outcome.workspace_found
    created = outcome.created
    assert (created.workspace_id, created.provider, created.provider_account_id, created.status) == (
        workspace.id,
        Provider.LINKEDIN,
        "acc-new",
        status,
    )
    assert store.accounts_of_workspace(workspace.id) == (created,)
    assert created.can_check_linkedin


def test_hosted_auth_reactivates_the_workspace_account_and_no_other(store, workspace, other):
    ours = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.CREDENTIALS)
    theirs = store.add_account(other.id, Provider.LINKEDIN, "acc-1", AccountStatus.CREDENTIALS)

    outcome = record_hosted_auth(str(workspace.id), "acc-1", AccountStatus.RECONNECTED, store=store)

    assert outcome.created is None
    assert [change.account.id for change in outcome.update.changed] == [ours.id]
    assert store.accounts[ours.id].status is AccountStatus.RECONNECTED
    assert store.accounts[theirs.id] == theirs
    assert len(store.accounts_of_workspace(workspace.id)) == 1


def test_hosted_auth_delivered_twice_connects_once(store, workspace):
    first = record_hosted_auth(str(workspace.id), "acc-new", AccountStatus.CREATION_SUCCESS, store=store)
    second = record_hosted_auth(str(workspace.id), "acc-new", AccountStatus.CREATION_SUCCESS, store=store)

    assert second.created is None and second.update.changed == ()
    assert second.update.unchanged == (first.created,)
    assert store.accounts_of_workspace(workspace.id) == (first.created,)


class StaleReadStore(FakeProspectStore):
    """Answers the first lookup as if a concurrent delivery had not committed its account yet."""

    stale_reads = 1

    def accounts_with_provider_account_id(self, provider_account_id):
        if self.stale_reads:
            self.stale_reads -= 1
            return ()
        return super().accounts_with_provider_account_id(provider_account_id)


def test_hosted_auth_that_loses_a_race_to_connect_updates_the_winner():
    store = StaleReadStore()
    workspace = store.add_workspace("Acme")
    winner = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.CREATION_SUCCESS)

    outcome = record_hosted_auth(str(workspace.id), "acc-1", AccountStatus.RECONNECTED, store=store)

    assert outcome.created is None
    assert [change.account.id for change in outcome.update.changed] == [winner.id]
    assert store.accounts_of_workspace(workspace.id)[0].status is AccountStatus.RECONNECTED


@pytest.mark.parametrize("name", ["424242", "0", "-1", "myuser1234", "", " 1", "１", "9" * 40])
def test_hosted_auth_naming_no_workspace_is_ignored_and_logged(store, workspace, caplog, name):
    with caplog.at_level(logging.INFO, logger="domain.account_lifecycle"):
        outcome = record_hosted_auth(name, "acc-new", AccountStatus.CREATION_SUCCESS, store=store)

    assert not outcome.workspace_found and outcome.created is None
    assert store.accounts == {}
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "acc-new" in record.getMessage()


@pytest.mark.parametrize(
    "name, expected",
    [("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None), ("1.0", None), ("٣", None)],
)
def test_workspace_id_from_name(name, expected):
    assert workspace_id_from_name(name) == expected


# --- combining the sources of a listed account ---------------------------------------------------


@pytest.mark.parametrize(
    "sources, expected",
    [
        (("OK",), AccountStatus.OK),
        (("OK", "OK"), AccountStatus.OK),
        (("OK", "CONNECTING"), AccountStatus.CONNECTING),
        (("STOPPED", "OK"), AccountStatus.STOPPED),
        (("STOPPED", "ERROR"), AccountStatus.ERROR),
        (("ERROR", "PERMISSIONS", "OK"), AccountStatus.PERMISSIONS),
        (("PERMISSIONS", "CREDENTIALS"), AccountStatus.CREDENTIALS),
    ],
)
def test_the_worst_source_names_the_account_status(sources, expected):
    assert combined_source_status(sources) is expected


@pytest.mark.parametrize("sources", [(), ("SYNCING",), ("OK", "SYNCING"), ("ok",), ("DELETED",), ("SYNC_SUCCESS",)])
def test_no_source_or_an_unknown_source_status_determines_nothing(sources):
    assert combined_source_status(sources) is None


# --- the sync ------------------------------------------------------------------------------------


def test_sync_sets_each_account_to_its_listed_status(store, workspace):
    healthy = store.add_account(workspace.id, Provider.LINKEDIN, "acc-ok", AccountStatus.OK)
    broken = store.add_account(workspace.id, Provider.LINKEDIN, "acc-broken", AccountStatus.OK)
    back = store.add_account(workspace.id, Provider.LINKEDIN, "acc-back", AccountStatus.CREDENTIALS)
    directory = FakeAccountDirectory()
    directory.lists("acc-ok", "OK")
    directory.lists("acc-broken", "OK", "CREDENTIALS")
    directory.lists("acc-back", "OK")

    report = sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert [(c.account.id, c.previous, c.account.status) for c in report.changed] == [
        (broken.id, AccountStatus.OK, AccountStatus.CREDENTIALS),
        (back.id, AccountStatus.CREDENTIALS, AccountStatus.OK),
    ]
    assert report.unchanged == (healthy,)
    assert report.missing == () and report.undetermined == ()
    assert store.accounts[broken.id].status is AccountStatus.CREDENTIALS
    assert store.accounts[back.id].status is AccountStatus.OK


def test_sync_marks_accounts_the_provider_no_longer_lists_deleted(store, workspace):
    gone = store.add_account(workspace.id, Provider.LINKEDIN, "acc-gone", AccountStatus.OK)
    long_gone = store.add_account(workspace.id, Provider.LINKEDIN, "acc-long-gone", AccountStatus.DELETED)

    report = sync_workspace_accounts(workspace.id, store=store, directory=FakeAccountDirectory())

    assert [(c.account.id, c.account.status) for c in report.changed] == [(gone.id, AccountStatus.DELETED)]
    assert report.unchanged == (long_gone,)
    assert [account.id for account in report.missing] == [gone.id, long_gone.id]
    assert store.accounts[gone.id].status is AccountStatus.DELETED


def test_sync_leaves_an_account_whose_status_it_cannot_determine(store, workspace, caplog):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    bare = store.add_account(workspace.id, Provider.LINKEDIN, "acc-2", AccountStatus.STOPPED)
    directory = FakeAccountDirectory()
    directory.lists("acc-1", "OK", "SOMETHING_NEW")
    directory.lists("acc-2")

    with caplog.at_level(logging.INFO, logger="domain.account_lifecycle"):
        report = sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert report.changed == ()
    assert report.undetermined == report.unchanged == (account, bare)
    assert store.accounts[account.id] == account and store.accounts[bare.id] == bare
    assert "SOMETHING_NEW" in caplog.text


def test_sync_touches_only_the_named_workspace(store, workspace, other):
    theirs = store.add_account(other.id, Provider.LINKEDIN, "acc-theirs", AccountStatus.OK)
    ours = store.add_account(workspace.id, Provider.LINKEDIN, "acc-shared", AccountStatus.OK)
    shared_theirs = store.add_account(other.id, Provider.LINKEDIN, "acc-shared", AccountStatus.OK)
    directory = FakeAccountDirectory()
    directory.lists("acc-shared", "STOPPED")

    report = sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert [change.account.id for change in report.changed] == [ours.id]
    assert store.accounts[theirs.id] == theirs
    assert store.accounts[shared_theirs.id] == shared_theirs


def test_sync_merges_the_sources_of_an_account_listed_twice(store, workspace):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    directory = FakeAccountDirectory()
    directory.lists("acc-1", "OK")
    directory.lists("acc-1", "ERROR")

    sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert store.accounts[account.id].status is AccountStatus.ERROR


def test_sync_run_twice_changes_nothing_the_second_time(store, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    store.add_account(workspace.id, Provider.LINKEDIN, "acc-2", AccountStatus.OK)
    directory = FakeAccountDirectory()
    directory.lists("acc-1", "STOPPED")

    sync_workspace_accounts(workspace.id, store=store, directory=directory)
    again = sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert again.changed == () and len(again.unchanged) == 2


def test_sync_of_an_unknown_workspace_asks_the_provider_nothing(store):
    directory = FakeAccountDirectory()

    with pytest.raises(UnknownWorkspace):
        sync_workspace_accounts(424242, store=store, directory=directory)

    assert directory.listings == 0


def test_sync_changes_nothing_when_the_list_cannot_be_read(store, workspace):
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    directory = FakeAccountDirectory()
    directory.fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT))

    with pytest.raises(ProviderFailure):
        sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert store.accounts[account.id] == account
