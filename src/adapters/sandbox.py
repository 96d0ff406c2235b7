"""A LinkedIn provider for demos: answers from the profile identifier alone, with no network."""

from __future__ import annotations

import hashlib

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

    `first` -> FIRST_DEGREE, `relation` -> a relationship with no distance reported,
    `second` -> SECOND_DEGREE, `third` -> THIRD_DEGREE, `invited` -> SECOND_DEGREE with our
    invitation pending, `self` -> the account's own profile, `unknown` -> no distance reported,
    `unavailable` -> a provider failure; anything else -> OUT_OF_NETWORK.

    Every answer names the member asked for, with a member id made from the identifier.
    """

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        words = profile.value.lower()
        if "unavailable" in words:
            raise ProviderFailure(ProviderFailureCode.ERROR, "sandbox: unavailable profile")
        if "invited" in words:
            return _answer(profile, "SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING))
        if "self" in words:
            return _answer(profile, None, is_self=True)
        if "relation" in words:
            return _answer(profile, None, is_relationship=True)
        for word, distance in (
            ("first", "FIRST_DEGREE"),
            ("second", "SECOND_DEGREE"),
            ("third", "THIRD_DEGREE"),
        ):
            if word in words:
                return _answer(profile, distance, is_relationship=distance == "FIRST_DEGREE")
        if "unknown" in words:
            return ProfileRelationship(
                None, provider_id=_member_id(profile), public_identifier=profile.value
            )
        return _answer(profile, "OUT_OF_NETWORK")


def _answer(
    profile: ProfileIdentifier,
    distance: str | None,
    invitation: Invitation | None = None,
    *,
    is_relationship: bool = False,
    is_self: bool = False,
) -> ProfileRelationship:
    return ProfileRelationship(
        distance,
        invitation,
        provider_id=_member_id(profile),
        public_identifier=profile.value,
        is_relationship=is_relationship,
        is_self=is_self,
    )


def _member_id(profile: ProfileIdentifier) -> str:
    # Stable per identifier, shaped like LinkedIn's own (ACoAA...), never a real member's.
    return "ACoAASandbox" + hashlib.sha256(profile.value.encode()).hexdigest()[:24]
