"""The connection-status model: plain values and the two rules the contract fixes."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from domain.errors import NoActiveLinkedInAccount, RequestedAccountUnavailable

# Ids are stored as 64-bit signed integers; anything larger cannot name a row.
MAX_ID = 2**63 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))
_ASCII_DIGITS = re.compile(r"[0-9]+")


def positive_id(text: str) -> int | None:
    """The integer a string of ASCII digits spells, or None when it is not a positive integer.

    Integers too long to be an id come back as MAX_ID + 1: well formed, naming no row, and never
    handed to int() whole (which refuses over 4,300 digits) nor to a database (which overflows).
    """
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    significant = text.lstrip("0")
    if not significant:
        return None
    return int(significant) if len(significant) <= _MAX_ID_DIGITS else MAX_ID + 1


# Unipile's account ids are about 22 characters; this leaves room without storing anything huge.
MAX_PROVIDER_ACCOUNT_ID_LENGTH = 255


def is_provider_account_id(value: object) -> bool:
    """Whether `value` can be a provider's account id: 1 to 255 printable characters, no edge spaces.

    isprintable() also refuses NUL and lone surrogates, which no database column can hold.
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_PROVIDER_ACCOUNT_ID_LENGTH
        and value.isprintable()
        and value == value.strip()
    )


class Provider(str, enum.Enum):
    """Account types Unipile connects; only LINKEDIN accounts can run a check."""

    LINKEDIN = "LINKEDIN"
    WHATSAPP = "WHATSAPP"
    INSTAGRAM = "INSTAGRAM"
    MESSENGER = "MESSENGER"
    TELEGRAM = "TELEGRAM"
    TWITTER = "TWITTER"
    GOOGLE = "GOOGLE"
    OUTLOOK = "OUTLOOK"
    MAIL = "MAIL"


class AccountStatus(str, enum.Enum):
    """Statuses Unipile reports for a connected account (sources[].status and the status webhook)."""

    OK = "OK"
    SYNC_SUCCESS = "SYNC_SUCCESS"
    CREATION_SUCCESS = "CREATION_SUCCESS"
    RECONNECTED = "RECONNECTED"
    CONNECTING = "CONNECTING"
    CREDENTIALS = "CREDENTIALS"
    PERMISSIONS = "PERMISSIONS"
    ERROR = "ERROR"
    STOPPED = "STOPPED"
    CREATION_FAIL = "CREATION_FAIL"
    DELETED = "DELETED"


ACTIVE_STATUSES = frozenset(
    {
        AccountStatus.OK,
        AccountStatus.SYNC_SUCCESS,
        AccountStatus.CREATION_SUCCESS,
        AccountStatus.RECONNECTED,
    }
)


@dataclass(frozen=True)
class Workspace:
    id: int
    name: str


@dataclass(frozen=True)
class User:
    id: int
    workspace_id: int
    email: str


@dataclass(frozen=True)
class ApiKeyRecord:
    """A stored API key: its public prefix and a hash of its secret, never the secret itself."""

    id: int
    workspace_id: int
    name: str | None
    prefix: str
    secret_hash: str
    revoked: bool


@dataclass(frozen=True)
class ConnectedAccount:
    id: int
    workspace_id: int
    provider: Provider
    provider_account_id: str
    status: AccountStatus

    @property
    def can_check_linkedin(self) -> bool:
        return self.provider is Provider.LINKEDIN and self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class ProviderAccount:
    """An account as the provider lists it: its id and the raw status of each of its sources."""

    provider_account_id: str
    source_statuses: tuple[str, ...]


@dataclass(frozen=True)
class Prospect:
    id: int
    workspace_id: int
    linkedin_profile_url: str | None


@dataclass(frozen=True)
class CheckContext:
    """What a check needs from storage: the prospect and every account of its workspace."""

    prospect: Prospect
    accounts: tuple[ConnectedAccount, ...]


@dataclass(frozen=True)
class CheckLookup:
    """What one check reads from storage, in one round trip: its caller and its prospect.

    Each part is None when what it names does not exist.
    """

    context: CheckContext | None
    api_key: ApiKeyRecord | None = None
    user: User | None = None


class InvitationType(str, enum.Enum):
    SENT = "SENT"
    RECEIVED = "RECEIVED"


class InvitationStatus(str, enum.Enum):
    PENDING = "PENDING"
    IGNORED = "IGNORED"
    WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True)
