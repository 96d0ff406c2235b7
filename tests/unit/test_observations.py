"""Remembered observations: which one answers a check, and when the provider is asked instead."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from domain import services
from domain.errors import (
    InvalidLinkedInProfileUrl,
    InvalidRequest,
    NoActiveLinkedInAccount,
    ProspectNotFound,
    ProviderFailure,
    ProviderFailureCode,
    StoreUnavailable,
)
from domain.model import (
    AccountStatus,
    AnswerSource,
    ConnectionState,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
    Provider,
)
from domain.observations import (
    INVALID_MAX_AGE,
    Observation,
    may_answer,
    requested_max_age,
    reuse_since,
)
from domain.profile_url import ProfileIdentifier
from tests.fakes import FakeClock, FakeLinkedInProvider, FakeObservationStore, FakeProspectStore

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
THIRTY_DAYS = timedelta(days=30)
JANE_ID = "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E"
PENDING = Invitation(InvitationType.SENT, InvitationStatus.PENDING)


def seen(*, account_id=1, at=NOON, **changes) -> Observation:
    fields = dict(
        account_id=account_id,
        identifier="jane-doe",
        provider_id=JANE_ID,
        public_identifier="jane-doe",
        network_distance="FIRST_DEGREE",
        is_relationship=True,
        is_self=False,
        invitation=None,
        observed_at=at,
    )
    fields.update(changes)
    return Observation(**fields)


# --- max_age, as the caller writes it ------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "0", "000"])
def test_no_max_age_or_zero_asks_for_a_live_answer(text):
    assert requested_max_age(text) is None


@pytest.mark.parametrize(
    "text, seconds", [("1", 1), ("3600", 3600), ("0086400", 86400), ("2592000", 2592000)]
)
def test_max_age_is_a_whole_number_of_seconds(text, seconds):
    assert requested_max_age(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "text",
    ["-1", "2592001", "1.5", "1e3", " 60", "60 ", "+60", "abc", "６０", "9" * 5000, "0x10", "60s"],
)
def test_any_other_max_age_is_refused_with_the_rule(text):
    with pytest.raises(InvalidRequest) as refused:
        requested_max_age(text)
    assert refused.value.message == INVALID_MAX_AGE == (
        "max_age must be a whole number of seconds between 0 and 2592000"
    )


# --- the rule that picks a stored answer ---------------------------------------------------------


def test_an_observation_younger_than_max_age_answers():
    assert may_answer(seen(at=NOON - timedelta(seconds=59)), now=NOON, max_age=timedelta(seconds=60), retention=THIRTY_DAYS)


@pytest.mark.parametrize("age", [timedelta(seconds=60), timedelta(seconds=61), timedelta(days=2)])
def test_an_observation_as_old_as_max_age_or_older_does_not(age):
    assert not may_answer(seen(at=NOON - age), now=NOON, max_age=timedelta(seconds=60), retention=THIRTY_DAYS)


def test_without_max_age_no_observation_answers():
    assert not may_answer(seen(at=NOON), now=NOON, max_age=None, retention=THIRTY_DAYS)
    assert not may_answer(None, now=NOON, max_age=timedelta(days=1), retention=THIRTY_DAYS)


def test_an_observation_past_the_retention_never_answers_whatever_max_age_allows():
    retention = timedelta(days=7)
    old = seen(at=NOON - timedelta(days=7))

    assert not may_answer(old, now=NOON, max_age=THIRTY_DAYS, retention=retention)
    assert may_answer(seen(at=NOON - timedelta(days=6)), now=NOON, max_age=THIRTY_DAYS, retention=retention)
    assert reuse_since(NOON, THIRTY_DAYS, retention) == NOON - retention
    assert reuse_since(NOON, timedelta(seconds=60), retention) == NOON - timedelta(seconds=60)


# --- the check with observations ----------------------------------------------------------------


@pytest.fixture
def world():
    store = FakeProspectStore()
    workspace = store.add_workspace("Acme")
    first = store.add_account(workspace.id, Provider.LINKEDIN, "acc-a", AccountStatus.OK)
    second = store.add_account(workspace.id, Provider.LINKEDIN, "acc-b", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/Jane-Doe/")
    provider = FakeLinkedInProvider()
    provider.answer(
        "Jane-Doe",
        ProfileRelationship(
            "SECOND_DEGREE", PENDING, provider_id=JANE_ID, public_identifier="jane-doe",
            is_relationship=False, is_self=False,
        ),
    )
    return {
        "store": store, "workspace": workspace, "first": first, "second": second,
        "prospect": prospect, "provider": provider, "observations": FakeObservationStore(),
        "clock": FakeClock(NOON),
    }


def check(world, *, max_age=None, account_id=None, prospect_id=None, retention=THIRTY_DAYS):
    return services.check_connection_status(
        workspace_id=world["workspace"].id,
        context=world["store"].check_lookup(prospect_id or world["prospect"].id).context,
        requested_account=account_id,
        max_age=max_age,
        provider=world["provider"],
        observations=world["observations"],
        clock=world["clock"],
        retention=retention,
    )


def test_a_live_answer_is_recorded_with_its_ids_and_relationship_only(world):
    status = check(world)

    assert (status.source, status.checked_at) == (AnswerSource.LIVE, NOON)
    assert world["observations"].observations == [
        Observation(
            account_id=world["first"].id,
            identifier="Jane-Doe",
            provider_id=JANE_ID,
            public_identifier="jane-doe",
            network_distance="SECOND_DEGREE",
            is_relationship=False,
            is_self=False,
            invitation=PENDING,
            observed_at=NOON,
        )
    ]


def test_a_failed_lookup_is_never_recorded(world):
    world["provider"].fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT, "slow"))

    with pytest.raises(ProviderFailure):
        check(world, max_age="3600")

    assert world["observations"].observations == []


def test_a_young_enough_observation_answers_without_asking_the_provider(world):
    world["observations"].record_observations(
        [seen(account_id=world["first"].id, at=NOON - timedelta(minutes=10), invitation=PENDING)]
    )

    status = check(world, max_age="3600")

    assert world["provider"].calls == []
    assert (status.source, status.checked_at, status.connection_status, status.connection_level) == (
        AnswerSource.STORED, NOON - timedelta(minutes=10), ConnectionState.CONNECTED, 1,
    )
    assert (status.invitation, status.checked_with_account_id) == (PENDING, world["first"].id)
    # Nothing new was recorded: the stored answer is not a new observation.
    assert len(world["observations"].observations) == 1


def test_an_older_observation_makes_the_check_live(world):
    world["observations"].record_observations([seen(account_id=world["first"].id, at=NOON - timedelta(hours=2))])

    status = check(world, max_age="3600")

    assert status.source is AnswerSource.LIVE and len(world["provider"].calls) == 1
    assert status.connection_status is ConnectionState.NOT_CONNECTED


@pytest.mark.parametrize("max_age", [None, "", "0"])
def test_without_max_age_the_check_is_live_even_with_a_fresh_observation(world, max_age):
    world["observations"].record_observations([seen(account_id=world["first"].id, at=NOON)])

    assert check(world, max_age=max_age).source is AnswerSource.LIVE
    assert len(world["provider"].calls) == 1


def test_another_accounts_observation_is_never_reused(world):
    world["observations"].record_observations([seen(account_id=world["second"].id, at=NOON)])

    status = check(world, max_age="3600")

    assert status.source is AnswerSource.LIVE
    assert check(world, max_age="3600", account_id=str(world["second"].id)).source is AnswerSource.STORED


def test_the_retention_cuts_what_max_age_allows(world):
    world["observations"].record_observations([seen(account_id=world["first"].id, at=NOON - timedelta(days=2))])

    assert check(world, max_age="2592000", retention=timedelta(days=1)).source is AnswerSource.LIVE
    world["clock"].now = NOON  # the live check just recorded a fresh one
    assert check(world, max_age="2592000", retention=timedelta(days=1)).source is AnswerSource.STORED


def test_a_check_still_answers_when_its_observation_cannot_be_recorded(world, caplog):
    world["observations"].fail_with(StoreUnavailable())

    with caplog.at_level(logging.WARNING, logger="domain.services"):
        status = check(world)

    assert (status.source, status.connection_status) == (AnswerSource.LIVE, ConnectionState.NOT_CONNECTED)
    assert "not recorded (StoreUnavailable)" in caplog.text


def test_observations_that_cannot_be_read_fail_the_check_before_the_provider_is_asked(world):
    world["observations"].fail_with(StoreUnavailable())

    with pytest.raises(StoreUnavailable):
        check(world, max_age="60")
    assert world["provider"].calls == []


@pytest.mark.parametrize(
    "changes, raised",
    [
        ({"prospect_id": 10**6}, ProspectNotFound),
        ({"url": "https://example.com/in/jane"}, InvalidLinkedInProfileUrl),
        ({"account_id": "x"}, "account_id must be a positive integer"),
        ({"no_accounts": True}, INVALID_MAX_AGE),
    ],
    ids=["unknown-prospect", "bad-url", "bad-account-id", "no-usable-account"],
)
def test_max_age_is_checked_with_account_id_in_the_contracts_order(world, changes, raised):
    if "url" in changes:
        world["prospect"] = world["store"].add_prospect(world["workspace"].id, changes["url"])
    if changes.get("no_accounts"):
        for account in (world["first"], world["second"]):
            world["store"].set_account_status(account.id, AccountStatus.CREDENTIALS)

    with pytest.raises((ProspectNotFound, InvalidLinkedInProfileUrl, InvalidRequest)) as refused:
        check(world, max_age="-1", account_id=changes.get("account_id"), prospect_id=changes.get("prospect_id"))

    if isinstance(raised, str):
        assert refused.value.message == raised
    else:
        assert isinstance(refused.value, raised)
    assert world["provider"].calls == []


def test_a_valid_max_age_still_needs_a_usable_account(world):
    for account in (world["first"], world["second"]):
        world["store"].set_account_status(account.id, AccountStatus.CREDENTIALS)

    with pytest.raises(NoActiveLinkedInAccount):
        check(world, max_age="60")


def test_a_stored_answer_is_found_by_member_id_when_the_url_gives_one(world):
    prospect = world["store"].add_prospect(world["workspace"].id, f"https://www.linkedin.com/in/{JANE_ID}")
    world["observations"].record_observations([seen(account_id=world["first"].id, at=NOON)])

    status = check(world, max_age="60", prospect_id=prospect.id)

    assert status.source is AnswerSource.STORED and world["provider"].calls == []


def test_the_stored_slug_matches_whatever_case_the_prospect_url_uses(world):
    world["observations"].record_observations(
        [seen(account_id=world["first"].id, at=NOON, provider_id=None, public_identifier="JANE-doe")]
    )

    assert check(world, max_age="60").source is AnswerSource.STORED


def test_the_member_id_must_match_exactly(world):
    prospect = world["store"].add_prospect(world["workspace"].id, f"https://www.linkedin.com/in/{JANE_ID.lower()}")
    world["observations"].record_observations([seen(account_id=world["first"].id, at=NOON)])

    assert world["observations"].latest_observation(
        world["first"].id, ProfileIdentifier(JANE_ID.lower()), NOON
    ) is None
    assert check(world, max_age="60", prospect_id=prospect.id).source is AnswerSource.LIVE
