"""The 401 matrix: each route accepts only its own credential, and every failure is one JSON shape."""

import time
from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.e2e.conftest import JWT_SECRET

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"


def assert_401(response, message):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    assert response.get_json() == {"success": False, "error": message}


def test_public_route_without_key(client, world):
    assert_401(client.get(PUBLIC.format(world.prospect_id)), "Missing API key")
    assert_401(client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": "  "}), "Missing API key")


@pytest.mark.parametrize("key", ["nonsense", "abcdefabcdef.not-the-secret", "a" * 5000])
def test_public_route_with_a_wrong_key(client, world, key):
    assert_401(client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": key}), "Invalid API key")


def test_public_route_with_a_wrong_secret_for_a_real_prefix(client, world):
    prefix = world.api_key.split(".")[0]
    response = client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": prefix + ".x" * 20})
    assert_401(response, "Invalid API key")


def test_revoked_key_is_refused(client, world):
    assert client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key}).status_code == 200
    world.store.revoke_api_key(world.api_key_id)
    assert_401(client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key}), "Invalid API key")


def test_authentication_comes_before_the_prospect_lookup(client, world):
    assert_401(client.get(PUBLIC.format(999999)), "Missing API key")
    assert_401(client.get(IN_APP.format(999999)), "Missing bearer token")
    assert world.provider.calls == []


@pytest.fixture(params=["own", "foreign", "unknown", "not-a-number", "zero"])
def any_prospect(request, world):
    """Whatever prospect a refused credential names: its own, another workspace's, none at all."""
    return {
        "own": world.prospect_id,
        "foreign": world.other_prospect_id,
        "unknown": 999999,
        "not-a-number": "abc",
        "zero": 0,
    }[request.param]


def test_a_credential_that_does_not_hold_is_401_whatever_the_prospect(client, world, token_for, any_prospect):
    prefix = world.api_key.split(".")[0]
    assert_401(client.get(PUBLIC.format(any_prospect), headers={"X-API-Key": prefix + ".x" * 20}), "Invalid API key")
    assert_401(
        client.get(IN_APP.format(any_prospect), headers=bearer(token_for(987654))), "Invalid or expired token"
    )
    world.store.revoke_api_key(world.api_key_id)
    assert_401(client.get(PUBLIC.format(any_prospect), headers={"X-API-Key": world.api_key}), "Invalid API key")
    assert world.provider.calls == []


def test_public_route_refuses_a_bearer_token(client, world, token_for):
    response = client.get(
        PUBLIC.format(world.prospect_id), headers={"Authorization": f"Bearer {token_for(world.user_id)}"}
    )
    assert_401(response, "Missing API key")


def test_in_app_route_refuses_an_api_key(client, world):
    response = client.get(IN_APP.format(world.prospect_id), headers={"X-API-Key": world.api_key})
    assert_401(response, "Missing bearer token")


def test_in_app_route_refuses_an_api_key_sent_as_a_bearer_token(client, world):
    response = client.get(IN_APP.format(world.prospect_id), headers={"Authorization": f"Bearer {world.api_key}"})
    assert_401(response, "Invalid or expired token")


def test_in_app_route_without_token(client, world):
    assert_401(client.get(IN_APP.format(world.prospect_id)), "Missing bearer token")
    assert_401(
        client.get(IN_APP.format(world.prospect_id), headers={"Authorization": "Basic dXNlcjpwYXNz"}),
        "Missing bearer token",
    )


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_expired_token(client, world, token_for):
    token = token_for(world.user_id, expires=timedelta(seconds=-5))
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_tampered_token(client, world, token_for):
    header, payload, signature = token_for(world.user_id).split(".")
    forged_payload = pyjwt.utils.base64url_encode(b'{"sub":"1","type":"access","exp":9999999999}').decode()
    for token in [f"{header}.{forged_payload}.{signature}", f"{header}.{payload}.{signature[:-2]}AA"]:
        assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_token_signed_with_another_secret(client, world):
    token = pyjwt.encode(
        {"sub": str(world.user_id), "type": "access", "exp": 9999999999, "jti": "x", "fresh": False},
        "another-secret-that-is-also-long-enough-0123456789",
        algorithm="HS256",
    )
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_alg_none_token(client, world):
    token = pyjwt.encode({"sub": str(world.user_id), "type": "access", "exp": 9999999999}, key=None, algorithm="none")
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_token_without_expiry_is_refused(client, world):
    token = pyjwt.encode(
        {"sub": str(world.user_id), "type": "access", "jti": "x", "fresh": False}, JWT_SECRET, algorithm="HS256"
    )
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_token_with_another_algorithm_is_refused(client, world):
    token = pyjwt.encode(
        {"sub": str(world.user_id), "type": "access", "exp": 9999999999, "jti": "x", "fresh": False},
        JWT_SECRET,
        algorithm="HS384",
    )
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


def test_refresh_token_is_the_wrong_type(app, client, world):
    from flask_jwt_extended import create_refresh_token

    with app.app_context():
        token = create_refresh_token(identity=str(world.user_id))
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "Bearer"])
def test_malformed_tokens_are_401_never_422(client, world, token):
    response = client.get(IN_APP.format(world.prospect_id), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["success"] is False


def test_token_for_a_deleted_or_unknown_user(client, world, token_for):
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token_for(987654))), "Invalid or expired token")
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token_for("not-a-number"))), "Invalid or expired token")


def test_token_of_another_workspace_user_is_denied_the_prospect(client, world, token_for):
    stranger = world.store.add_user(world.other_workspace_id, "x@other.test")
    response = client.get(IN_APP.format(world.prospect_id), headers=bearer(token_for(stranger.id)))
    assert response.status_code == 403
    assert response.get_json() == {"success": False, "error": "Access denied"}


def test_other_workspace_key_is_denied_the_prospect(client, world):
    response = client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.other_api_key})
    assert response.status_code == 403


def signed(claims):
    return pyjwt.encode(claims, JWT_SECRET, algorithm="HS256")


def claims_for(world, **overrides):
    issued = int(time.time()) - 60
    claims = {
        "sub": str(world.user_id), "type": "access", "fresh": False, "jti": "x", "iat": issued, "nbf": issued,
        "exp": issued + 3600, "aud": "connection-status", "iss": "connection-status",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def test_a_well_formed_token_of_ours_is_accepted(client, world):
    token = signed(claims_for(world))
    assert client.get(IN_APP.format(world.prospect_id), headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-service"},
        {"aud": None},
        {"iss": "someone-else"},
        {"iss": None},
        {"type": "refresh"},
        # flask-jwt-extended reads a token without `type` as an access token; we issue none such.
        {"type": None},
        {"iat": None},
        {"exp": int(time.time()) + 400 * 24 * 3600},
    ],
    ids=["foreign-audience", "no-audience", "foreign-issuer", "no-issuer", "refresh-type", "no-type",
         "no-issued-at", "lifetime-beyond-a-year"],
)
def test_tokens_for_another_service_or_without_bounds_are_refused(client, world, overrides):
    token = signed(claims_for(world, **overrides))
    assert_401(client.get(IN_APP.format(world.prospect_id), headers=bearer(token)), "Invalid or expired token")
