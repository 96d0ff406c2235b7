"""Unipile's profile resource: the LinkedInProvider, one live profile lookup per check."""

from __future__ import annotations

import logging
from urllib.parse import quote

from adapters.unipile.transport import UnipileClient, document_of
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import (
    ConnectedAccount,
    is_provider_account_id,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
)
from domain.observations import names_member
from domain.profile_url import ProfileIdentifier

logger = logging.getLogger(__name__)


class UnipileLinkedInProvider:
    """Asks Unipile (`GET /api/v1/users/{identifier}`) how a profile relates to an account's member."""

    def __init__(self, client: UnipileClient) -> None:
        self._client = client

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        # The identifier arrives decoded; this is the one place it is percent-encoded.
        path = f"/api/v1/users/{quote(profile.value, safe='')}"
        params = {"account_id": account.provider_account_id, "notify": "false"}
        if profile.linkedin_api is not None:
            params["linkedin_api"] = profile.linkedin_api.value
        try:
            return _relationship_from(self._client.get_json(path, params), profile)
        except ProviderFailure as failure:
            if failure.code is ProviderFailureCode.AUTH_FAILED:
                logger.error(
                    "Unipile rejected the API key (%s); every check fails until it is replaced", failure
                )
            elif failure.code is ProviderFailureCode.PROFILE_NOT_FOUND:
                logger.info("Unipile lookup from account %s found no profile: %s", account.id, failure)
            else:
                logger.warning("Unipile lookup from account %s failed: %s", account.id, failure)
            raise


def _relationship_from(body: bytes, profile: ProfileIdentifier) -> ProfileRelationship:
    document = document_of(body, "UserProfile")
    if document.get("provider", "LINKEDIN") != "LINKEDIN":
        raise ProviderFailure(
            ProviderFailureCode.ERROR, "Unipile answered a profile from another network"
        )
    network_distance = document.get("network_distance")
    # The one field this service reports: another type means the wire format moved, and reading
    # it as "unknown" would answer "not connected" as if that were known.
    if network_distance is not None and not isinstance(network_distance, str):
        raise ProviderFailure(
            ProviderFailureCode.ERROR, "Unipile answered a network_distance that is not text"
        )
    provider_id = _member_id(document, "provider_id")
    public_identifier = _member_id(document, "public_identifier")
    # Under concurrency Unipile has been reported to answer about another member: an answer that
    # names a member must name the one asked for, or it is nobody's answer.
    if (provider_id is not None or public_identifier is not None) and not names_member(
        provider_id, public_identifier, profile
    ):
        raise ProviderFailure(ProviderFailureCode.ERROR, "Unipile answered about another member")
    return ProfileRelationship(
        network_distance=network_distance,
        invitation=_invitation_from(document.get("invitation")),
        provider_id=provider_id,
        public_identifier=public_identifier,
        is_relationship=_flag(document, "is_relationship"),
        is_self=_flag(document, "is_self"),
    )


def _member_id(document: dict, name: str) -> str | None:
    """One of the member's ids, None when absent; one that could not name a member fails the answer."""
    value = document.get(name)
    if value is None:
        return None
    # Ids are shaped like the provider's account ids: printable text, 1 to 255 characters.
    if not is_provider_account_id(value):
        raise ProviderFailure(ProviderFailureCode.ERROR, f"Unipile answered a {name} that names no member")
    return value


def _flag(document: dict, name: str) -> bool | None:
    """A documented boolean, None when absent or of another type: an unknown flag decides nothing."""
    value = document.get(name)
    return value if isinstance(value, bool) else None


def _invitation_from(value: object) -> Invitation | None:
    """The pending-invitation hint, or None: an optional field never fails a check."""
    if value is None:
        return None
    if isinstance(value, dict):
        try:
            return Invitation(
                type=InvitationType(value.get("type")), status=InvitationStatus(value.get("status"))
            )
        except ValueError:
            pass
    logger.warning("Ignored an invitation in a shape Unipile does not document")
    return None
