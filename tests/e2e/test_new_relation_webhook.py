"""Unipile's new_relation webhook through the Flask test client: the secret, what it records, bad bodies."""

import json
import logging
from datetime import datetime, timezone

import pytest
from openapi_schema_validator import OAS31Validator

from domain.errors import StoreUnavailable
from domain.model import AccountStatus, Provider
from tests.e2e.test_webhooks import PROVIDER_ACCOUNT_ID, SECRET, assert_error, post
from tests.fakes import FakeClock, FakeObservationStore

NEW_RELATION = "/api/v1/webhooks/unipile/new-relation/"
NOW = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)
MEMBER_ID = "ACoAAAh_Ffqss54sqAGQOD8u7sl5of04y9_3AwyM"


def new_relation(account_id=PROVIDER_ACCOUNT_ID, **changes):
    """The body Unipile documents for an accepted invitation."""
    return {
        "event": "new_relation",
        "account_id": account_id,
        "account_type": "LINKEDIN",
        "webhook_name": "",
        "user_full_name": "Julien Crépieux",
        "user_provider_id": MEMBER_ID,
        "user_public_identifier": "julien-crepieux",
        "user_profile_url": "https://www.linkedin.com/in/julien-crepieux/",
        "user_picture_url": "https://media.licdn.com/x",
        **changes,
    }


@pytest.fixture
def client(make_app):
    return make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}, clock=FakeClock(NOW)).test_client()


def recorded(world):
    return [
        (o.account_id, o.provider_id, o.public_identifier, o.network_distance, o.is_relationship, o.invitation)
        for o in world.observations.observations
    ]


# --- the shared secret ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret, header, message",
    [
        (None, "Unipile-Auth", "Missing webhook secret"),
        ("", "Unipile-Auth", "Missing webhook secret"),
        (SECRET[:-1], "Unipile-Auth", "Invalid webhook secret"),
        (SECRET.lower(), "Unipile-Auth", "Invalid webhook secret"),
        (SECRET, "X-API-Key", "Missing webhook secret"),
    ],
    ids=["absent", "empty", "short", "other-case", "api-key-header"],
)
def test_a_missing_or_wrong_secret_is_401_and_records_nothing(client, world, secret, header, message):
    assert_error(post(client, NEW_RELATION, new_relation(), secret=secret, header=header), 401, message)
    assert_error(post(client, NEW_RELATION, b"not json", secret=secret, header=header), 401, message)

    assert world.observations.observations == []


def test_the_configured_header_carries_the_secret(make_app, world):
    client = make_app({"UNIPILE_WEBHOOK_SECRET": SECRET, "UNIPILE_WEBHOOK_HEADER": "X-Webhook-Token"}).test_client()

    assert_error(post(client, NEW_RELATION, new_relation()), 401, "Missing webhook secret")
    assert post(client, NEW_RELATION, new_relation(), header="X-Webhook-Token").get_json()["recorded"] == 1


@pytest.mark.parametrize("configured", [{}, {"UNIPILE_WEBHOOK_SECRET": ""}])
def test_without_a_configured_secret_it_is_503_and_records_nothing(make_app, world, configured):
    client = make_app(configured).test_client()

    for secret in (None, SECRET):
        assert_error(post(client, NEW_RELATION, new_relation(), secret=secret), 503, "Webhooks are not configured")
    assert world.observations.observations == []


# --- what it records -----------------------------------------------------------------------------


def test_it_records_the_member_as_first_degree_now_for_every_account_with_that_id(client, world):
    theirs = world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, PROVIDER_ACCOUNT_ID, AccountStatus.OK)

    response = post(client, NEW_RELATION, new_relation())

    assert response.status_code == 200
    assert response.get_json() == {"success": True, "recorded": 2}
    assert recorded(world) == [
        (world.account_id, MEMBER_ID, "julien-crepieux", "FIRST_DEGREE", True, None),
        (theirs.id, MEMBER_ID, "julien-crepieux", "FIRST_DEGREE", True, None),
    ]
    assert {o.observed_at for o in world.observations.observations} == {NOW}


