from datetime import datetime, timezone

import pytest

from domain.errors import NoActiveLinkedInAccount, RequestedAccountUnavailable
from domain.model import (
    AccountStatus,
    AnswerSource,
    ConnectedAccount,
    ConnectionState,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
    Provider,
    connection_status_from,
    distance_to_level,
    select_account,
)


def account(id, status=AccountStatus.OK, provider=Provider.LINKEDIN, workspace_id=1):
    return ConnectedAccount(
        id=id,
        workspace_id=workspace_id,
        provider=provider,
        provider_account_id=f"acc-{id}",
        status=status,
    )


@pytest.mark.parametrize(
    "distance, level",
    [
        ("FIRST_DEGREE", 1),
        ("SECOND_DEGREE", 2),
        ("THIRD_DEGREE", 3),
        ("DISTANCE_1", 1),
        ("DISTANCE_2", 2),
        ("DISTANCE_3", 3),
        ("OUT_OF_NETWORK", None),
        ("SELF", None),
        ("FOURTH_DEGREE", None),
        ("first_degree", None),
        ("", None),
        (None, None),
    ],
)
def test_distance_maps_to_the_contract_level(distance, level):
    assert distance_to_level(distance) == level


@pytest.mark.parametrize("status", ["OK", "SYNC_SUCCESS", "CREATION_SUCCESS", "RECONNECTED"])
def test_each_active_status_makes_an_account_usable(status):
    chosen = select_account([account(7, AccountStatus(status))], None)
    assert chosen.id == 7


@pytest.mark.parametrize(
    "status",
    ["CONNECTING", "CREDENTIALS", "PERMISSIONS", "ERROR", "STOPPED", "CREATION_FAIL", "DELETED"],
)
def test_inactive_statuses_are_never_chosen(status):
    with pytest.raises(NoActiveLinkedInAccount):
        select_account([account(7, AccountStatus(status))], None)


def test_default_is_the_lowest_id_active_linkedin_account_whatever_the_order():
    accounts = [
        account(9),
        account(3, AccountStatus.CREDENTIALS),
        account(5, provider=Provider.WHATSAPP),
        account(6, AccountStatus.RECONNECTED),
        account(8),
    ]
    assert select_account(accounts, None).id == 6


def test_no_accounts_at_all_means_no_active_account():
    with pytest.raises(NoActiveLinkedInAccount):
        select_account([], None)


def test_a_non_linkedin_account_is_not_a_linkedin_account():
    with pytest.raises(NoActiveLinkedInAccount):
        select_account([account(1, provider=Provider.WHATSAPP)], None)


def test_explicit_account_is_used_even_when_a_lower_one_is_active():
    assert select_account([account(1), account(2)], 2).id == 2


@pytest.mark.parametrize(
    "accounts, requested",
    [
        ([account(1)], 99),
        ([account(1), account(2, AccountStatus.CREDENTIALS)], 2),
        ([account(1), account(2, provider=Provider.WHATSAPP)], 2),
        ([], 1),
        ([account(1)], 2**64),
    ],
    ids=["unknown", "inactive", "not-linkedin", "no-accounts", "beyond-any-id"],
)
def test_explicit_account_must_be_an_active_linkedin_account(accounts, requested):
    with pytest.raises(RequestedAccountUnavailable):
        select_account(accounts, requested)


CHECKED_AT = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def status_of(relationship, chosen=None, source=AnswerSource.LIVE):
    return connection_status_from(relationship, chosen or account(1), checked_at=CHECKED_AT, source=source)


def test_connected_only_at_first_degree_and_never_for_a_pending_invitation():
    chosen = account(42)
    first = status_of(ProfileRelationship("FIRST_DEGREE"), chosen)
    invited = status_of(
        ProfileRelationship("SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING)), chosen
    )
    assert (first.is_connected, first.connection_level, first.checked_with_account_id) == (True, 1, 42)
    assert (invited.is_connected, invited.connection_level) == (False, 2)
    assert invited.invitation == Invitation(InvitationType.SENT, InvitationStatus.PENDING)


CONNECTED, NOT_CONNECTED, UNKNOWN = (
    ConnectionState.CONNECTED,
    ConnectionState.NOT_CONNECTED,
    ConnectionState.UNKNOWN,
)


@pytest.mark.parametrize(
    "relationship, expected",
    [
        (ProfileRelationship("FIRST_DEGREE"), (CONNECTED, True, 1, "FIRST_DEGREE")),
        (ProfileRelationship("DISTANCE_1"), (CONNECTED, True, 1, "DISTANCE_1")),
        (ProfileRelationship("FIRST_DEGREE", is_relationship=False), (CONNECTED, True, 1, "FIRST_DEGREE")),
        (ProfileRelationship(None, is_relationship=True), (CONNECTED, True, 1, None)),
        (ProfileRelationship("SECOND_DEGREE", is_relationship=True), (CONNECTED, True, 1, "SECOND_DEGREE")),
        (ProfileRelationship("OUT_OF_NETWORK", is_relationship=True), (CONNECTED, True, 1, "OUT_OF_NETWORK")),
        (ProfileRelationship("SOMETHING_NEW", is_relationship=True), (CONNECTED, True, 1, None)),
        (ProfileRelationship("SECOND_DEGREE"), (NOT_CONNECTED, False, 2, "SECOND_DEGREE")),
        (ProfileRelationship("DISTANCE_2"), (NOT_CONNECTED, False, 2, "DISTANCE_2")),
        (ProfileRelationship("THIRD_DEGREE", is_relationship=False), (NOT_CONNECTED, False, 3, "THIRD_DEGREE")),
        (ProfileRelationship("DISTANCE_3"), (NOT_CONNECTED, False, 3, "DISTANCE_3")),
        (ProfileRelationship("OUT_OF_NETWORK"), (NOT_CONNECTED, False, None, "OUT_OF_NETWORK")),
        (ProfileRelationship(None, is_self=True), (NOT_CONNECTED, False, None, None)),
        (ProfileRelationship(None, is_relationship=False, is_self=True), (NOT_CONNECTED, False, None, None)),
        (ProfileRelationship("SELF"), (NOT_CONNECTED, False, None, "SELF")),
        (ProfileRelationship(None), (UNKNOWN, False, None, None)),
        (ProfileRelationship(None, is_relationship=False, is_self=False), (UNKNOWN, False, None, None)),
        (ProfileRelationship("SOMETHING_NEW"), (UNKNOWN, False, None, None)),
        (ProfileRelationship("first_degree"), (UNKNOWN, False, None, None)),
        (ProfileRelationship(""), (UNKNOWN, False, None, None)),
    ],
    ids=[
        "first-degree", "distance-1", "first-degree-without-relationship", "relationship-without-distance",
        "relationship-beats-second-degree", "relationship-beats-out-of-network",
        "relationship-with-unknown-distance", "second-degree", "distance-2", "third-degree", "distance-3",
        "out-of-network", "own-profile", "own-profile-not-a-relationship", "self-distance", "nothing-said",
        "only-false-flags", "unrecognised-distance", "other-case-distance", "empty-distance",
    ],
)
def test_each_answer_says_how_sure_it_is(relationship, expected):
    status = status_of(relationship)

    assert (
        status.connection_status,
        status.is_connected,
        status.connection_level,
        status.network_distance,
    ) == expected


def test_the_answer_carries_when_it_was_observed_and_where_it_comes_from():
    stored = status_of(ProfileRelationship("FIRST_DEGREE"), source=AnswerSource.STORED)

    assert (stored.checked_at, stored.source) == (CHECKED_AT, AnswerSource.STORED)
