"""How sure each answer is, and remembered observations with max_age, through both routes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import AccountStatus, Invitation, InvitationStatus, InvitationType, ProfileRelationship, Provider
from domain.observations import Observation
from domain.profile_url import ProfileIdentifier
from tests.fakes import FakeClock

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"
NOON = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
JANE = "jane-doe-4a1b2c3"
JANE_ID = "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E"
PENDING = Invitation(InvitationType.SENT, InvitationStatus.PENDING)
INVALID_MAX_AGE = "max_age must be a whole number of seconds between 0 and 2592000"


@pytest.fixture
def clock():
    return FakeClock(NOON)


@pytest.fixture(params=["public", "in-app"])
def check(request, make_app, world, clock, token_for):
    """A check through one route, on an app with the test's clock and settings."""
    apps = {}

    def get(prospect_id=None, query="", config=None):
        key = tuple(sorted((config or {}).items()))
        if key not in apps:
            apps[key] = make_app(config, clock=clock).test_client()
        prospect_id = world.prospect_id if prospect_id is None else prospect_id
        if request.param == "public":
            return apps[key].get(PUBLIC.format(prospect_id) + query, headers={"X-API-Key": world.api_key})
        bearer = {"Authorization": f"Bearer {token_for(world.user_id)}"}
        return apps[key].get(IN_APP.format(prospect_id) + query, headers=bearer)

    return get


def answer(world, relationship):
    world.provider.answer(JANE, relationship)


def observation(world, *, age, account_id=None, **changes):
    fields = dict(
        account_id=account_id or world.account_id,
        identifier=JANE,
        provider_id=JANE_ID,
        public_identifier=JANE,
        network_distance="SECOND_DEGREE",
        is_relationship=False,
        is_self=False,
        invitation=PENDING,
        observed_at=NOON - age,
    )
    fields.update(changes)
    return Observation(**fields)


def truth(body):
    return body["connection_status"], body["is_connected"], body["connection_level"], body["network_distance"]


# --- 1. a truthful answer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "relationship, expected",
    [
        (ProfileRelationship("FIRST_DEGREE"), ("connected", True, 1, "FIRST_DEGREE")),
        (ProfileRelationship("DISTANCE_1"), ("connected", True, 1, "DISTANCE_1")),
        (ProfileRelationship(None, is_relationship=True), ("connected", True, 1, None)),
        (ProfileRelationship("SECOND_DEGREE", is_relationship=True), ("connected", True, 1, "SECOND_DEGREE")),
        (ProfileRelationship("OUT_OF_NETWORK", is_relationship=True), ("connected", True, 1, "OUT_OF_NETWORK")),
        (ProfileRelationship("SECOND_DEGREE", is_relationship=False), ("not_connected", False, 2, "SECOND_DEGREE")),
        (ProfileRelationship("DISTANCE_2"), ("not_connected", False, 2, "DISTANCE_2")),
        (ProfileRelationship("THIRD_DEGREE"), ("not_connected", False, 3, "THIRD_DEGREE")),
        (ProfileRelationship("DISTANCE_3"), ("not_connected", False, 3, "DISTANCE_3")),
        (ProfileRelationship("OUT_OF_NETWORK"), ("not_connected", False, None, "OUT_OF_NETWORK")),
        (ProfileRelationship(None, is_relationship=False, is_self=True), ("not_connected", False, None, None)),
        (ProfileRelationship(None), ("unknown", False, None, None)),
        (ProfileRelationship(None, is_relationship=False), ("unknown", False, None, None)),
        (ProfileRelationship("FOURTH_DEGREE"), ("unknown", False, None, None)),
    ],
    ids=[
        "first-degree", "distance-1", "relationship-without-distance", "relationship-beats-second-degree",
        "relationship-beats-out-of-network", "second-degree", "distance-2", "third-degree", "distance-3",
        "out-of-network", "own-profile", "nothing-reported", "no-relationship-no-distance",
        "unrecognised-distance",
    ],
)
def test_every_answer_says_how_sure_it_is(check, world, relationship, expected):
    answer(world, relationship)

    response = check()

    assert response.status_code == 200
    assert truth(response.get_json()) == expected


def test_a_live_answer_is_dated_now_in_utc_and_says_it_is_live(check, world, clock):
    clock.now = datetime(2026, 12, 5, 13, 4, 5, 678000, tzinfo=timezone(timedelta(hours=1)))

    body = check().get_json()

    assert (body["checked_at"], body["source"]) == ("2026-12-05T12:04:05Z", "live")