def test_an_inactive_account_records_it_too(client, world):
    world.store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)

    assert post(client, NEW_RELATION, new_relation()).get_json() == {"success": True, "recorded": 1}


def test_a_member_without_a_public_identifier_is_recorded_by_its_member_id(client, world):
    response = post(client, NEW_RELATION, new_relation(user_public_identifier=None))

    assert response.get_json() == {"success": True, "recorded": 1}
    [observation] = world.observations.observations
    assert (observation.identifier, observation.provider_id, observation.public_identifier) == (MEMBER_ID, MEMBER_ID, None)


def test_a_repeated_delivery_is_answered_and_records_the_same_fact_again(client, world):
    for _ in range(2):
        assert post(client, NEW_RELATION, new_relation()).get_json() == {"success": True, "recorded": 1}

    assert len(set(recorded(world))) == 1


def test_an_unknown_account_is_200_so_unipile_stops_retrying_and_records_nothing(client, world, caplog):
    with caplog.at_level(logging.INFO, logger="domain.relations"):
        response = post(client, NEW_RELATION, new_relation(account_id="unknown-account"))

    assert response.status_code == 200
    assert response.get_json() == {
        "success": True,
        "recorded": 0,
        "ignored": "No connected account has this account_id",
    }
    assert world.observations.observations == []
    assert "unknown-account" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"event": "new_message", "account_id": PROVIDER_ACCOUNT_ID},
        new_relation(event="NEW_RELATION"),
        {"event": "new_relation_removed"},
        {"event": ""},
    ],
    ids=["other-event", "other-case", "no-other-field", "empty"],
)
def test_another_event_is_200_and_records_nothing(client, world, body):
    response = post(client, NEW_RELATION, body)

    assert response.status_code == 200
    assert response.get_json() == {"success": True, "recorded": 0, "ignored": "Not a new_relation event"}
    assert world.observations.observations == []


def test_the_route_answers_without_its_trailing_slash_and_only_to_post(client, world):
    assert post(client, NEW_RELATION.rstrip("/"), new_relation()).get_json()["recorded"] == 1
    assert_error(client.get(NEW_RELATION, headers={"Unipile-Auth": SECRET}), 405, "Method Not Allowed")


# --- nothing half written ------------------------------------------------------------------------


def test_a_database_failure_is_503_and_records_for_no_account(client, world):
    world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, PROVIDER_ACCOUNT_ID, AccountStatus.OK)
    world.observations.fail_with(StoreUnavailable())

    assert_error(post(client, NEW_RELATION, new_relation()), 503, "Service temporarily unavailable")

    world.observations.fail_with(None)
    assert world.observations.observations == []


class StoreThatFailsAfterOneWrite(FakeObservationStore):
    """Keeps the first batch it is given and refuses every later one, as a database going away would."""

    def record_observations(self, observations):
        if self.observations:
            raise StoreUnavailable()
        return super().record_observations(observations)


def test_every_account_is_recorded_in_one_write_so_none_can_be_left_out(make_app, world):
    world.observations = StoreThatFailsAfterOneWrite()
    world.store.add_account(world.other_workspace_id, Provider.LINKEDIN, PROVIDER_ACCOUNT_ID, AccountStatus.OK)
    client = make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}).test_client()

    assert post(client, NEW_RELATION, new_relation()).get_json() == {"success": True, "recorded": 2}
    assert len(world.observations.observations) == 2


# --- malformed bodies ----------------------------------------------------------------------------

