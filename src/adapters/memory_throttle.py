"""InMemoryAccountThrottle: the AccountThrottle port in one process's memory, for a single worker."""

from __future__ import annotations

import threading
from datetime import date, datetime


class InMemoryAccountThrottle:
    """Counts and pauses held in this process only: with several workers each keeps its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lookups: dict[tuple[str, date], int] = {}
        self._latest_day = date.min
        self._paused_until: dict[str, datetime] = {}

    def count_lookup(self, provider_account_id: str, day: date) -> int:
        with self._lock:
            # Only today's counts matter; dropping older days, once a day, keeps memory flat.
            if day > self._latest_day:
                self._lookups = {key: total for key, total in self._lookups.items() if key[1] >= day}
                self._latest_day = day
            total = self._lookups.get((provider_account_id, day), 0) + 1
            self._lookups[(provider_account_id, day)] = total
            return total

    def pause(self, provider_account_id: str, until: datetime) -> None:
        with self._lock:
            current = self._paused_until.get(provider_account_id)
            if current is None or until > current:
                self._paused_until[provider_account_id] = until

    def paused_until(self, provider_account_id: str) -> datetime | None:
        with self._lock:
            return self._paused_until.get(provider_account_id)
