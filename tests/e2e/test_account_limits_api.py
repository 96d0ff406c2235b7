"""The account rules over HTTP: the daily budget's 429 and the cool-down's 502, without calling the provider."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import AccountStatus, Provider
from entrypoints.bootstrap import ConfigurationError
from tests.fakes import FakeClock

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
BUDGET_EXHAUSTED = {"success": False, "error": "Daily LinkedIn lookup budget exhausted for this account"}
RATE_LIMITED = {
    "success": False,
    "error": "Failed to fetch prospect profile from LinkedIn provider",
    "code": "provider_rate_limited",
}


@pytest.fixture
def clock():
    return FakeClock(datetime(2031, 3, 14, 22, 0, tzinfo=timezone.utc))


def get(client, world):
    return client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})


def test_budget_spent_is_429_until_utc_midnight_without_calling_the_provider(make_app, world, clock, state_storage):
    client = make_app({"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": "2", **state_storage}, clock=clock).test_client()

    statuses = [get(client, world).status_code for _ in range(2)]
    refused = get(client, world)

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.get_json() == BUDGET_EXHAUSTED
    assert refused.headers["Retry-After"] == "7200"
    assert len(world.provider.calls) == 2

    clock.advance(7200)
    assert get(client, world).status_code == 200
    assert len(world.provider.calls) == 3


def test_one_linkedin_account_connected_in_two_workspaces_spends_one_budget(make_app, world, clock, state_storage):
    # The other workspace connects the same Unipile account (the same LinkedIn member) as ours.
    ours = world.store.accounts[world.account_id]
    world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, ours.provider_account_id, AccountStatus.OK)
    client = make_app({"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": "1", **state_storage}, clock=clock).test_client()
    theirs = client.get(
        PUBLIC.format(world.other_prospect_id),
        headers={"X-API-Key": world.other_api_key},
        query_string={"account_id": world.store.accounts_of_workspace(world.other_workspace_id)[-1].id},
    )

    assert theirs.status_code == 200
    assert get(client, world).get_json() == BUDGET_EXHAUSTED
    assert len(world.provider.calls) == 1


def test_no_budget_by_default(client, world):
    assert {get(client, world).status_code for _ in range(60)} == {200, 429}
    # Only the request limit (50 a minute) refused anything; every answered check reached the provider.
    assert len(world.provider.calls) == 50


def test_after_a_provider_429_the_account_rests_until_its_retry_after(make_app, world, clock, state_storage):
    client = make_app(state_storage, clock=clock).test_client()
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=90))

    first = get(client, world)
    world.provider.fail_with(None)
    clock.advance(30)
    resting = get(client, world)

    assert (first.status_code, first.get_json(), first.headers["Retry-After"]) == (502, RATE_LIMITED, "90")
    assert (resting.status_code, resting.get_json(), resting.headers["Retry-After"]) == (502, RATE_LIMITED, "60")
    assert len(world.provider.calls) == 1

    clock.advance(60)
    assert get(client, world).status_code == 200
    assert len(world.provider.calls) == 2


def test_a_429_without_retry_after_rests_the_account_a_minute(make_app, world, clock, state_storage):
    client = make_app(state_storage, clock=clock).test_client()
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED))

    first = get(client, world)
    world.provider.fail_with(None)
    resting = get(client, world)

    assert first.status_code == 502 and "Retry-After" not in first.headers
    assert (resting.status_code, resting.get_json(), resting.headers["Retry-After"]) == (502, RATE_LIMITED, "60")
    clock.advance(60)
    assert get(client, world).status_code == 200


def test_workers_sharing_redis_share_the_rest(make_app, world, clock, redis_server_url, redis_key_prefix):
    config = {"REDIS_URL": redis_server_url, "REDIS_KEY_PREFIX": redis_key_prefix}
    first_worker = make_app(config, clock=clock).test_client()
    second_worker = make_app(config, clock=clock).test_client()
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=120))

    assert get(first_worker, world).status_code == 502
    world.provider.fail_with(None)

    assert get(second_worker, world).headers["Retry-After"] == "120"
    assert len(world.provider.calls) == 1


@pytest.mark.parametrize("value", ["0", "-1", "ten", "1.5"])
def test_an_unusable_budget_is_refused_at_start_up(make_app, value):
    with pytest.raises(ConfigurationError, match="LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT"):
        make_app({"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": value})
