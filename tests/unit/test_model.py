import pytest

from domain.errors import NoActiveLinkedInAccount, RequestedAccountUnavailable
from domain.model import (
    AccountStatus,
    ConnectedAccount,
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


def test_connected_only_at_first_degree_and_never_for_a_pending_invitation():
    chosen = account(42)
    first = connection_status_from(ProfileRelationship("FIRST_DEGREE"), chosen)
    invited = connection_status_from(
        ProfileRelationship(
            "SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING)
        ),
        chosen,
    )
    assert (first.is_connected, first.connection_level, first.checked_with_account_id) == (True, 1, 42)
    assert (invited.is_connected, invited.connection_level) == (False, 2)
    assert invited.invitation == Invitation(InvitationType.SENT, InvitationStatus.PENDING)


def test_raw_distance_is_echoed_even_when_it_has_no_level():
    status = connection_status_from(ProfileRelationship("OUT_OF_NETWORK"), account(1))
    assert (status.network_distance, status.connection_level, status.is_connected) == (
        "OUT_OF_NETWORK",
        None,
        False,
    )
