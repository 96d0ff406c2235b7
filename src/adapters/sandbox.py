"""A LinkedIn provider for demos: answers from the profile identifier alone, with no network."""

from __future__ import annotations

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import (
    ConnectedAccount,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
)
from domain.profile_url import ProfileIdentifier


class SandboxLinkedInProvider:
    """The identifier's words pick the answer, so a demo can show every outcome on purpose:

    `first` -> FIRST_DEGREE, `second` -> SECOND_DEGREE, `third` -> THIRD_DEGREE,
    `invited` -> SECOND_DEGREE with our invitation pending, `unknown` -> no distance reported,
    `unavailable` -> a provider failure; anything else -> OUT_OF_NETWORK.
    """

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        words = profile.value.lower()
        if "unavailable" in words:
            raise ProviderFailure(ProviderFailureCode.ERROR, "sandbox: unavailable profile")
        if "invited" in words:
            return ProfileRelationship(
                "SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING)
            )
        for word, distance in (
            ("first", "FIRST_DEGREE"),
            ("second", "SECOND_DEGREE"),
            ("third", "THIRD_DEGREE"),
        ):
            if word in words:
                return ProfileRelationship(distance)
        if "unknown" in words:
            return ProfileRelationship(None)
        return ProfileRelationship("OUT_OF_NETWORK")
