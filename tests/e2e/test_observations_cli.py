"""`flask relations import` and `flask observations purge` through the real CLI, on SQLite (and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import MAX_ID, AccountStatus, Provider
from domain.profile_url import ProfileIdentifier
from domain.relations import Relation
from entrypoints.app import create_app
from entrypoints.bootstrap import Services
from tests.e2e.conftest import JWT_SECRET, unipile_app
from tests.fakes import FakeClock, FakeLinkedInProvider, FakeLinkedInRelations
from tests.unit.test_relations import first_degree

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)
UNIPILE_ID = "t5XY4yQzR9WVrlNFyzPMhw"
ACCOUNT_REFUSED = f"--account must be a whole number between 1 and {MAX_ID}"
JANE = Relation("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "jane-doe-4a1b2c3")
JOHN = Relation("ACoAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "john-roe")
OMER = Relation("ACoAACCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "%C3%B6mer-halis-demir-7a9b79169")


@pytest.fixture
def relations():
    return FakeLinkedInRelations()


@pytest.fixture
def provider():
    return FakeLinkedInProvider()


def app_over(store, observations, *, relations=None, provider=None, config=None):
    services = Services(
        store=store,
        provider=provider or FakeLinkedInProvider(),
        observations=observations,
        relations=relations,
        clock=FakeClock(NOW),
    )
    return create_app({"JWT_SECRET_KEY": JWT_SECRET, "TESTING": True, **(config or {})}, services=services)


@pytest.fixture
def app(sqlite_store, sqlite_observation_store, relations, provider):
    return app_over(sqlite_store, sqlite_observation_store, relations=relations, provider=provider)


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def json_error_of(result) -> dict:
    """The one JSON error line a failed command prints on stderr, after checking it printed nothing on
    stdout; the application's own log lines (JSON with a "level") may come before it."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = [json.loads(line) for line in result.stderr.strip().splitlines()]
    [error] = [line for line in lines if "level" not in line]
    assert lines[-1] == error
    return error


def connected(store, unipile_id=UNIPILE_ID, name="Acme"):
    workspace = store.add_workspace(name)
    return store.add_account(workspace.id, Provider.LINKEDIN, unipile_id, AccountStatus.OK)


def seen_by(observations, account_id, identifier, since=NOW - timedelta(days=1)):
    return observations.latest_observation(account_id, ProfileIdentifier(identifier), since)


# --- relations import ----------------------------------------------------------------------------


def test_import_records_every_relation_as_first_degree_for_every_account_with_the_same_unipile_id(
    app, sqlite_store, sqlite_observation_store, relations
):
    ours, theirs = connected(sqlite_store), connected(sqlite_store, name="Other")
    elsewhere = connected(sqlite_store, unipile_id="another-linkedin-account", name="Third")
    relations.pages = [(JANE, JOHN), (OMER,)]

    result = run(app, "relations", "import", "--account", str(ours.id))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"account_id": ours.id, "relations": 3, "pages": 2}
    for account in (ours, theirs):
        for member in (JANE, JOHN, OMER):
            assert seen_by(sqlite_observation_store, account.id, member.member_id) == first_degree(account.id, member)
        # The slug as a prospect's URL gives it, decoded and in any case.
        assert seen_by(sqlite_observation_store, account.id, "Ömer-Halis-Demir-7a9b79169").provider_id == OMER.member_id
    assert seen_by(sqlite_observation_store, elsewhere.id, JANE.member_id) is None
    assert relations.calls == [(UNIPILE_ID, 50)]


def test_import_asks_for_no_more_pages_than_max_pages(app, sqlite_store, relations):
    account = connected(sqlite_store)
    relations.pages = [(JANE,), (JOHN,), (OMER,)]

    result = run(app, "relations", "import", "--account", str(account.id), "--max-pages", "2")

    assert json.loads(result.stdout) == {"account_id": account.id, "relations": 2, "pages": 2}
    assert relations.calls == [(UNIPILE_ID, 2)]


