"""Unipile's account list against recorded HTTP: paging, the shared deadline, retry and redirect rules."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import pytest
import responses

from adapters.unipile.accounts import MAX_ACCOUNT_PAGES, UnipileAccountDirectory
from adapters.unipile.transport import UnipileClient
from domain.account_lifecycle import sync_workspace_accounts
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import AccountStatus, Provider, ProviderAccount
from tests.fakes import FakeProspectStore
from tests.integration.conftest import API_KEY, BASE_URL, error_body, query_of, serve_pages

ACCOUNTS_URL = f"{BASE_URL}/api/v1/accounts"


def linkedin_account(account_id: str, *statuses: str) -> dict:
    """An account object in the shape Unipile documents, with one source per status."""
    return {
        "object": "Account",
        "type": "LINKEDIN",
        "id": account_id,
        "name": "Jane Doe",
        "created_at": "2026-07-01T10:00:00.000Z",
        "groups": [],
        "connection_params": {"im": {"id": "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "username": "Jane Doe",
                                     "premiumId": None, "premiumContractId": None, "organizations": []}},
        "sources": [{"id": f"{account_id}_MESSAGING", "status": status} for status in statuses],
    }


def page(*items: dict, cursor: str | None = None) -> dict:
    return {"object": "AccountList", "items": list(items), "cursor": cursor}


@pytest.fixture
def directory(client):
    return UnipileAccountDirectory(client)


def failure_of(directory: UnipileAccountDirectory) -> ProviderFailure:
    with pytest.raises(ProviderFailure) as raised:
        directory.list_accounts()
    return raised.value


def test_one_page_is_read_into_accounts_with_their_source_statuses(unipile, directory):
    unipile.get(ACCOUNTS_URL, json=page(linkedin_account("acc-1", "OK"), linkedin_account("acc-2", "OK", "CREDENTIALS")))

    assert directory.list_accounts() == (
        ProviderAccount("acc-1", ("OK",)),
        ProviderAccount("acc-2", ("OK", "CREDENTIALS")),
    )
    [call] = unipile.calls
    assert urlsplit(call.request.url).path == "/api/v1/accounts"
    assert query_of(call) == {"limit": ["100"]}
    assert call.request.headers["X-API-KEY"] == API_KEY
    assert call.request.req_kwargs["timeout"] == (10.0, 10.0)


def test_every_page_is_read_by_following_the_cursor(unipile, directory):
    serve_pages(
        unipile,
        ACCOUNTS_URL,
        {
            None: page(linkedin_account("acc-1", "OK"), cursor="c-2"),
            "c-2": page(linkedin_account("acc-2", "STOPPED"), cursor="c-3"),
            "c-3": page(linkedin_account("acc-3", "OK")),
        },
    )

    accounts = directory.list_accounts()

    assert [account.provider_account_id for account in accounts] == ["acc-1", "acc-2", "acc-3"]
    assert [query_of(call) for call in unipile.calls] == [
        {"limit": ["100"]},
        {"limit": ["100"], "cursor": ["c-2"]},
        {"limit": ["100"], "cursor": ["c-3"]},
    ]


def test_each_page_has_the_whole_deadline(unipile, directory, clock):
    def slow():
        clock.now += 6.0

    serve_pages(unipile, ACCOUNTS_URL, {None: page(cursor="c-2"), "c-2": page()}, on_call=slow)

    directory.list_accounts()

    assert [call.request.req_kwargs["timeout"] for call in unipile.calls] == [(10.0, 10.0), (10.0, 10.0)]


def test_a_page_that_arrives_after_the_deadline_is_a_timeout(unipile, directory, clock):
    def late():
        clock.now += 10.5

    serve_pages(unipile, ACCOUNTS_URL, {None: page(linkedin_account("acc-1", "OK"))}, on_call=late)

    assert failure_of(directory).code is ProviderFailureCode.TIMEOUT


def test_an_empty_list_is_an_answer(unipile, directory):
    unipile.get(ACCOUNTS_URL, json=page())

    assert directory.list_accounts() == ()


def test_sources_and_statuses_are_passed_on_as_listed(unipile, directory):
    unipile.get(ACCOUNTS_URL, json=page(linkedin_account("acc-1"), linkedin_account("acc-2", "SOMETHING_NEW")))

    assert directory.list_accounts() == (ProviderAccount("acc-1", ()), ProviderAccount("acc-2", ("SOMETHING_NEW",)))


def test_a_failing_later_page_fails_the_whole_listing(unipile, directory):
    unipile.get(ACCOUNTS_URL, json=page(linkedin_account("acc-1", "OK"), cursor="c-2"))
    unipile.get(ACCOUNTS_URL, status=500, json=error_body(500, "errors/unexpected_error"))

    assert failure_of(directory).code is ProviderFailureCode.ERROR
    assert len(unipile.calls) == 2


def test_a_cursor_seen_before_ends_the_listing_as_a_failure(unipile, directory):
    serve_pages(unipile, ACCOUNTS_URL, {None: page(cursor="c-2"), "c-2": page(cursor="c-2")})

    assert "repeated a page cursor" in str(failure_of(directory))
    assert len(unipile.calls) == 2


def test_a_listing_that_never_ends_is_cut_off(unipile, directory):
    pages_served = iter(range(10 * MAX_ACCOUNT_PAGES))

    def endless(request):
        return 200, {"Content-Type": "application/json"}, json.dumps(page(cursor=f"c-{next(pages_served)}"))

    unipile.add_callback(responses.GET, ACCOUNTS_URL, callback=endless)

    assert failure_of(directory).code is ProviderFailureCode.ERROR
    assert len(unipile.calls) == MAX_ACCOUNT_PAGES


@pytest.mark.parametrize(
    "body",
    [
        "<html>Bad gateway</html>",
        json.dumps([page()]),
        json.dumps({"object": "UserProfile", "items": [], "cursor": None}),
        json.dumps({"items": [], "cursor": None}),
        json.dumps({"object": "AccountList", "cursor": None}),
        json.dumps({"object": "AccountList", "items": {}, "cursor": None}),
        json.dumps(page(cursor="")),
        json.dumps({"object": "AccountList", "items": [], "cursor": 2}),
        json.dumps(page("acc-1")),
        json.dumps(page({"sources": [{"status": "OK"}]})),
        json.dumps(page({"id": "", "sources": [{"status": "OK"}]})),
        json.dumps(page({"id": 7, "sources": [{"status": "OK"}]})),
        json.dumps(page(linkedin_account("acc-1", "OK"), {"sources": [{"status": "OK"}]})),
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=[
        "html", "list", "other-object", "no-object", "no-items", "items-not-list", "empty-cursor",
        "numeric-cursor", "item-not-object", "no-id", "empty-id", "numeric-id", "one-item-without-id",
        "deeply-nested",
    ],
)
def test_a_list_in_a_shape_unipile_does_not_document_is_a_provider_error(unipile, directory, body):
    unipile.get(ACCOUNTS_URL, body=body, content_type="application/json")

    assert failure_of(directory).code is ProviderFailureCode.ERROR


@pytest.mark.parametrize(
    "odd_fields",
    [
        {},
        {"sources": None},
        {"sources": {"id": "x", "status": "OK"}},
        {"sources": [{"id": "x"}]},
        {"sources": [{"status": None}]},
        {"sources": [{"status": "OK"}, {"status": 3}]},
        {"sources": [{"status": "OK"}, "OK"]},
    ],
    ids=[
        "no-sources", "null-sources", "sources-not-list", "source-without-status", "null-status",
        "numeric-status", "source-not-object",
    ],
)
def test_an_account_with_unreadable_sources_is_listed_without_any_and_the_rest_are_kept(
    unipile, directory, caplog, odd_fields
):
    odd = {"object": "Account", "type": "LINKEDIN", "id": "acc-odd", **odd_fields}
    serve_pages(
        unipile,
        ACCOUNTS_URL,
        {
            None: page(linkedin_account("acc-1", "OK"), odd, cursor="c-2"),
            "c-2": page(linkedin_account("acc-2", "CREDENTIALS")),
        },
    )

    with caplog.at_level(logging.WARNING, logger="adapters.unipile"):
        accounts = directory.list_accounts()

    assert accounts == (
        ProviderAccount("acc-1", ("OK",)),
        ProviderAccount("acc-odd", ()),
        ProviderAccount("acc-2", ("CREDENTIALS",)),
    )
    assert "acc-odd" in caplog.text


def test_sync_leaves_an_account_listed_with_unreadable_sources_and_sets_the_others(unipile, directory):
    store = FakeProspectStore()
    workspace = store.add_workspace("Acme")
    odd = store.add_account(workspace.id, Provider.LINKEDIN, "acc-odd", AccountStatus.OK)
    broken = store.add_account(workspace.id, Provider.LINKEDIN, "acc-broken", AccountStatus.OK)
    unipile.get(
        ACCOUNTS_URL,
        json=page({"id": "acc-odd", "sources": [{"status": None}]}, linkedin_account("acc-broken", "CREDENTIALS")),
    )

    report = sync_workspace_accounts(workspace.id, store=store, directory=directory)

    assert report.undetermined == (odd,) and report.missing == ()
    assert [(change.account.id, change.account.status) for change in report.changed] == [
        (broken.id, AccountStatus.CREDENTIALS)
    ]
    assert store.accounts[odd.id] == odd


def test_a_page_over_the_body_cap_is_a_provider_error(unipile, clock):
    unipile.get(ACCOUNTS_URL, json=page(*(linkedin_account(f"acc-{n}", "OK") for n in range(20))))
    directory = UnipileAccountDirectory(
        UnipileClient(BASE_URL, API_KEY, max_body_bytes=1000, clock=clock, sleep=clock.sleep)
    )

    assert failure_of(directory).code is ProviderFailureCode.ERROR


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(unipile, directory, status):
    unipile.get(ACCOUNTS_URL, status=status, headers={"Location": "https://elsewhere.example/accounts"})
    unipile.get("https://elsewhere.example/accounts", json=page())

    assert failure_of(directory).code is ProviderFailureCode.ERROR
    assert [call.request.url.split("?")[0] for call in unipile.calls] == [ACCOUNTS_URL]


def test_a_gateway_error_is_retried_within_the_page(unipile, directory, clock):
    unipile.get(ACCOUNTS_URL, status=503)
    unipile.get(ACCOUNTS_URL, json=page(linkedin_account("acc-1", "OK")))

    assert directory.list_accounts() == (ProviderAccount("acc-1", ("OK",)),)
    assert len(unipile.calls) == 2 and len(clock.sleeps) == 1


@pytest.mark.parametrize(
    "status, error_type, expected",
    [
        (401, "errors/missing_credentials", ProviderFailureCode.AUTH_FAILED),
        (429, "errors/too_many_requests", ProviderFailureCode.RATE_LIMITED),
        (500, "errors/provider_error", ProviderFailureCode.ERROR),
    ],
)
def test_errors_map_to_failure_codes_without_a_retry(unipile, directory, clock, status, error_type, expected):
    unipile.get(ACCOUNTS_URL, status=status, json=error_body(status, error_type))

    assert failure_of(directory).code is expected
    assert len(unipile.calls) == 1 and clock.sleeps == []


def test_a_failed_listing_is_logged_without_the_api_key(unipile, directory, caplog):
    unipile.get(ACCOUNTS_URL, status=401, json=error_body(401, "errors/missing_credentials"))

    with caplog.at_level(logging.DEBUG, logger="adapters.unipile"):
        failure = failure_of(directory)

    [record] = caplog.records
    assert record.levelno == logging.ERROR and "rejected the API key" in record.getMessage()
    assert API_KEY not in caplog.text and API_KEY not in str(failure)
