"""Unipile's profile resource: the LinkedInProvider, one live profile lookup per check."""

from __future__ import annotations

import logging
from urllib.parse import quote

from adapters.unipile.transport import UnipileClient, document_of
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import (
    ConnectedAccount,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
)
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
            return _relationship_from(self._client.get_json(path, params))
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


def _relationship_from(body: bytes) -> ProfileRelationship:
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
    return ProfileRelationship(
        network_distance=network_distance, invitation=_invitation_from(document.get("invitation"))
    )


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
