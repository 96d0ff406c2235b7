"""What an account observed about a LinkedIn member, kept so that a caller may reuse it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.model import Invitation


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