# --- 2. remembered observations ------------------------------------------------------------------


def test_every_live_answer_is_recorded_with_ids_and_relationship_only(check, world):
    answer(world, ProfileRelationship(
        "SECOND_DEGREE", PENDING, provider_id=JANE_ID, public_identifier=JANE, is_relationship=False, is_self=False
    ))

    check()
    check(query="?max_age=0")

    assert world.observations.observations == [observation(world, age=timedelta(0))] * 2


def test_a_failed_lookup_is_never_recorded(check, world):
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT, "slow"))

    assert check(query="?max_age=60").status_code == 502
    assert world.observations.observations == []


def test_a_young_enough_observation_answers_without_the_provider(check, world):
    world.observations.record_observations([observation(world, age=timedelta(minutes=59))])

    response = check(query="?max_age=3600")

    assert response.status_code == 200
    assert response.get_json() == {
        "success": True,
        "connection_status": "not_connected",
        "is_connected": False,
        "connection_level": 2,
        "network_distance": "SECOND_DEGREE",
        "checked_with_account_id": world.account_id,
        "invitation": {"type": "SENT", "status": "PENDING"},
        "checked_at": "2026-12-05T11:01:00Z",
        "source": "stored",
    }
    assert world.provider.calls == []


def test_the_newest_observation_answers(check, world):
    world.observations.record_observations([
        observation(world, age=timedelta(minutes=30)),
        observation(world, age=timedelta(minutes=5), network_distance="FIRST_DEGREE", is_relationship=True,
                    invitation=None),
    ])

    body = check(query="?max_age=3600").get_json()

    assert (body["connection_status"], body["checked_at"], body["source"]) == (
        "connected", "2026-12-05T11:55:00Z", "stored"
    )


def test_an_observation_as_old_as_max_age_makes_the_check_live(check, world):
    world.observations.record_observations([observation(world, age=timedelta(hours=1))])

    body = check(query="?max_age=3600").get_json()

    assert body["source"] == "live" and len(world.provider.calls) == 1


def test_an_observation_past_the_retention_never_answers(check, world):
    retention = {"OBSERVATION_RETENTION_DAYS": "1"}
    world.observations.record_observations([observation(world, age=timedelta(days=1))])
    assert check(query="?max_age=2592000", config=retention).get_json()["source"] == "live"

    world.observations.observations = [observation(world, age=timedelta(hours=23))]
    assert check(query="?max_age=2592000", config=retention).get_json()["source"] == "stored"


@pytest.mark.parametrize("query", ["", "?max_age=0", "?max_age=", "?max_age=000"])
def test_without_max_age_or_with_zero_the_check_is_live(check, world, query):
    world.observations.record_observations([observation(world, age=timedelta(0))])

    body = check(query=query).get_json()

    assert (body["source"], body["checked_at"]) == ("live", "2026-12-05T12:00:00Z")
    assert len(world.provider.calls) == 1


def test_a_live_answer_is_reused_by_the_next_check_that_allows_it(check, world, clock):
    answer(world, ProfileRelationship("FIRST_DEGREE", is_relationship=True))
    first = check(query="?max_age=86400").get_json()
    clock.advance(600)

    again = check(query="?max_age=86400").get_json()

    assert (first["source"], again["source"]) == ("live", "stored")
    assert again["checked_at"] == first["checked_at"] == "2026-12-05T12:00:00Z"
    assert truth(again) == ("connected", True, 1, "FIRST_DEGREE")
    assert len(world.provider.calls) == 1


@pytest.mark.parametrize(
    "raw", ["-1", "2592001", "1.5", "1e3", "sixty", "%2B60", "%2060", "9" * 400, "%EF%BC%96%EF%BC%90"]
)
def test_any_other_max_age_is_a_clear_400_before_the_provider(check, world, raw):
    response = check(query=f"?max_age={raw}")

    assert response.status_code == 400
    assert response.get_json() == {"success": False, "error": INVALID_MAX_AGE}
    assert world.provider.calls == []


