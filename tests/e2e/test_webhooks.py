"""Unipile's webhooks through the Flask test client: the secret, idempotency, bad bodies, hosted auth."""

import io
import json
import logging

import pytest

from domain.model import AccountStatus, Provider
from entrypoints.bootstrap import ConfigurationError

ACCOUNT_STATUS = "/api/v1/webhooks/unipile/account-status/"
HOSTED_AUTH = "/api/v1/webhooks/unipile/hosted-auth/"
SECRET = "whsec-7Kq2mV9xT4pL8nR3wZ6yB1cF5hJ0dG2s"
PROVIDER_ACCOUNT_ID = "t5XY4yQzR9WVrlNFyzPMhw"  # the world's workspace account


@pytest.fixture
def client(make_app):
    return make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}).test_client()


def post(client, path, payload, *, secret=SECRET, header="Unipile-Auth"):
    headers = {} if secret is None else {header: secret}
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(path, data=data, headers=headers, content_type="application/json")


def status_event(account_id=PROVIDER_ACCOUNT_ID, message="CREDENTIALS", account_type="LINKEDIN"):
    return {"AccountStatus": {"account_id": account_id, "message": message, "account_type": account_type}}


def hosted_auth_event(workspace_id, account_id="acc-hosted", status="CREATION_SUCCESS"):
    return {"status": status, "account_id": account_id, "name": str(workspace_id)}


def statuses(world):
    return {account.id: account.status for account in world.store.accounts.values()}


def check_prospect(client, world):
    return client.get(
        f"/api/v1/public/prospects/{world.prospect_id}/connection-status/", headers={"X-API-Key": world.api_key}
    )


def assert_error(response, status, message):
    assert response.status_code == status
    assert response.get_json() == {"success": False, "error": message}


# --- the shared secret ---------------------------------------------------------------------------


@pytest.mark.parametrize("path, payload", [(ACCOUNT_STATUS, status_event()), (HOSTED_AUTH, hosted_auth_event(1))])
@pytest.mark.parametrize(
    "secret, header, message",
    [
        (None, "Unipile-Auth", "Missing webhook secret"),
        ("", "Unipile-Auth", "Missing webhook secret"),
        (SECRET[:-1], "Unipile-Auth", "Invalid webhook secret"),
        (SECRET + "x", "Unipile-Auth", "Invalid webhook secret"),
        (SECRET.lower(), "Unipile-Auth", "Invalid webhook secret"),
        (SECRET, "X-API-Key", "Missing webhook secret"),
        (f"Bearer {SECRET}", "Authorization", "Missing webhook secret"),
    ],
    ids=["absent", "empty", "short", "long", "other-case", "api-key-header", "bearer"],
)
def test_a_missing_or_wrong_secret_is_401_and_changes_nothing(client, world, path, payload, secret, header, message):
    before = statuses(world)

    assert_error(post(client, path, payload, secret=secret, header=header), 401, message)

    assert statuses(world) == before


def test_the_secret_is_checked_before_the_body_is_read(client):
    assert_error(post(client, ACCOUNT_STATUS, b"not json", secret=None), 401, "Missing webhook secret")


def test_the_header_name_is_case_insensitive(client, world):
    response = post(client, ACCOUNT_STATUS, status_event(), header="unipile-auth")

    assert response.status_code == 200


def test_the_header_name_can_be_configured(make_app):
    client = make_app({"UNIPILE_WEBHOOK_SECRET": SECRET, "UNIPILE_WEBHOOK_HEADER": "X-Webhook-Token"}).test_client()

    assert_error(post(client, ACCOUNT_STATUS, status_event()), 401, "Missing webhook secret")
    assert post(client, ACCOUNT_STATUS, status_event(), header="X-Webhook-Token").status_code == 200


