"""Relations become first-degree observations: the new_relation webhook's rule and the import."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import ProviderFailure, ProviderFailureCode, StoreUnavailable
from domain.model import AccountStatus, Provider
from domain.observations import Observation
from domain.relations import Relation, UnknownAccount, import_relations, record_new_relation
from tests.fakes import FakeClock, FakeLinkedInRelations, FakeObservationStore, FakeProspectStore

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)
UNIPILE_ID = "t5XY4yQzR9WVrlNFyzPMhw"
JANE = Relation("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "jane-doe-4a1b2c3")
JOHN = Relation("ACoAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", None)


@pytest.fixture
def store():
    return FakeProspectStore()


@pytest.fixture
def observations():
    return FakeObservationStore()


def connect(store, unipile_id=UNIPILE_ID, name="Acme"):
    workspace = store.add_workspace(name)
    return store.add_account(workspace.id, Provider.LINKEDIN, unipile_id, AccountStatus.OK)


def first_degree(account_id, member, observed_at=NOW):
    return Observation(
        account_id=account_id,
        identifier=member.public_identifier or member.member_id,
        provider_id=member.member_id,
        public_identifier=member.public_identifier,
        network_distance="FIRST_DEGREE",
        is_relationship=True,
        is_self=False,
        invitation=None,
        observed_at=observed_at,
    )


def test_a_new_relation_is_first_degree_now_for_every_account_with_that_unipile_id(store, observations):
    ours = connect(store)
    theirs = connect(store, name="Other")
    connect(store, unipile_id="someone-else", name="Third")

    recorded = record_new_relation(UNIPILE_ID, JANE, store=store, observations=observations, observed_at=NOW)

    assert recorded == 2
    assert observations.observations == [first_degree(ours.id, JANE), first_degree(theirs.id, JANE)]


def test_a_member_without_a_public_identifier_is_recorded_by_its_member_id(store, observations):
    account = connect(store)

    record_new_relation(UNIPILE_ID, JOHN, store=store, observations=observations, observed_at=NOW)

    assert observations.observations == [first_degree(account.id, JOHN)]
    assert observations.observations[0].identifier == JOHN.member_id


def test_a_new_relation_for_an_unknown_account_records_nothing(store, observations):
    connect(store)

    assert record_new_relation("unknown", JANE, store=store, observations=observations, observed_at=NOW) == 0
    assert observations.observations == []


def test_a_new_relation_the_store_refuses_records_for_no_account(store, observations):
    connect(store)
    connect(store, name="Other")
    observations.fail_with(StoreUnavailable())

    with pytest.raises(StoreUnavailable):
        record_new_relation(UNIPILE_ID, JANE, store=store, observations=observations, observed_at=NOW)
    observations.fail_with(None)
    assert observations.observations == []


def run_import(store, observations, relations, *, max_pages=50, clock=None, account_id=None):
    """Imports for `account_id`, by default the first account connected with UNIPILE_ID."""
    if account_id is None:
        account_id = min(a.id for a in store.accounts.values() if a.provider_account_id == UNIPILE_ID)
    return import_relations(
        account_id,
        store=store,
        observations=observations,
        relations=relations,
        max_pages=max_pages,
        now=clock or FakeClock(NOW),
    )


def test_an_import_records_every_listed_member_for_every_account_and_counts_pages(store, observations):
    ours, theirs = connect(store), connect(store, name="Other")
    relations = FakeLinkedInRelations((JANE,), (JOHN,), ())

    result = run_import(store, observations, relations)

    assert (result.relations, result.pages, result.failure) == (2, 3, None)
    assert sorted((o.account_id, o.provider_id) for o in observations.observations) == sorted(
        (account.id, member.member_id) for account in (ours, theirs) for member in (JANE, JOHN)
    )
    assert relations.calls == [(UNIPILE_ID, 50)]


def test_each_page_is_stamped_when_it_was_read(store, observations):
    connect(store)
    clock = FakeClock(NOW)

    class SlowRelations(FakeLinkedInRelations):
        def relation_pages(self, provider_account_id, *, max_pages):
            for page in super().relation_pages(provider_account_id, max_pages=max_pages):
                yield page
                clock.advance(60)

    run_import(store, observations, SlowRelations((JANE,), (JOHN,)), clock=clock)

    assert [o.observed_at for o in observations.observations] == [NOW, NOW + timedelta(seconds=60)]


def test_the_page_limit_is_passed_to_the_provider(store, observations):
    connect(store)
    relations = FakeLinkedInRelations((JANE,), (JOHN,), (JANE,))

    result = run_import(store, observations, relations, max_pages=2)

    assert (result.relations, result.pages) == (2, 2)
    assert relations.calls == [(UNIPILE_ID, 2)]


def test_a_failed_page_keeps_what_the_pages_before_it_recorded(store, observations):
    account = connect(store)
    relations = FakeLinkedInRelations((JANE,), (JOHN,))
    failure = ProviderFailure(ProviderFailureCode.RATE_LIMITED, "Unipile answered HTTP 429")
    relations.fail_with(failure, after_pages=1)

    result = run_import(store, observations, relations)

    assert (result.relations, result.pages, result.failure) == (1, 1, failure)
    assert observations.observations == [first_degree(account.id, JANE)]


def test_a_store_failure_midway_is_reported_with_what_was_recorded(store, observations):
    connect(store)

    class StoreFailsOnSecondPage(FakeLinkedInRelations):
        def relation_pages(self, provider_account_id, *, max_pages):
            pages = super().relation_pages(provider_account_id, max_pages=max_pages)
            yield next(pages)
            observations.fail_with(StoreUnavailable())
            yield from pages

    result = run_import(store, observations, StoreFailsOnSecondPage((JANE,), (JOHN,)))

    assert (result.relations, result.pages) == (1, 1)
    assert isinstance(result.failure, StoreUnavailable)


def test_an_unknown_account_is_refused_before_the_provider_is_asked(store, observations):
    account = connect(store)
    relations = FakeLinkedInRelations((JANE,))

    with pytest.raises(UnknownAccount):
        run_import(store, observations, relations, account_id=account.id + 1)
    assert relations.calls == [] and observations.observations == []


def test_a_member_missing_from_the_relations_is_not_recorded_at_all(store, observations):
    connect(store)

    run_import(store, observations, FakeLinkedInRelations((JANE,)))

    assert {o.provider_id for o in observations.observations} == {JANE.member_id}