ACCOUNT_ID_RULE = "account_id must be a string of 1 to 255 printable characters"
MEMBER_ID_RULE = "user_provider_id must be a string of 1 to 100 printable characters"
SLUG_RULE = "user_public_identifier must be a string of 1 to 100 printable characters"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "Body must be a JSON object"),
        (b"event=new_relation", "Body must be a JSON object"),
        (json.dumps(new_relation())[:-1], "Body must be a JSON object"),
        (json.dumps([new_relation()]), "Body must be a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "Body must be a JSON object"),
        (json.dumps({"account_id": PROVIDER_ACCOUNT_ID}), "event must be a string"),
        (json.dumps(new_relation(event=None)), "event must be a string"),
        (json.dumps(new_relation(event=["new_relation"])), "event must be a string"),
        (json.dumps({k: v for k, v in new_relation().items() if k != "account_id"}), ACCOUNT_ID_RULE),
        (json.dumps(new_relation(account_id=42)), ACCOUNT_ID_RULE),
        (json.dumps(new_relation(account_id="")), ACCOUNT_ID_RULE),
        (json.dumps({k: v for k, v in new_relation().items() if k != "user_provider_id"}), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id=None)), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id="")), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id=7)), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id=" " + MEMBER_ID)), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id="A" * 101)), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_provider_id="ACo\u0000x")), MEMBER_ID_RULE),
        (json.dumps(new_relation(user_public_identifier="")), SLUG_RULE),
        (json.dumps(new_relation(user_public_identifier=["julien"])), SLUG_RULE),
        (json.dumps(new_relation(user_public_identifier="julien\ncrepieux")), SLUG_RULE),
    ],
    ids=[
        "empty", "form", "truncated", "list", "deeply-nested", "no-event", "null-event", "list-event",
        "no-account-id", "numeric-account-id", "empty-account-id", "no-member-id", "null-member-id",
        "empty-member-id", "numeric-member-id", "padded-member-id", "long-member-id", "nul-member-id",
        "empty-slug", "list-slug", "control-character-slug",
    ],
)
def test_a_malformed_body_is_400_and_records_nothing(client, world, body, message):
    assert_error(post(client, NEW_RELATION, body), 400, message)

    assert world.observations.observations == []


def test_a_huge_body_is_400_and_records_nothing(client, world):
    assert_error(
        post(client, NEW_RELATION, new_relation(padding="x" * 20_000)), 400, "Body must be at most 16384 bytes"
    )
    assert world.observations.observations == []


def test_nothing_but_the_ids_is_kept_and_the_secret_is_never_logged(client, world, caplog):
    with caplog.at_level(logging.DEBUG):
        post(client, NEW_RELATION, new_relation())
        post(client, NEW_RELATION, new_relation(), secret=SECRET + "-wrong")

    assert SECRET not in caplog.text
    assert "Crépieux" not in repr(world.observations.observations)
    assert "media.licdn.com" not in repr(world.observations.observations)


def test_its_answers_and_accepted_bodies_are_the_ones_the_openapi_document_describes(make_app, world):
    client = make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}).test_client()
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][NEW_RELATION]["post"]
    unconfigured = make_app().test_client()
    answers = [
        (new_relation(), post(client, NEW_RELATION, new_relation()), 200),
        (new_relation(account_id="unknown"), post(client, NEW_RELATION, new_relation(account_id="unknown")), 200),
        ({"event": "other"}, post(client, NEW_RELATION, {"event": "other"}), 200),
        (None, post(client, NEW_RELATION, new_relation(user_provider_id="")), 400),
        (None, post(client, NEW_RELATION, new_relation(), secret="wrong"), 401),
        (None, post(unconfigured, NEW_RELATION, new_relation()), 503),
    ]
    for accepted, response, status in answers:
        assert response.status_code == status
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        # Closed: a field the document does not declare fails.
        OAS31Validator({"allOf": [schema], "unevaluatedProperties": False}).validate(response.get_json())
        if accepted is not None:
            OAS31Validator(operation["requestBody"]["content"]["application/json"]["schema"]).validate(accepted)
