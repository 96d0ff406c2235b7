"""The ObservationStore contract, run against the fake and the SQL store on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from adapters.sql_observations import SqlObservationStore
from adapters.sql_store import create_engine_for
from domain.errors import StoreUnavailable
from domain.model import MAX_ID, Invitation, InvitationStatus, InvitationType
from domain.observations import Observation
from domain.ports import ObservationStore
from domain.profile_url import LinkedInApi, ProfileIdentifier
from tests.fakes import FakeObservationStore

SQL_STORE_FIXTURES = {"sqlite": "sqlite_observation_store", "postgresql": "pg_observation_store"}
NOON = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
JANE_ID = "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E"
JANE = ProfileIdentifier("jane-doe-4a1b2c3")
ACCOUNT = 7


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request) -> ObservationStore:
    if request.param == "fake":
        return FakeObservationStore()
    return request.getfixturevalue(SQL_STORE_FIXTURES[request.param])


def observation(**changes) -> Observation:
    seen = Observation(
        account_id=ACCOUNT,
        identifier="jane-doe-4a1b2c3",
        provider_id=JANE_ID,
        public_identifier="jane-doe-4a1b2c3",
        network_distance="SECOND_DEGREE",
        is_relationship=False,
        is_self=False,
        invitation=Invitation(InvitationType.SENT, InvitationStatus.PENDING),
        observed_at=NOON,
    )
    return dataclasses.replace(seen, **changes)


def test_an_observation_comes_back_whole(store):
    recorded = observation()

    assert store.record_observations([recorded]) == 1

    assert store.latest_observation(ACCOUNT, JANE, NOON - timedelta(hours=1)) == recorded


def test_unknown_fields_come_back_as_unknown(store):
    recorded = observation(
        provider_id=None, network_distance=None, is_relationship=None, is_self=None, invitation=None
    )
    store.record_observations([recorded])

    assert store.latest_observation(ACCOUNT, JANE, NOON) == recorded


@pytest.mark.parametrize(
    "asked",
    [
        ProfileIdentifier(JANE_ID),
        ProfileIdentifier("Jane-Doe-4A1B2C3"),
        ProfileIdentifier(JANE_ID, LinkedInApi.SALES_NAVIGATOR),
    ],
    ids=["member-id", "slug-other-case", "member-id-any-api"],
)
def test_a_member_is_found_by_its_member_id_or_its_slug_in_any_case(store, asked):
    recorded = observation()
    store.record_observations([recorded])

    assert store.latest_observation(ACCOUNT, asked, NOON) == recorded


def test_a_slug_unipile_spells_encoded_is_found_decoded(store):
    recorded = observation(public_identifier="J%C3%BCrgen-M%C3%BCller", identifier="jürgen-müller")
    store.record_observations([recorded])

    assert store.latest_observation(ACCOUNT, ProfileIdentifier("jürgen-müller"), NOON) == recorded
    assert store.latest_observation(ACCOUNT, ProfileIdentifier("JÜRGEN-MÜLLER"), NOON) == recorded


@pytest.mark.parametrize(
    "asked",
    [
        ProfileIdentifier(JANE_ID.lower()),
        ProfileIdentifier(JANE_ID[:-1]),
        ProfileIdentifier("jane-doe"),
        ProfileIdentifier("john-roe"),
        ProfileIdentifier("jane\x00doe"),
    ],
    ids=["member-id-other-case", "member-id-prefix", "slug-prefix", "other-member", "nul"],
)
def test_another_member_is_not_found(store, asked):
    store.record_observations([observation()])

    assert store.latest_observation(ACCOUNT, asked, NOON - timedelta(days=1)) is None


def test_an_answer_that_named_nobody_is_found_by_nobody(store):
    store.record_observations([observation(provider_id=None, public_identifier=None)])

    assert store.latest_observation(ACCOUNT, JANE, NOON - timedelta(days=1)) is None


def test_an_observation_belongs_to_its_account(store):
    store.record_observations([observation(account_id=ACCOUNT)])

    assert store.latest_observation(ACCOUNT + 1, JANE, NOON - timedelta(days=1)) is None
    for unstorable_account_id in (0, MAX_ID + 1, -(2**63) - 1):
        assert store.latest_observation(unstorable_account_id, JANE, NOON - timedelta(days=1)) is None


def test_the_newest_observation_answers(store):
    older = observation(network_distance="SECOND_DEGREE", observed_at=NOON - timedelta(minutes=5))
    newest = observation(network_distance="FIRST_DEGREE", invitation=None, observed_at=NOON)
    oldest = observation(network_distance="THIRD_DEGREE", observed_at=NOON - timedelta(days=2))
    store.record_observations([older, newest])
    store.record_observations([oldest])

    assert store.latest_observation(ACCOUNT, JANE, NOON - timedelta(days=3)) == newest


def test_of_two_observations_at_the_same_moment_the_later_recorded_answers(store):
    store.record_observations([observation(network_distance="SECOND_DEGREE")])
    later = observation(network_distance="FIRST_DEGREE")
    store.record_observations([later])

    assert store.latest_observation(ACCOUNT, JANE, NOON) == later


def test_observations_made_before_the_moment_asked_for_do_not_answer(store):
    recorded = observation(observed_at=NOON)
    store.record_observations([recorded])

    assert store.latest_observation(ACCOUNT, JANE, NOON) == recorded
    assert store.latest_observation(ACCOUNT, JANE, NOON + timedelta(microseconds=1)) is None
    assert store.latest_observation(ACCOUNT, JANE, NOON + timedelta(seconds=1)) is None


def test_moments_in_other_time_zones_are_the_same_moments(store):
    paris = timezone(timedelta(hours=1))
    recorded = observation(observed_at=datetime(2026, 12, 5, 13, 0, tzinfo=paris))
    store.record_observations([recorded])

    found = store.latest_observation(ACCOUNT, JANE, NOON)

    assert found is not None and found.observed_at == NOON
    assert store.latest_observation(ACCOUNT, JANE, NOON + timedelta(seconds=1)) is None


def test_recording_nothing_records_nothing(store):
    assert store.record_observations([]) == 0
    assert store.purge_observations(NOON + timedelta(days=1)) == 0


def test_a_batch_that_cannot_be_recorded_whole_records_nothing(store):
    good = observation(provider_id="ACoAAGood", public_identifier="good-one", identifier="good-one")
    broken = observation(identifier=None)

    with pytest.raises(Exception):
        store.record_observations([good, broken])

    assert store.latest_observation(ACCOUNT, ProfileIdentifier("good-one"), NOON - timedelta(days=1)) is None


def test_purge_deletes_what_was_observed_before_the_moment_and_counts_it(store):
    store.record_observations([
        observation(observed_at=NOON - timedelta(days=31)),
        observation(observed_at=NOON - timedelta(days=30, seconds=1)),
        observation(observed_at=NOON - timedelta(days=30), network_distance="FIRST_DEGREE"),
        observation(account_id=ACCOUNT + 1, observed_at=NOON - timedelta(days=40)),
    ])

    assert store.purge_observations(NOON - timedelta(days=30)) == 3

    kept = store.latest_observation(ACCOUNT, JANE, NOON - timedelta(days=365))
    assert kept is not None and kept.network_distance == "FIRST_DEGREE"
    assert store.latest_observation(ACCOUNT + 1, JANE, NOON - timedelta(days=365)) is None
    assert store.purge_observations(NOON - timedelta(days=30)) == 0


def test_many_observations_are_recorded_at_once(store):
    batch = [
        observation(identifier=f"member-{n}", provider_id=f"ACoAA{n}", public_identifier=f"member-{n}")
        for n in range(1000)
    ]

    assert store.record_observations(batch) == 1000

    assert store.latest_observation(ACCOUNT, ProfileIdentifier("member-999"), NOON) == batch[-1]
    assert store.latest_observation(ACCOUNT, ProfileIdentifier("ACoAA0"), NOON) == batch[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.record_observations([observation()]),
        lambda store: store.latest_observation(ACCOUNT, JANE, NOON),
        lambda store: store.purge_observations(NOON),
    ],
    ids=["record", "latest", "purge"],
)
def test_a_database_that_cannot_be_reached_is_unavailable_not_an_error(call):
    # Nothing listens on port 1: the connection is refused at once.
    store = SqlObservationStore(create_engine_for("postgresql://postgres@127.0.0.1:1/test"))

    with pytest.raises(StoreUnavailable):
        call(store)


@pytest.mark.parametrize("engine_fixture", ["sqlite_engine", pytest.param("pg_engine", marks=pytest.mark.postgres)])
def test_the_lookup_is_served_by_the_indexes_whatever_the_table_holds(request, engine_fixture):
    engine = request.getfixturevalue(engine_fixture)
    store = SqlObservationStore(engine)
    store.record_observations([
        observation(account_id=account, identifier=f"m-{n}", provider_id=f"ACoAA{n}", public_identifier=f"m-{n}")
        for account in range(1, 41)
        for n in range(100)
    ])
    statements: list[str] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        store.latest_observation(3, ProfileIdentifier("m-7"), NOON - timedelta(days=1))
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    [(statement, parameters)] = statements

    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
        else:
            connection.exec_driver_sql("ANALYZE observations")
            plan = " ".join(
                str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )

    assert "ix_observations_account_id_provider_id_observed_at" in plan
    assert "ix_observations_account_id_slug_key_observed_at" in plan
    assert "SCAN observations" not in plan and "Seq Scan" not in plan