def test_a_failed_page_exits_1_with_one_json_line_and_keeps_the_pages_before_it(
    app, sqlite_store, sqlite_observation_store, relations
):
    account = connected(sqlite_store)
    relations.pages = [(JANE,), (JOHN,)]
    relations.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, "Unipile answered HTTP 429"), after_pages=1)

    error = json_error_of(run(app, "relations", "import", "--account", str(account.id)))

    assert error == {
        "error": "importing the relations failed (provider_rate_limited: Unipile answered HTTP 429);"
        " what the pages before it recorded is kept",
        "account_id": account.id,
        "relations": 1,
        "pages": 1,
    }
    assert seen_by(sqlite_observation_store, account.id, JANE.member_id) is not None
    assert seen_by(sqlite_observation_store, account.id, JOHN.member_id) is None


@pytest.mark.parametrize(
    "args, message",
    [
        ([], ACCOUNT_REFUSED),
        (["--account", ""], ACCOUNT_REFUSED),
        (["--account", UNIPILE_ID], ACCOUNT_REFUSED),
        (["--account", "0"], ACCOUNT_REFUSED),
        (["--account", "9" * 20], ACCOUNT_REFUSED),
        (["--account", "1", "--max-pages", "0"], "--max-pages must be a whole number between 1 and 1000"),
        (["--account", "1", "--max-pages", "1001"], "--max-pages must be a whole number between 1 and 1000"),
        (["--account", "1", "--max-pages", "2.5"], "--max-pages must be a whole number between 1 and 1000"),
        (["--account", "1", "--max-pages", "-3"], "--max-pages must be a whole number between 1 and 1000"),
        (["--account", "1", "--max-pages", "ten"], "--max-pages must be a whole number between 1 and 1000"),
        (["--account", "424242"], "account 424242 does not exist"),
    ],
    ids=[
        "no-account", "empty-account", "unipile-id-not-ours", "zero-account", "huge-account", "zero-pages",
        "too-many-pages", "fractional-pages", "negative-pages", "word-pages", "unknown-account",
    ],
)
def test_bad_input_exits_1_with_one_json_line_before_unipile_is_asked(
    app, sqlite_store, sqlite_observation_store, relations, args, message
):
    account = connected(sqlite_store)
    relations.pages = [(JANE,)]

    assert json_error_of(run(app, "relations", "import", *args)) == {"error": message}

    assert relations.calls == []
    assert seen_by(sqlite_observation_store, account.id, JANE.member_id) is None


def test_the_sandbox_has_no_relations_to_import(sqlite_store, sqlite_observation_store):
    account = connected(sqlite_store)
    app = app_over(sqlite_store, sqlite_observation_store, relations=None)

    assert json_error_of(run(app, "relations", "import", "--account", str(account.id))) == {
        "error": "relations import needs LINKEDIN_PROVIDER=unipile; the sandbox has no relations"
    }


def test_a_member_absent_from_the_relations_gets_no_observation_and_is_still_looked_up(
    app, sqlite_store, sqlite_observation_store, relations
):
    account = connected(sqlite_store)
    relations.pages = [(JANE,)]

    run(app, "relations", "import", "--account", str(account.id))

    assert seen_by(sqlite_observation_store, account.id, JOHN.member_id) is None
    assert seen_by(sqlite_observation_store, account.id, JOHN.public_identifier) is None


def test_serving_requests_never_lists_relations(app, sqlite_store, relations):
    connected(sqlite_store)
    client = app.test_client()

    for path in ("/livez", "/readyz", "/api/v1/openapi.json"):
        client.get(path)

    assert relations.calls == []


def relations_page(*members, cursor=None):
    items = [
        {"object": "UserRelation", "member_id": m.member_id, "public_identifier": m.public_identifier,
         "first_name": "Jane", "last_name": "Doe", "headline": "Sales"}
        for m in members
    ]
    return {"object": "UserRelationsList", "items": items, "cursor": cursor}


