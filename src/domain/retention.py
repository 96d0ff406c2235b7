"""How long observations are kept: the purge an operator runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.ports import ObservationStore

# A century: longer is no retention at all, and would take the cut-off before year 1.
MAX_RETENTION_DAYS = 36_500
# Later than any observation can be made: the cut-off that deletes them all.
_END_OF_TIME = datetime.max.replace(tzinfo=timezone.utc)


def purge_observations_older_than(days: int, *, observations: ObservationStore, now: datetime) -> int:
    """Delete every observation made more than `days` days before `now`; 0 deletes every one, even
    one stamped a moment ahead by another host's clock. Returns how many were deleted."""
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise ValueError(f"days must be between 0 and {MAX_RETENTION_DAYS}")
    return observations.purge_observations(_END_OF_TIME if days == 0 else now - timedelta(days=days))
