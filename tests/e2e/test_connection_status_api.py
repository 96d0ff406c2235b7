"""The HTTP contract of both routes, through the Flask test client, with fake store and provider."""

from datetime import datetime, timezone

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import AccountStatus, Invitation, InvitationStatus, InvitationType, ProfileRelationship, Provider
from tests.fakes import FakeClock

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"


def public_get(client, world, prospect_id=None, query="", key=None):
    prospect_id = world.prospect_id if prospect_id is None else prospect_id
    return client.get(PUBLIC.format(prospect_id) + query, headers={"X-API-Key": key or world.api_key})


def assert_error(response, status, message):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    assert response.get_json() == {"success": False, "error": message}


def test_connected_prospect_through_the_public_route(make_app, world):
    world.provider.answer("jane-doe-4a1b2c3", ProfileRelationship("FIRST_DEGREE"))
    client = make_app(clock=FakeClock(datetime(2026, 12, 5, 12, 30, 15, 250000, tzinfo=timezone.utc))).test_client()
    response = public_get(client, world)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "success": True,
        "connection_status": "connected",
        "is_connected": True,
        "connection_level": 1,
        "network_distance": "FIRST_DEGREE",
        "checked_with_account_id": world.account_id,
        "invitation": None,
        "checked_at": "2026-12-05T12:30:15Z",
        "source": "live",
    }


def test_same_check_through_the_in_app_route(client, world, token_for):
    world.provider.answer("jane-doe-4a1b2c3", ProfileRelationship("THIRD_DEGREE"))
    response = client.get(
        IN_APP.format(world.prospect_id), headers={"Authorization": f"Bearer {token_for(world.user_id)}"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["is_connected"], body["connection_level"], body["network_distance"]) == (False, 3, "THIRD_DEGREE")


def test_pending_invitation_is_reported_but_not_connected(client, world):
    world.provider.answer(
        "jane-doe-4a1b2c3",
        ProfileRelationship("SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING)),
    )
    body = public_get(client, world).get_json()
    assert body["is_connected"] is False
    assert body["connection_level"] == 2
    assert body["invitation"] == {"type": "SENT", "status": "PENDING"}


@pytest.mark.parametrize(
    "distance, echoed", [("OUT_OF_NETWORK", "OUT_OF_NETWORK"), (None, None), ("SELF", "SELF"), ("SOMETHING_NEW", None)]
)
def test_unknown_or_out_of_network_distance_has_null_level(client, world, distance, echoed):
    world.provider.answer("jane-doe-4a1b2c3", ProfileRelationship(distance))
    body = public_get(client, world).get_json()
    assert (body["is_connected"], body["connection_level"], body["network_distance"]) == (False, None, echoed)


def test_every_request_calls_the_provider(client, world):
    for _ in range(3):
        assert public_get(client, world).status_code == 200
    assert len(world.provider.calls) == 3


def test_unknown_prospect(client, world):
    assert_error(public_get(client, world, prospect_id=987654), 404, "Prospect not found")


@pytest.mark.parametrize(
    "raw_id",
    ["0", "-1", "abc", "1.5", "1e3", "9" * 19, "9" * 20, "9" * 5000, "%20" + "1", "０１", "١"],
)
def test_odd_or_huge_prospect_ids_are_not_found_never_500(client, world, raw_id):
    assert_error(public_get(client, world, prospect_id=raw_id), 404, "Prospect not found")


def test_leading_zeros_name_the_same_prospect(client, world):
    assert public_get(client, world, prospect_id=f"000{world.prospect_id}").status_code == 200


def test_prospect_of_another_workspace(client, world):
    assert_error(public_get(client, world, prospect_id=world.other_prospect_id), 403, "Access denied")
    assert world.provider.calls == []


@pytest.mark.parametrize("url", [None, "", "   "])
def test_prospect_without_linkedin_url(client, world, url):
    prospect = world.store.add_prospect(world.workspace_id, url)
    assert_error(
        public_get(client, world, prospect_id=prospect.id),
        400,
        "Prospect has no LinkedIn profile URL to check against",
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://linkedin.com.evil.io/in/jane",
        # A browser opens /in/evil: checking `john` would answer about someone else.
        "https://www.linkedin.com/in/john/../evil",
        "https://www.linkedin.com/in/john/%2e%2e/evil",
    ],
)
def test_prospect_with_a_url_that_is_not_a_profile(client, world, url):
    prospect = world.store.add_prospect(world.workspace_id, url)
    assert_error(
        public_get(client, world, prospect_id=prospect.id),
        400,
        "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL",
    )
    assert world.provider.calls == []


def test_no_active_linkedin_account(client, world):
    world.store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)
    world.store.add_account(world.workspace_id, Provider.WHATSAPP, "wa", AccountStatus.OK)
    assert_error(public_get(client, world), 400, "No active LinkedIn account is connected to this workspace")


def test_explicit_account_is_used(client, world):
    second = world.store.add_account(world.workspace_id, Provider.LINKEDIN, "second", AccountStatus.RECONNECTED)
    body = public_get(client, world, query=f"?account_id={second.id}").get_json()
    assert body["checked_with_account_id"] == second.id
    assert world.provider.calls[0][0].provider_account_id == "second"


def test_empty_account_id_means_omitted(client, world):
    body = public_get(client, world, query="?account_id=").get_json()
    assert body["checked_with_account_id"] == world.account_id


