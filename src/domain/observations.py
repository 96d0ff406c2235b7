"""What an account observed about a LinkedIn member, kept so that a caller may reuse it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote

from domain.errors import InvalidRequest
from domain.model import Invitation, ProfileRelationship, positive_id
from domain.profile_url import ProfileIdentifier

# A caller may accept answers up to 30 days old; the retention may cut that shorter.
MAX_AGE_LIMIT_SECONDS = 30 * 24 * 3600
INVALID_MAX_AGE = f"max_age must be a whole number of seconds between 0 and {MAX_AGE_LIMIT_SECONDS}"


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


def observed(
    relationship: ProfileRelationship, *, account_id: int, profile: ProfileIdentifier, at: datetime
) -> Observation:
    """What a live answer leaves to remember: its ids and relationship, nothing else of the profile."""
    return Observation(
        account_id=account_id,
        identifier=profile.value,
        provider_id=relationship.provider_id,
        public_identifier=relationship.public_identifier,
        network_distance=relationship.network_distance,
        is_relationship=relationship.is_relationship,
        is_self=relationship.is_self,
        invitation=relationship.invitation,
        observed_at=at,
    )


def relationship_in(observation: Observation) -> ProfileRelationship:
    """The provider's answer an observation keeps, to be answered again."""
    return ProfileRelationship(
        network_distance=observation.network_distance,
        invitation=observation.invitation,
        provider_id=observation.provider_id,
        public_identifier=observation.public_identifier,
        is_relationship=observation.is_relationship,
        is_self=observation.is_self,
    )


def requested_max_age(text: str | None) -> timedelta | None:
    """How old an answer the caller accepts; None when it wants a live one (absent, empty or 0).

    Raises InvalidRequest for anything but a whole number of seconds up to 30 days.
    """
    if text is None or text == "" or set(text) == {"0"}:
        return None
    seconds = positive_id(text)
    if seconds is None or seconds > MAX_AGE_LIMIT_SECONDS:
        raise InvalidRequest(INVALID_MAX_AGE)
    return timedelta(seconds=seconds)


def reuse_since(now: datetime, max_age: timedelta, retention: timedelta) -> datetime:
    """The oldest moment an observation may have been made at to answer now (a pre-filter for the
    store; `may_answer` decides)."""
    return now - min(max_age, retention)


def may_answer(
    observation: Observation | None, *, now: datetime, max_age: timedelta | None, retention: timedelta
) -> bool:
    """Whether `observation` answers instead of a live lookup: the caller allowed a stored answer,
    and the observation is younger than both what the caller accepts and the retention."""
    if observation is None or max_age is None:
        return False
    age = now - observation.observed_at
    return age < max_age and age < retention