class Invitation:
    type: InvitationType
    status: InvitationStatus


@dataclass(frozen=True)
class ProfileRelationship:
    """What the provider says about a profile as seen from one account.

    `provider_id` and `public_identifier` are the member's ids as the answer gave them;
    `is_relationship` and `is_self` are None when the answer did not say.
    """

    network_distance: str | None
    invitation: Invitation | None = None
    provider_id: str | None = None
    public_identifier: str | None = None
    is_relationship: bool | None = None
    is_self: bool | None = None


class ConnectionState(str, enum.Enum):
    """How sure an answer is: only a 1st-degree relationship is connected, only a known distance
    (or the account's own profile) is not connected; anything else is unknown."""

    CONNECTED = "connected"
    NOT_CONNECTED = "not_connected"
    UNKNOWN = "unknown"


class AnswerSource(str, enum.Enum):
    LIVE = "live"  # the provider was asked for this request
    STORED = "stored"  # an earlier observation, reused because the caller allowed it


@dataclass(frozen=True)
class ConnectionStatus:
    connection_status: ConnectionState
    is_connected: bool
    connection_level: int | None
    network_distance: str | None
    checked_with_account_id: int
    invitation: Invitation | None
    checked_at: datetime
    source: AnswerSource


_LEVEL_BY_DISTANCE = {
    "FIRST_DEGREE": 1,
    "SECOND_DEGREE": 2,
    "THIRD_DEGREE": 3,
    "OUT_OF_NETWORK": None,
    # Search results, chat attendees and webhooks spell the same degrees this way, and the
    # account's own profile SELF.
    "DISTANCE_1": 1,
    "DISTANCE_2": 2,
    "DISTANCE_3": 3,
    "SELF": None,
}


def known_distance(network_distance: str | None) -> str | None:
    """The distance as the provider spelled it when it is one this service knows; else None."""
    return network_distance if network_distance in _LEVEL_BY_DISTANCE else None


def distance_to_level(network_distance: str | None) -> int | None:
    """1, 2 or 3 for a known degree; None for OUT_OF_NETWORK, SELF, unknown or missing."""
    if network_distance is None:
        return None
    return _LEVEL_BY_DISTANCE.get(network_distance)


def connection_state(relationship: ProfileRelationship) -> tuple[ConnectionState, int | None]:
    """The answer's certainty and its connection level, from what the provider said.

    The account's own profile is never a connection. `is_relationship: true` is a 1st-degree
    connection whatever the distance says or lacks. A known distance decides the rest; with
    neither, nothing is known.
    """
    distance = known_distance(relationship.network_distance)
    if relationship.is_self is True or distance == "SELF":
        return ConnectionState.NOT_CONNECTED, None
    level = distance_to_level(distance)
    if relationship.is_relationship is True or level == 1:
        return ConnectionState.CONNECTED, 1
    if distance is None:
        return ConnectionState.UNKNOWN, None
    return ConnectionState.NOT_CONNECTED, level


def select_account(
    accounts: Iterable[ConnectedAccount], requested_account_id: int | None
) -> ConnectedAccount:
    """The account a check runs from: the requested one if it is usable, else the lowest-id usable one.

    Raises RequestedAccountUnavailable when a requested account is unknown, inactive, in another
    workspace or not LinkedIn (callers pass only the prospect's workspace accounts), and
    NoActiveLinkedInAccount when nothing is usable.
    """
    usable = [account for account in accounts if account.can_check_linkedin]
    if requested_account_id is not None:
        for account in usable:
            if account.id == requested_account_id:
                return account
        raise RequestedAccountUnavailable()
    if not usable:
        raise NoActiveLinkedInAccount()
    return min(usable, key=lambda account: account.id)


def connection_status_from(
    relationship: ProfileRelationship,
    account: ConnectedAccount,
    *,
    checked_at: datetime,
    source: AnswerSource,
) -> ConnectionStatus:
    state, level = connection_state(relationship)
    return ConnectionStatus(
        connection_status=state,
        # Only a 1st-degree relationship counts; a pending invitation never does.
        is_connected=state is ConnectionState.CONNECTED,
        connection_level=level,
        network_distance=known_distance(relationship.network_distance),
        checked_with_account_id=account.id,
        invitation=relationship.invitation,
        checked_at=checked_at,
        source=source,
    )