@pytest.mark.parametrize("case", ["unknown", "inactive", "other-workspace", "not-linkedin", "huge"])
def test_requested_account_that_cannot_be_used(client, world, case):
    store = world.store
    account_id = {
        "unknown": lambda: 424242,
        "inactive": lambda: store.add_account(world.workspace_id, Provider.LINKEDIN, "x", AccountStatus.STOPPED).id,
        "other-workspace": lambda: store.add_account(world.other_workspace_id, Provider.LINKEDIN, "y", AccountStatus.OK).id,
        "not-linkedin": lambda: store.add_account(world.workspace_id, Provider.WHATSAPP, "z", AccountStatus.OK).id,
        "huge": lambda: "9" * 40,
    }[case]()
    assert_error(
        public_get(client, world, query=f"?account_id={account_id}"),
        400,
        "Requested LinkedIn account not found or not active in this workspace",
    )
    assert world.provider.calls == []


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "000", "1.5", "%201", "1%00", "0x10", "1e3", "%EF%BC%91", "1" * 5000 + "x"])
def test_malformed_account_id_is_a_clear_400(client, world, raw):
    assert_error(public_get(client, world, query=f"?account_id={raw}"), 400, "account_id must be a positive integer")


def test_checks_run_in_the_contract_order(client, world):
    # Unknown prospect with a malformed URL-less everything: 404 wins over the account checks.
    assert_error(public_get(client, world, prospect_id=555555, query="?account_id=424242"), 404, "Prospect not found")
    # Another workspace's prospect: 403 before its URL or the account are looked at.
    assert_error(
        public_get(client, world, prospect_id=world.other_prospect_id, query="?account_id=424242"),
        403,
        "Access denied",
    )
    # A malformed account_id is an account-selection failure: it comes after 404 and 403 too.
    assert_error(public_get(client, world, prospect_id=555555, query="?account_id=abc"), 404, "Prospect not found")
    assert_error(
        public_get(client, world, prospect_id=world.other_prospect_id, query="?account_id=abc"),
        403,
        "Access denied",
    )
    # Missing URL before account selection.
    prospect = world.store.add_prospect(world.workspace_id, None)
    assert_error(
        public_get(client, world, prospect_id=prospect.id, query="?account_id=424242"),
        400,
        "Prospect has no LinkedIn profile URL to check against",
    )


@pytest.mark.parametrize("code", list(ProviderFailureCode))
def test_provider_failure_is_502_with_its_code(client, world, code):
    world.provider.fail_with(ProviderFailure(code, "detail for logs only"))
    response = public_get(client, world)
    assert response.status_code == 502
    assert response.get_json() == {
        "success": False,
        "error": "Failed to fetch prospect profile from LinkedIn provider",
        "code": code.value,
    }
    assert "Retry-After" not in response.headers


def test_rate_limited_provider_passes_retry_after_through(client, world):
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=120))
    response = public_get(client, world)
    assert response.status_code == 502
    assert response.headers["Retry-After"] == "120"


def test_framework_errors_are_json(client, world):
    assert_error(client.get("/nope"), 404, "Not Found")
    response = client.post(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})
    assert_error(response, 405, "Method Not Allowed")
    assert "GET" in response.headers["Allow"]


def test_missing_trailing_slash_is_answered_without_a_redirect(client, world):
    response = client.get(
        f"/api/v1/public/prospects/{world.prospect_id}/connection-status", headers={"X-API-Key": world.api_key}
    )
    assert response.status_code == 200
    assert response.get_json()["checked_with_account_id"] == world.account_id


def test_unexpected_error_is_a_json_500_without_details(client, world):
    world.store.fail_lookups_with(RuntimeError("postgresql://user:hunter2@db/prod is down"))
    response = public_get(client, world)
    assert_error(response, 500, "Internal server error")
    assert "hunter2" not in response.get_data(as_text=True)


def test_no_answer_of_either_route_may_be_cached(client, world, token_for):
    token = {"Authorization": f"Bearer {token_for(world.user_id)}"}
    responses = [
        client.get(IN_APP.format(world.prospect_id), headers=token),
        public_get(client, world, prospect_id=999_999),
        public_get(client, world, prospect_id=world.other_prospect_id),
        client.get(PUBLIC.format(world.prospect_id)),
        client.get(IN_APP.format(world.prospect_id)),
    ]

    assert [response.status_code for response in responses] == [200, 404, 403, 401, 401]
    assert {response.headers.get("Cache-Control") for response in responses} == {"no-store"}


def test_a_body_over_the_size_limit_is_refused_unread(client, world):
    response = client.get(
        PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key}, data=b"x" * (64 * 1024 + 1)
    )

    assert_error(response, 413, "Request Entity Too Large")
    assert world.provider.calls == []


def test_a_small_body_is_ignored(client, world):
    response = client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key}, data=b"{}")

    assert response.status_code == 200


def test_head_is_refused_since_it_would_spend_a_provider_lookup(client, world):
    response = client.head(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})
    assert response.status_code == 405
    assert world.provider.calls == []


def test_a_database_outage_is_a_503_not_a_500(client, world, token_for):
    from domain.errors import StoreUnavailable

    world.store.fail_lookups_with(StoreUnavailable())
    assert_error(public_get(client, world), 503, "Service temporarily unavailable")
    token = {"Authorization": f"Bearer {token_for(world.user_id)}"}
    assert_error(client.get(IN_APP.format(world.prospect_id), headers=token), 503, "Service temporarily unavailable")