def test_the_settings_are_read_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("UNIPILE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("UNIPILE_WEBHOOK_HEADER", "X-Webhook-Token")
    client = make_app().test_client()

    assert post(client, ACCOUNT_STATUS, status_event(), header="X-Webhook-Token").status_code == 200


@pytest.mark.parametrize("configured", [{}, {"UNIPILE_WEBHOOK_SECRET": ""}, {"UNIPILE_WEBHOOK_SECRET": None}])
@pytest.mark.parametrize("path, payload", [(ACCOUNT_STATUS, status_event()), (HOSTED_AUTH, hosted_auth_event(1))])
def test_without_a_configured_secret_the_app_starts_and_every_webhook_is_503(
    world, make_app, caplog, configured, path, payload
):
    with caplog.at_level(logging.WARNING, logger="entrypoints.webhooks"):
        client = make_app(configured).test_client()
    before = statuses(world)

    for secret in (None, "", SECRET):
        assert_error(post(client, path, payload, secret=secret), 503, "Webhooks are not configured")
    assert_error(post(client, path, b"not json", secret=None), 503, "Webhooks are not configured")

    assert statuses(world) == before
    assert "UNIPILE_WEBHOOK_SECRET is not set" in caplog.text
    assert check_prospect(client, world).status_code == 200


@pytest.mark.parametrize(
    "secret",
    ["x" * 31, " " + SECRET, SECRET + "\n", SECRET + "é", SECRET[:16] + "\x00" + SECRET[16:]],
    ids=["short", "leading-space", "trailing-newline", "non-ascii", "nul"],
)
def test_an_unusable_secret_is_refused_at_start_up_without_repeating_it(make_app, secret):
    with pytest.raises(ConfigurationError, match="UNIPILE_WEBHOOK_SECRET") as raised:
        make_app({"UNIPILE_WEBHOOK_SECRET": secret})

    assert secret.strip() not in str(raised.value)


@pytest.mark.parametrize("header", ["", "Unipile Auth", "Unipile-Auth:", "Ünipile-Auth", None])
def test_an_unusable_header_name_is_refused_at_start_up(make_app, header):
    with pytest.raises(ConfigurationError, match="UNIPILE_WEBHOOK_HEADER"):
        make_app({"UNIPILE_WEBHOOK_SECRET": SECRET, "UNIPILE_WEBHOOK_HEADER": header})


# --- account status ------------------------------------------------------------------------------


def test_a_status_reaches_every_workspace_connecting_the_account(client, world):
    theirs = world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, PROVIDER_ACCOUNT_ID, AccountStatus.OK)
    bystander = world.store.add_account(world.workspace_id, Provider.LINKEDIN, "acc-bystander", AccountStatus.OK)

    response = post(client, ACCOUNT_STATUS, status_event(message="CREDENTIALS"))

    assert response.status_code == 200
    assert response.get_json() == {"success": True, "updated": 2, "unchanged": 0}
    assert world.store.accounts[world.account_id].status is AccountStatus.CREDENTIALS
    assert world.store.accounts[theirs.id].status is AccountStatus.CREDENTIALS
    assert world.store.accounts[bystander.id].status is AccountStatus.OK


def test_a_disconnected_account_stops_being_the_default_for_checks(client, world):
    assert check_prospect(client, world).status_code == 200

    post(client, ACCOUNT_STATUS, status_event(message="CREDENTIALS"))

    assert_error(check_prospect(client, world), 400, "No active LinkedIn account is connected to this workspace")

    post(client, ACCOUNT_STATUS, status_event(message="RECONNECTED"))

    assert check_prospect(client, world).get_json()["checked_with_account_id"] == world.account_id


def test_the_same_status_twice_is_answered_and_changes_nothing(client, world):
    first = post(client, ACCOUNT_STATUS, status_event(message="STOPPED"))
    second = post(client, ACCOUNT_STATUS, status_event(message="STOPPED"))

    assert first.get_json() == {"success": True, "updated": 1, "unchanged": 0}
    assert second.status_code == 200
    assert second.get_json() == {"success": True, "updated": 0, "unchanged": 1}
    assert world.store.accounts[world.account_id].status is AccountStatus.STOPPED


def test_an_unknown_account_is_200_so_unipile_stops_retrying_and_changes_nothing(client, world):
    before = statuses(world)

    response = post(client, ACCOUNT_STATUS, status_event(account_id="acc-never-seen", message="DELETED"))

    assert response.status_code == 200
    assert response.get_json() == {
        "success": True,
        "updated": 0,
        "unchanged": 0,
        "ignored": "No connected account has this account_id",
    }
    assert statuses(world) == before


