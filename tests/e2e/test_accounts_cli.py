"""`flask accounts sync` and `accounts create` against SQLite: the summary, the exit codes, what changes."""

from __future__ import annotations

import json

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import AccountStatus, Provider
from entrypoints.app import create_app
from entrypoints.bootstrap import Services
from tests.e2e.conftest import JWT_SECRET, unipile_app
from tests.fakes import FakeAccountDirectory, FakeLinkedInProvider, FakeObservationStore

API_KEY = "unipile-secret-key-0123456789"


@pytest.fixture
def directory():
    return FakeAccountDirectory()


@pytest.fixture
def app(sqlite_store, directory):
    return create_app(
        {"JWT_SECRET_KEY": JWT_SECRET, "TESTING": True},
        services=Services(
            store=sqlite_store,
            provider=FakeLinkedInProvider(),
            observations=FakeObservationStore(),
            directory=directory,
        ),
    )


def sync(app, workspace_id):
    return app.test_cli_runner().invoke(args=["accounts", "sync", "--workspace", str(workspace_id)])


def statuses(store, workspace_id):
    return {account.provider_account_id: account.status for account in store.accounts_of_workspace(workspace_id)}


def test_sync_sets_the_listed_statuses_and_prints_what_changed(app, sqlite_store, directory):
    workspace = sqlite_store.add_workspace("Acme")
    healthy = sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-ok", AccountStatus.OK)
    broken = sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-broken", AccountStatus.SYNC_SUCCESS)
    gone = sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-gone", AccountStatus.OK)
    odd = sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-odd", AccountStatus.STOPPED)
    directory.lists("acc-ok", "OK")
    directory.lists("acc-broken", "OK", "CREDENTIALS")
    directory.lists("acc-odd", "SOMETHING_NEW")
    directory.lists("acc-elsewhere", "OK")

    result = sync(app, workspace.id)

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "workspace_id": workspace.id,
        "changed": [
            {"id": broken.id, "provider_account_id": "acc-broken", "from": "SYNC_SUCCESS", "to": "CREDENTIALS"},
            {"id": gone.id, "provider_account_id": "acc-gone", "from": "OK", "to": "DELETED"},
        ],
        "unchanged": 2,
        "missing": [{"id": gone.id, "provider_account_id": "acc-gone"}],
        "undetermined": [{"id": odd.id, "provider_account_id": "acc-odd", "status": "STOPPED"}],
    }
    assert statuses(sqlite_store, workspace.id) == {
        "acc-ok": AccountStatus.OK,
        "acc-broken": AccountStatus.CREDENTIALS,
        "acc-gone": AccountStatus.DELETED,
        "acc-odd": AccountStatus.STOPPED,
    }
    assert healthy in sqlite_store.accounts_of_workspace(workspace.id)


def test_sync_touches_no_other_workspace_and_a_second_run_changes_nothing(app, sqlite_store, directory):
    workspace = sqlite_store.add_workspace("Acme")
    other = sqlite_store.add_workspace("Other")
    sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-shared", AccountStatus.OK)
    theirs = sqlite_store.add_account(other.id, Provider.LINKEDIN, "acc-shared", AccountStatus.OK)
    unlisted_theirs = sqlite_store.add_account(other.id, Provider.LINKEDIN, "acc-theirs", AccountStatus.OK)
    directory.lists("acc-shared", "ERROR")

    first = sync(app, workspace.id)
    second = sync(app, workspace.id)

    assert [change["to"] for change in json.loads(first.stdout)["changed"]] == ["ERROR"]
    assert json.loads(second.stdout)["changed"] == []
    assert json.loads(second.stdout)["unchanged"] == 1
    assert sqlite_store.accounts_of_workspace(other.id) == (theirs, unlisted_theirs)


@pytest.mark.parametrize("workspace_id", [424242, 0, -1, 2**70])
def test_an_unknown_workspace_exits_1_with_one_line_and_asks_unipile_nothing(app, directory, workspace_id):
    result = sync(app, workspace_id)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: workspace {workspace_id} does not exist"]
    assert result.stdout == ""
    assert directory.listings == 0


def test_a_provider_failure_exits_1_with_one_line_and_changes_nothing(app, sqlite_store, directory):
    workspace = sqlite_store.add_workspace("Acme")
    account = sqlite_store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    directory.fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT, "no answer before the deadline"))

    result = sync(app, workspace.id)

    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: listing the Unipile accounts failed (provider_timeout")
    assert line.endswith("nothing changed")
    assert sqlite_store.accounts_of_workspace(workspace.id) == (account,)


def test_the_sandbox_has_no_accounts_to_sync(tmp_path):
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
            "LINKEDIN_PROVIDER": "sandbox",
        }
    )
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    workspace_id = json.loads(app.test_cli_runner().invoke(args=["workspaces", "create", "--name", "Acme"]).stdout)["id"]

    result = sync(app, workspace_id)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: accounts sync needs LINKEDIN_PROVIDER=unipile; the sandbox lists no accounts"
    ]


def test_accounts_create_refuses_a_second_row_for_the_same_account_in_one_line(app, sqlite_store):
    workspace = sqlite_store.add_workspace("Acme")
    create = ["accounts", "create", "--workspace", str(workspace.id), "--provider-account-id", "acc-1"]
    runner = app.test_cli_runner()

    assert runner.invoke(args=create).exit_code == 0
    result = runner.invoke(args=create)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: workspace {workspace.id} already has an account 'acc-1'; use accounts set-status"
    ]
    assert len(sqlite_store.accounts_of_workspace(workspace.id)) == 1


def test_sync_through_the_unipile_adapter_over_a_real_socket(unipile_pages, tmp_path):
    def account(account_id, status):
        return {"object": "Account", "type": "LINKEDIN", "id": account_id, "sources": [{"id": "s", "status": status}]}

    unipile_pages.path = "/api/v1/accounts"
    unipile_pages.pages = {
        None: {"object": "AccountList", "items": [account("acc-1", "OK")], "cursor": "page-2"},
        "page-2": {"object": "AccountList", "items": [account("acc-2", "CREDENTIALS")], "cursor": None},
    }
    app = unipile_app(unipile_pages, tmp_path)
    runner = app.test_cli_runner()
    workspace_id = json.loads(runner.invoke(args=["workspaces", "create", "--name", "Acme"]).stdout)["id"]
    for account_id in ("acc-1", "acc-2"):
        runner.invoke(args=["accounts", "create", "--workspace", str(workspace_id), "--provider-account-id", account_id])

    result = sync(app, workspace_id)

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [(c["provider_account_id"], c["from"], c["to"]) for c in summary["changed"]] == [("acc-2", "OK", "CREDENTIALS")]
    assert summary["missing"] == [] and summary["unchanged"] == 1
