"""What an account observed about a LinkedIn member, kept so that a caller may reuse it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from domain.model import Invitation
from domain.profile_url import ProfileIdentifier


@dataclass(frozen=True)
class Observation:
    """One answer about one member, as seen from one connected account at one moment.

    Only what the connection status needs is kept: never names, headlines or other profile fields.
    `identifier` is what was asked for (a decoded slug or a member id); `provider_id` and
    `public_identifier` are the member's ids as the answer gave them, None when it gave none.
    """

    account_id: int
    identifier: str
    provider_id: str | None
    public_identifier: str | None
    network_distance: str | None
    is_relationship: bool | None
    is_self: bool | None
    invitation: Invitation | None
    observed_at: datetime


def slug_key(public_identifier: str) -> str:
    """A slug as compared: decoded and case-folded (Unipile may spell it encoded or in other case)."""
    return unquote(public_identifier).casefold()


def names_member(provider_id: str | None, public_identifier: str | None, profile: ProfileIdentifier) -> bool:
    """Whether ids an answer gave name the member `profile` asks for: the member id exactly, or
    the slug once decoded and case-folded."""
    if provider_id is not None and provider_id == profile.value:
        return True
    return public_identifier is not None and slug_key(public_identifier) == slug_key(profile.value)


def observation_of(observation: Observation, profile: ProfileIdentifier) -> bool:
    """Whether `observation` is about the member `profile` names."""
    return names_member(observation.provider_id, observation.public_identifier, profile)