def test_deleted_keeps_the_account_and_makes_it_inactive(client, world):
    response = post(client, ACCOUNT_STATUS, status_event(message="DELETED"))

    assert response.get_json()["updated"] == 1
    account = world.store.accounts[world.account_id]
    assert account.status is AccountStatus.DELETED and account.provider_account_id == PROVIDER_ACCOUNT_ID
    assert_error(check_prospect(client, world), 400, "No active LinkedIn account is connected to this workspace")


@pytest.mark.parametrize("status", list(AccountStatus))
def test_every_documented_status_is_accepted(client, world, status):
    response = post(client, ACCOUNT_STATUS, status_event(message=status.value))

    assert response.status_code == 200
    assert world.store.accounts[world.account_id].status is status


def test_account_type_may_be_absent(client, world):
    payload = {"AccountStatus": {"account_id": PROVIDER_ACCOUNT_ID, "message": "ERROR"}}

    assert post(client, ACCOUNT_STATUS, payload).status_code == 200
    assert world.store.accounts[world.account_id].status is AccountStatus.ERROR


def test_the_route_answers_without_its_trailing_slash(client, world):
    response = post(client, ACCOUNT_STATUS.rstrip("/"), status_event(message="ERROR"))

    assert response.status_code == 200
    assert world.store.accounts[world.account_id].status is AccountStatus.ERROR


def test_only_post_is_allowed(client):
    response = client.get(ACCOUNT_STATUS, headers={"Unipile-Auth": SECRET})

    assert_error(response, 405, "Method Not Allowed")
    assert "POST" in response.headers["Allow"]


ACCOUNT_ID_RULE = "AccountStatus.account_id must be a string of 1 to 255 printable characters"
MESSAGE_RULE = "AccountStatus.message must be one of " + ", ".join(status.value for status in AccountStatus)
SHAPE_RULE = 'Body must be {"AccountStatus": {"account_id": ..., "message": ...}}'


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "Body must be a JSON object"),
        (b"AccountStatus=OK", "Body must be a JSON object"),
        (b'{"AccountStatus": {"account_id": "x", "message": "OK"}', "Body must be a JSON object"),
        (b"\xff\xfe\x00{}", "Body must be a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "Body must be a JSON object"),
        (json.dumps([status_event()]), "Body must be a JSON object"),
        (json.dumps("CREDENTIALS"), "Body must be a JSON object"),
        (json.dumps(None), "Body must be a JSON object"),
        (json.dumps(status_event()["AccountStatus"]), SHAPE_RULE),
        (json.dumps({"AccountStatus": None}), SHAPE_RULE),
        (json.dumps({"AccountStatus": [PROVIDER_ACCOUNT_ID, "OK"]}), SHAPE_RULE),
        (json.dumps({"accountstatus": status_event()["AccountStatus"]}), SHAPE_RULE),
        (json.dumps({"AccountStatus": {"message": "OK"}}), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id=42)), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id=None)), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id=[PROVIDER_ACCOUNT_ID])), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id="")), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id=" " + PROVIDER_ACCOUNT_ID)), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id="a" * 256)), ACCOUNT_ID_RULE),
        (json.dumps(status_event(account_id="acc\u0000")), ACCOUNT_ID_RULE),
        (b'{"AccountStatus": {"account_id": "acc\\ud800", "message": "OK"}}', ACCOUNT_ID_RULE),
        (json.dumps({"AccountStatus": {"account_id": PROVIDER_ACCOUNT_ID}}), MESSAGE_RULE),
        (json.dumps(status_event(message="ok")), MESSAGE_RULE),
        (json.dumps(status_event(message="creation_success")), MESSAGE_RULE),
        (json.dumps(status_event(message="SOMETHING_NEW")), MESSAGE_RULE),
        (json.dumps(status_event(message=1)), MESSAGE_RULE),
        (json.dumps(status_event(message=["OK"])), MESSAGE_RULE),
        (json.dumps(status_event(account_type=7)), "AccountStatus.account_type must be a string"),
    ],
    ids=[
        "empty", "form", "truncated", "not-utf8", "deeply-nested", "list", "string", "null", "unwrapped",
        "null-inner", "list-inner", "other-key-case", "no-account-id", "numeric-account-id", "null-account-id",
        "list-account-id", "empty-account-id", "padded-account-id", "long-account-id", "nul-account-id",
        "surrogate-account-id", "no-message", "lower-case-message", "event-name-message", "unknown-message",
        "numeric-message", "list-message", "numeric-account-type",
    ],
)
def test_a_malformed_body_is_400_and_changes_nothing(client, world, body, message):
    before = statuses(world)

    assert_error(post(client, ACCOUNT_STATUS, body), 400, message)

    assert statuses(world) == before


