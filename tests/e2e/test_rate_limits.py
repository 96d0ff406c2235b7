"""Per-caller request limits on the check routes, in memory and in the shared Redis."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain import services

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"


@pytest.fixture
def limited_app(make_app):
    """The app with its clock held a second into the current minute: no window ends mid-test."""
    now = datetime.now(timezone.utc)
    held = now.replace(second=1, microsecond=0)
    return lambda config: make_app(config, clock=lambda: held)


def public_get(client, world, key=None, prospect_id=None):
    return client.get(
        PUBLIC.format(prospect_id or world.prospect_id), headers={"X-API-Key": key or world.api_key}
    )


def test_the_request_past_the_limit_is_429_with_retry_after(limited_app, world, state_storage):
    client = limited_app({"API_RATE_LIMIT": "3/minute", **state_storage}).test_client()

    responses = [public_get(client, world) for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    assert refused.get_json() == {"success": False, "error": "Rate limit exceeded"}
    # The window is the clock's minute, and the held clock is one second into it.
    assert refused.headers["Retry-After"] == "59"
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert [response.headers["X-RateLimit-Remaining"] for response in responses[:3]] == ["2", "1", "0"]
    # The refused request never reached the provider.
    assert len(world.provider.calls) == 3


def test_retry_after_waits_for_a_longer_window_already_used_up(make_app, world, state_storage):
    # Half past the hour: the minute ends in 59 s, the hour in 1799 s.
    held = datetime.now(timezone.utc).replace(minute=30, second=1, microsecond=0)
    client = make_app({"API_RATE_LIMIT": "2/minute;2/hour", **state_storage}, clock=lambda: held).test_client()

    responses = [public_get(client, world) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 429]
    refused = responses[-1]
    # The minute refused it, but the hour is used up too: waiting out the minute would not do.
    assert refused.headers["Retry-After"] == "1799"
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Reset"] == str(int(held.timestamp()) + 1799)


def test_answered_checks_carry_no_retry_after(limited_app, world):
    client = limited_app({"API_RATE_LIMIT": "3/minute"}).test_client()

    response = public_get(client, world)

    assert response.status_code == 200 and "Retry-After" not in response.headers


def test_each_api_key_has_its_own_allowance(limited_app, world, state_storage):
    client = limited_app({"API_RATE_LIMIT": "1/minute", **state_storage}).test_client()
    _, second_key = services.issue_api_key(world.workspace_id, "second", store=world.store)

    assert public_get(client, world).status_code == 200
    assert public_get(client, world).status_code == 429
    assert public_get(client, world, key=second_key).status_code == 200
    assert public_get(client, world, key=world.other_api_key, prospect_id=world.other_prospect_id).status_code == 200


def test_each_user_has_its_own_allowance(limited_app, world, token_for, state_storage):
    client = limited_app({"API_RATE_LIMIT": "1/minute", **state_storage}).test_client()
    colleague = world.store.add_user(world.workspace_id, "colleague@acme.test")

    def in_app_get(user_id):
        return client.get(
            IN_APP.format(world.prospect_id), headers={"Authorization": f"Bearer {token_for(user_id)}"}
        )

    assert in_app_get(world.user_id).status_code == 200
    # A fresh token for the same user is the same caller.
    assert in_app_get(world.user_id).status_code == 429
    assert in_app_get(colleague.id).status_code == 200


def test_unauthenticated_requests_get_their_401_and_spend_nothing(limited_app, world, state_storage):
    client = limited_app({"API_RATE_LIMIT": "1/minute", **state_storage}).test_client()

    refused = [public_get(client, world, key="0123456789ab.wrong-secret-wrong").status_code for _ in range(5)]
    missing = [client.get(PUBLIC.format(world.prospect_id)).status_code for _ in range(5)]

    assert refused == [401] * 5 and missing == [401] * 5
    assert public_get(client, world).status_code == 200


def test_workers_sharing_redis_share_one_allowance(limited_app, world, redis_server_url, redis_key_prefix):
    config = {"API_RATE_LIMIT": "2/minute", "REDIS_URL": redis_server_url, "REDIS_KEY_PREFIX": redis_key_prefix}
    first_worker, second_worker = limited_app(config).test_client(), limited_app(config).test_client()

    assert public_get(first_worker, world).status_code == 200
    assert public_get(second_worker, world).status_code == 200
    assert public_get(first_worker, world).status_code == 429
    assert public_get(second_worker, world).status_code == 429


def test_with_redis_down_checks_are_answered_and_still_limited(limited_app, world, unused_tcp_port):
    client = limited_app({"API_RATE_LIMIT": "2/minute", "REDIS_URL": f"redis://127.0.0.1:{unused_tcp_port}/0"}).test_client()

    assert [public_get(client, world).status_code for _ in range(3)] == [200, 200, 429]


def test_the_limit_is_read_from_the_settings(limited_app, world):
    client = limited_app({"API_RATE_LIMIT": "5 per minute"}).test_client()

    assert [public_get(client, world).status_code for _ in range(6)] == [200] * 5 + [429]


def test_the_default_limit_is_50_a_minute(client, world):
    assert public_get(client, world).headers["X-RateLimit-Limit"] == "50"