def test_import_through_the_unipile_adapter_over_a_real_socket(unipile_pages, tmp_path):
    unipile_pages.path = "/api/v1/users/relations"
    unipile_pages.pages = {None: relations_page(JANE, JOHN, cursor="page-2"), "page-2": relations_page(OMER)}
    app = unipile_app(unipile_pages, tmp_path)
    workspace_id = json.loads(run(app, "workspaces", "create", "--name", "Acme").stdout)["id"]
    created = run(app, "accounts", "create", "--workspace", workspace_id, "--provider-account-id", UNIPILE_ID)
    account_id = json.loads(created.stdout)["id"]

    result = run(app, "relations", "import", "--account", str(account_id))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"account_id": account_id, "relations": 3, "pages": 2}
    assert unipile_pages.queries == [
        {"account_id": [UNIPILE_ID], "limit": ["1000"]},
        {"account_id": [UNIPILE_ID], "limit": ["1000"], "cursor": ["page-2"]},
    ]

    unipile_pages.pages = {None: relations_page(JANE, cursor="page-2")}
    failed = json_error_of(run(app, "relations", "import", "--account", str(account_id)))
    assert failed["error"].startswith("importing the relations failed (provider_error: Unipile answered HTTP 500")
    assert (failed["relations"], failed["pages"]) == (1, 1)


# --- observations purge --------------------------------------------------------------------------


def observed(observations, account_id, *ages):
    observations.record_observations([first_degree(account_id, JANE, observed_at=NOW - age) for age in ages])


def remaining(observations, account_id):
    found = seen_by(observations, account_id, JANE.member_id, since=datetime(2000, 1, 1, tzinfo=timezone.utc))
    return found and found.observed_at


def test_purge_deletes_what_is_older_than_30_days_without_a_retention_setting(app, sqlite_observation_store):
    observed(sqlite_observation_store, 1, timedelta(days=31), timedelta(days=29))

    assert json.loads(run(app, "observations", "purge").stdout) == {"deleted": 1}
    assert remaining(sqlite_observation_store, 1) == NOW - timedelta(days=29)


def test_purge_deletes_what_is_older_than_the_retention_setting_by_default(sqlite_store, sqlite_observation_store):
    app = app_over(sqlite_store, sqlite_observation_store, config={"OBSERVATION_RETENTION_DAYS": "7"})
    observed(sqlite_observation_store, 1, timedelta(days=8), timedelta(days=6))
    observed(sqlite_observation_store, 2, timedelta(days=7, seconds=1))

    result = run(app, "observations", "purge")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"deleted": 2}
    assert remaining(sqlite_observation_store, 1) == NOW - timedelta(days=6)
    assert remaining(sqlite_observation_store, 2) is None


def test_purge_older_than_days_deletes_what_is_older(app, sqlite_observation_store):
    observed(sqlite_observation_store, 1, timedelta(days=3), timedelta(days=1))

    assert json.loads(run(app, "observations", "purge", "--older-than-days", "2").stdout) == {"deleted": 1}
    assert json.loads(run(app, "observations", "purge", "--older-than-days", "2").stdout) == {"deleted": 0}
    assert remaining(sqlite_observation_store, 1) == NOW - timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request):
    """Both stores on SQLite, then on PostgreSQL."""
    kind = request.param
    return (
        request.getfixturevalue(f"{'sqlite' if kind == 'sqlite' else 'pg'}_store"),
        request.getfixturevalue(f"{'sqlite' if kind == 'sqlite' else 'pg'}_observation_store"),
    )


def test_purge_of_zero_days_deletes_every_observation_even_one_made_now(any_database):
    store, observations = any_database
    app = app_over(store, observations)
    observed(observations, 1, timedelta(days=400), timedelta(0), timedelta(minutes=-5))

    assert json.loads(run(app, "observations", "purge", "--older-than-days", "0").stdout) == {"deleted": 3}
    assert remaining(observations, 1) is None


@pytest.mark.parametrize("days", ["-1", "1.5", "thirty", "", "36501", "99999999999999999999"])
def test_purge_refuses_an_age_that_is_not_a_whole_number_of_days_and_deletes_nothing(
    app, sqlite_observation_store, days
):
    observed(sqlite_observation_store, 1, timedelta(days=400))

    assert json_error_of(run(app, "observations", "purge", "--older-than-days", days)) == {
        "error": "--older-than-days must be a whole number between 0 and 36500"
    }
    assert remaining(sqlite_observation_store, 1) is not None