@pytest.mark.parametrize(
    "path, body",
    [
        (ACCOUNT_STATUS, '{"AccountStatus": {"account_id": "%s", "message": "OK", "message": "CREDENTIALS"}}'
         % PROVIDER_ACCOUNT_ID),
        (ACCOUNT_STATUS, '{"AccountStatus": {"account_id": "someone-else", "message": "OK"},'
         ' "AccountStatus": {"account_id": "%s", "message": "CREDENTIALS"}}' % PROVIDER_ACCOUNT_ID),
        (HOSTED_AUTH, '{"status": "CREATION_SUCCESS", "account_id": "acc-new", "name": "no-such-workspace",'
         ' "name": "{workspace_id}"}'),
    ],
    ids=["status-message", "whole-event", "hosted-auth-workspace"],
)
def test_a_body_naming_a_key_twice_is_400_and_changes_nothing(client, world, path, body):
    # Python would read the last value; another reader of the same delivery could read the first.
    before = dict(world.store.accounts)

    response = post(client, path, body.replace("{workspace_id}", str(world.workspace_id)))

    assert_error(response, 400, "Body must not name a key twice in one object")
    assert world.store.accounts == before


def test_a_huge_body_is_400_before_it_is_read(client, world):
    payload = status_event()
    payload["padding"] = "x" * 20_000
    before = statuses(world)

    assert_error(post(client, ACCOUNT_STATUS, payload), 400, "Body must be at most 16384 bytes")
    # Beyond the service-wide MAX_CONTENT_LENGTH (64 KiB) too: the webhooks apply their own cap.
    assert_error(post(client, ACCOUNT_STATUS, b"{" + b" " * 70_000 + b"}"), 400, "Body must be at most 16384 bytes")

    assert statuses(world) == before


def post_without_length(client, body):
    """A chunked request as the WSGI server hands it on: no Content-Length, the input terminated."""
    return client.post(
        ACCOUNT_STATUS,
        input_stream=io.BytesIO(body),
        headers={"Unipile-Auth": SECRET, "Transfer-Encoding": "chunked"},
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_huge_body_without_a_length_is_cut_at_the_cap(client, world):
    body = json.dumps({**status_event(), "padding": "x" * 20_000}).encode()
    before = statuses(world)

    response = post_without_length(client, body)

    assert_error(response, 400, "Body must be at most 16384 bytes")
    assert statuses(world) == before


def test_a_body_without_a_length_under_the_cap_is_read(client, world):
    response = post_without_length(client, json.dumps(status_event(message="ERROR")).encode())

    assert response.status_code == 200
    assert world.store.accounts[world.account_id].status is AccountStatus.ERROR


def test_a_body_is_read_whatever_its_content_type(client, world):
    response = client.post(
        ACCOUNT_STATUS,
        data=json.dumps(status_event(message="ERROR")),
        headers={"Unipile-Auth": SECRET},
        content_type="text/plain",
    )

    assert response.status_code == 200


# --- what reaches the log ------------------------------------------------------------------------


def test_each_change_is_logged_and_the_secret_never_is(client, world, caplog):
    with caplog.at_level(logging.DEBUG):
        post(client, ACCOUNT_STATUS, status_event(message="CREDENTIALS"))
        post(client, ACCOUNT_STATUS, status_event(message="CREDENTIALS"), secret=SECRET + "-wrong")
        post(client, ACCOUNT_STATUS, b"not json")
        post(client, HOSTED_AUTH, hosted_auth_event(world.workspace_id, account_id="acc-new"))

    changes = [record.getMessage() for record in caplog.records if "->" in record.getMessage()]
    assert len(changes) == 1
    for part in (f"account {world.account_id}", f"provider account {PROVIDER_ACCOUNT_ID}", "OK -> CREDENTIALS"):
        assert part in changes[0]
    assert "acc-new" in caplog.text and "added to workspace" in caplog.text
    assert SECRET not in caplog.text


# --- hosted auth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["CREATION_SUCCESS", "RECONNECTED"])
def test_hosted_auth_connects_the_account_to_the_named_workspace(client, world, status):
    world.store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)

    response = post(client, HOSTED_AUTH, hosted_auth_event(world.workspace_id, account_id="acc-new", status=status))

    assert response.status_code == 200
    assert response.get_json() == {"success": True, "created": 1, "updated": 0, "unchanged": 0}
    [new] = [a for a in world.store.accounts_of_workspace(world.workspace_id) if a.provider_account_id == "acc-new"]
    assert (new.provider, new.status) == (Provider.LINKEDIN, AccountStatus(status))
    # The new account is the one active account: checks run from it.
    assert check_prospect(client, world).get_json()["checked_with_account_id"] == new.id


