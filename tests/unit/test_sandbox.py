"""The sandbox provider: each outcome on purpose, every answer naming the member asked for."""

import pytest

from adapters.sandbox import SandboxLinkedInProvider
from domain.errors import ProviderFailure
from domain.model import AccountStatus, ConnectedAccount, ConnectionState, Provider, connection_state
from domain.observations import names_member
from domain.profile_url import ProfileIdentifier

ACCOUNT = ConnectedAccount(1, 1, Provider.LINKEDIN, "acc-1", AccountStatus.OK)


@pytest.mark.parametrize(
    "slug, state, level",
    [
        ("jane-first", ConnectionState.CONNECTED, 1),
        ("jane-relation", ConnectionState.CONNECTED, 1),
        ("jane-second", ConnectionState.NOT_CONNECTED, 2),
        ("jane-third", ConnectionState.NOT_CONNECTED, 3),
        ("jane-invited", ConnectionState.NOT_CONNECTED, 2),
        ("jane-self", ConnectionState.NOT_CONNECTED, None),
        ("jane", ConnectionState.NOT_CONNECTED, None),
        ("jane-unknown", ConnectionState.UNKNOWN, None),
    ],
)
def test_the_identifier_picks_the_outcome_and_the_answer_names_the_member(slug, state, level):
    profile = ProfileIdentifier(slug)

    relationship = SandboxLinkedInProvider().profile_relationship(ACCOUNT, profile)

    assert connection_state(relationship) == (state, level)
    assert names_member(relationship.provider_id, relationship.public_identifier, profile)
    assert relationship.provider_id.startswith("ACoAA")


def test_an_unavailable_profile_fails():
    with pytest.raises(ProviderFailure):
        SandboxLinkedInProvider().profile_relationship(ACCOUNT, ProfileIdentifier("jane-unavailable"))