def test_max_age_is_checked_with_account_id_in_the_contracts_order(check, world):
    other_prospect = world.other_prospect_id
    no_url = world.store.add_prospect(world.workspace_id, None).id
    bad_url = world.store.add_prospect(world.workspace_id, "https://example.com/in/jane").id

    assert check(prospect_id=987654, query="?max_age=x").status_code == 404
    assert check(prospect_id=other_prospect, query="?max_age=x").status_code == 403
    assert check(prospect_id=no_url, query="?max_age=x").get_json()["error"] == (
        "Prospect has no LinkedIn profile URL to check against"
    )
    assert check(prospect_id=bad_url, query="?max_age=x").get_json()["error"] == (
        "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL"
    )
    assert check(query="?max_age=x&account_id=y").get_json()["error"] == "account_id must be a positive integer"
    assert check(query="?max_age=x&account_id=424242").get_json()["error"] == INVALID_MAX_AGE
    world.store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)
    assert check(query="?max_age=x").get_json()["error"] == INVALID_MAX_AGE
    assert check(query="?max_age=60").get_json()["error"] == (
        "No active LinkedIn account is connected to this workspace"
    )
    assert world.provider.calls == []


def test_an_observation_belongs_to_the_account_that_made_it(check, world):
    other = world.store.add_account(world.workspace_id, Provider.LINKEDIN, "second", AccountStatus.OK)
    world.observations.record_observations([observation(world, age=timedelta(0), account_id=other.id)])

    default_account = check(query="?max_age=60").get_json()
    chosen = check(query=f"?max_age=60&account_id={other.id}").get_json()

    assert (default_account["source"], default_account["checked_with_account_id"]) == ("live", world.account_id)
    assert (chosen["source"], chosen["checked_with_account_id"]) == ("stored", other.id)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/JANE-Doe-4A1B2C3/",
        "https://www.linkedin.com/in/jane%2Ddoe%2D4a1b2c3",
        f"https://www.linkedin.com/in/{JANE_ID}",
    ],
    ids=["slug-other-case", "slug-encoded", "member-id"],
)
def test_a_prospect_matches_by_its_slug_in_any_case_or_by_member_id(check, world, url):
    prospect = world.store.add_prospect(world.workspace_id, url)
    world.observations.record_observations([observation(world, age=timedelta(0))])

    assert check(prospect_id=prospect.id, query="?max_age=60").get_json()["source"] == "stored"
    assert world.provider.calls == []


def test_another_member_id_or_slug_does_not_match(check, world):
    world.observations.record_observations([observation(world, age=timedelta(0))])
    for url in (f"https://www.linkedin.com/in/{JANE_ID.lower()}", "https://www.linkedin.com/in/jane-doe"):
        prospect = world.store.add_prospect(world.workspace_id, url)
        assert check(prospect_id=prospect.id, query="?max_age=60").get_json()["source"] == "live"


def test_a_stored_answer_touches_neither_the_daily_budget_nor_a_cool_down(check, world, clock):
    budget = {"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": "2"}
    assert check(config=budget).status_code == 200  # one lookup spent; recorded
    for _ in range(5):
        assert check(query="?max_age=60", config=budget).get_json()["source"] == "stored"
    assert check(config=budget).status_code == 200  # the second lookup is still there
    assert check(config=budget).status_code == 429
    assert check(query="?max_age=60", config=budget).get_json()["source"] == "stored"

    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, "slow down", retry_after=600))
    clock.advance(30)
    assert check().get_json()["code"] == "provider_rate_limited"  # the account cools down for 600 s
    calls = len(world.provider.calls)
    assert check().get_json()["code"] == "provider_rate_limited"
    assert check(query="?max_age=60").get_json()["source"] == "stored"
    assert len(world.provider.calls) == calls


def test_a_check_answers_even_when_its_observation_cannot_be_recorded(check, world, caplog):
    class Broken(Exception):
        pass

    world.observations.fail_with(Broken("disk full"))

    with caplog.at_level(logging.WARNING):
        response = check()

    assert (response.status_code, response.get_json()["source"]) == (200, "live")
    assert "not recorded (Broken)" in caplog.text


def test_observations_that_cannot_be_read_are_a_503_not_a_lookup(check, world):
    from domain.errors import StoreUnavailable

    world.observations.fail_with(StoreUnavailable())

    response = check(query="?max_age=60")

    assert response.status_code == 503 and world.provider.calls == []


def test_stored_answers_are_logged_as_such(check, world, caplog):
    world.observations.record_observations([observation(world, age=timedelta(0))])

    with caplog.at_level(logging.INFO, logger="connection_status.requests"):
        check(query="?max_age=60")

    [record] = [r for r in caplog.records if r.name == "connection_status.requests"]
    assert (record.fields["answer_source"], record.fields["provider_outcome"]) == ("stored", None)
    assert record.fields["account_id"] == world.account_id


def test_the_store_finds_what_the_check_recorded(check, world):
    check()

    assert world.observations.latest_observation(world.account_id, ProfileIdentifier(JANE), NOON) is not None
