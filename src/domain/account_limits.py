"""Rules that spare a LinkedIn account: a daily lookup budget, and silence after the provider says 429."""

from __future__ import annotations

import logging
import math
from datetime import datetime, time, timedelta, timezone
from typing import Callable

from domain.errors import (
    AccountCoolingDown,
    AccountThrottleUnavailable,
    DailyLookupBudgetExhausted,
    ProviderFailure,
    ProviderFailureCode,
)
from domain.model import ConnectedAccount, ProfileRelationship
from domain.ports import AccountThrottle, LinkedInProvider
from domain.profile_url import ProfileIdentifier

log = logging.getLogger(__name__)

# How long an account is left alone after a 429 that did not say when to retry.
DEFAULT_COOL_DOWN_SECONDS = 60


class AccountLimitedLinkedInProvider:
    """A LinkedInProvider that refuses, without asking the provider, lookups an account should not make.

    Both are kept per provider account id, not per connected-account row: one LinkedIn account
    connected in several workspaces is one member to LinkedIn, with one budget and one cool-down.

    - While an account cools down after the provider rate-limited it, lookups fail with
      AccountCoolingDown (the contract's 502 `provider_rate_limited`, with the seconds left).
    - With `daily_lookups_per_account` set, the lookup past it on one UTC day raises
      DailyLookupBudgetExhausted until the next UTC midnight. Every lookup that reaches the
      provider counts, failed or not: LinkedIn saw it either way.

    When the shared counters are unavailable the lookup goes ahead: a check is worth more than
    the bookkeeping, and the provider still rate-limits on its side.
    """

    def __init__(
        self,
        inner: LinkedInProvider,
        throttle: AccountThrottle,
        *,
        daily_lookups_per_account: int | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._inner = inner
        self._throttle = throttle
        self._daily_lookups = daily_lookups_per_account
        self._clock = clock

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        now = self._clock()
        self._refuse_while_cooling_down(account, now)
        self._spend_budget(account, now)
        try:
            return self._inner.profile_relationship(account, profile)
        except ProviderFailure as failure:
            if failure.code is ProviderFailureCode.RATE_LIMITED:
                self._cool_down(account, failure.retry_after)
            raise

    def _refuse_while_cooling_down(self, account: ConnectedAccount, now: datetime) -> None:
        try:
            until = self._throttle.paused_until(account.provider_account_id)
        except AccountThrottleUnavailable:
            log.warning("Account throttle unavailable; not checking the cool-down of account %s", account.id)
            return
        if until is not None and until > now:
            raise AccountCoolingDown(retry_after=_whole_seconds(until - now))

    def _spend_budget(self, account: ConnectedAccount, now: datetime) -> None:
        if self._daily_lookups is None:
            return
        today = now.astimezone(timezone.utc).date()
        try:
            spent = self._throttle.count_lookup(account.provider_account_id, today)
        except AccountThrottleUnavailable:
            log.warning("Account throttle unavailable; not counting the lookups of account %s", account.id)
            return
        if spent > self._daily_lookups:
            next_midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=timezone.utc)
            raise DailyLookupBudgetExhausted(retry_after=_whole_seconds(next_midnight - now))

    def _cool_down(self, account: ConnectedAccount, retry_after: int | None) -> None:
        seconds = retry_after if retry_after is not None else DEFAULT_COOL_DOWN_SECONDS
        # From when the answer came back, not from when the lookup started.
        until = self._clock() + timedelta(seconds=seconds)
        try:
            self._throttle.pause(account.provider_account_id, until)
        except AccountThrottleUnavailable:
            log.warning("Account throttle unavailable; account %s is not paused after a 429", account.id)


def _whole_seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