def test_hosted_auth_reactivates_the_workspace_account(client, world):
    world.store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)
    theirs = world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, PROVIDER_ACCOUNT_ID, AccountStatus.CREDENTIALS)

    response = post(client, HOSTED_AUTH, hosted_auth_event(world.workspace_id, PROVIDER_ACCOUNT_ID, "RECONNECTED"))

    assert response.get_json() == {"success": True, "created": 0, "updated": 1, "unchanged": 0}
    assert world.store.accounts[world.account_id].status is AccountStatus.RECONNECTED
    assert world.store.accounts[theirs.id].status is AccountStatus.CREDENTIALS
    assert len(world.store.accounts_of_workspace(world.workspace_id)) == 1
    assert check_prospect(client, world).get_json()["checked_with_account_id"] == world.account_id


def test_hosted_auth_delivered_twice_connects_once(client, world):
    event = hosted_auth_event(world.workspace_id, account_id="acc-new")

    post(client, HOSTED_AUTH, event)
    again = post(client, HOSTED_AUTH, event)

    assert again.get_json() == {"success": True, "created": 0, "updated": 0, "unchanged": 1}
    assert [a.provider_account_id for a in world.store.accounts_of_workspace(world.workspace_id)].count("acc-new") == 1


@pytest.mark.parametrize("name", ["424242", "myuser1234", "", "0", "9" * 30])
def test_hosted_auth_for_no_workspace_is_200_ignored_and_logged(client, world, caplog, name):
    before = dict(world.store.accounts)

    with caplog.at_level(logging.WARNING):
        response = post(client, HOSTED_AUTH, {"status": "CREATION_SUCCESS", "account_id": "acc-lost", "name": name})

    assert response.status_code == 200
    assert response.get_json() == {
        "success": True,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "ignored": "No workspace has this name",
    }
    assert world.store.accounts == before
    assert "acc-lost" in caplog.text


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": "OK"}, "status must be one of CREATION_SUCCESS, RECONNECTED"),
        ({"status": "CREATION_FAIL"}, "status must be one of CREATION_SUCCESS, RECONNECTED"),
        ({"status": "creation_success"}, "status must be one of CREATION_SUCCESS, RECONNECTED"),
        ({"status": None}, "status must be one of CREATION_SUCCESS, RECONNECTED"),
        ({"account_id": 5}, "account_id must be a string of 1 to 255 printable characters"),
        ({"account_id": ""}, "account_id must be a string of 1 to 255 printable characters"),
        ({"account_id": "a\nb"}, "account_id must be a string of 1 to 255 printable characters"),
        ({"name": 1}, "name must be a string"),
        ({"name": None}, "name must be a string"),
    ],
)
def test_a_malformed_hosted_auth_body_is_400_and_changes_nothing(client, world, change, message):
    before = dict(world.store.accounts)

    response = post(client, HOSTED_AUTH, {**hosted_auth_event(world.workspace_id), **change})

    assert_error(response, 400, message)
    assert world.store.accounts == before


@pytest.mark.parametrize("body", [b"", b"{", json.dumps([hosted_auth_event(1)]), json.dumps({"status": "CREATION_SUCCESS"})])
def test_a_hosted_auth_body_that_is_not_the_documented_object_is_400(client, world, body):
    before = dict(world.store.accounts)

    assert post(client, HOSTED_AUTH, body).status_code == 400
    assert world.store.accounts == before

