"""The account rules: a daily lookup budget, and no lookups while the provider cools an account down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from adapters.memory_throttle import InMemoryAccountThrottle
from domain.account_limits import AccountLimitedLinkedInProvider
from domain.errors import (
    AccountCoolingDown,
    AccountThrottleUnavailable,
    DailyLookupBudgetExhausted,
    ProviderFailure,
    ProviderFailureCode,
)
from domain.model import AccountStatus, ConnectedAccount, ProfileRelationship, Provider
from domain.profile_url import ProfileIdentifier
from tests.fakes import FakeClock, FakeLinkedInProvider

ACCOUNT = ConnectedAccount(7, 1, Provider.LINKEDIN, "acc-7", AccountStatus.OK)
OTHER_ACCOUNT = ConnectedAccount(8, 1, Provider.LINKEDIN, "acc-8", AccountStatus.OK)
# The same LinkedIn account (one Unipile account id) connected in another workspace.
SAME_LINKEDIN_ELSEWHERE = ConnectedAccount(9, 2, Provider.LINKEDIN, "acc-7", AccountStatus.OK)
JANE = ProfileIdentifier("jane-doe")
FIRST_DEGREE = ProfileRelationship("FIRST_DEGREE", public_identifier=JANE.value)


class UnavailableThrottle:
    def count_lookup(self, provider_account_id, day):
        raise AccountThrottleUnavailable("down")

    def pause(self, provider_account_id, until):
        raise AccountThrottleUnavailable("down")

    def paused_until(self, provider_account_id):
        raise AccountThrottleUnavailable("down")


@pytest.fixture
def clock():
    return FakeClock(datetime(2031, 3, 14, 9, 30, tzinfo=timezone.utc))


@pytest.fixture
def inner():
    return FakeLinkedInProvider(FIRST_DEGREE)


def limited(inner, clock, *, budget=None, throttle=None):
    return AccountLimitedLinkedInProvider(
        inner, throttle or InMemoryAccountThrottle(), daily_lookups_per_account=budget, clock=clock
    )


def fail_one_lookup(provider, inner, failure: ProviderFailure) -> None:
    """The next lookup fails with `failure`, which reaches the caller; the ones after succeed again."""
    inner.fail_with(failure)
    with pytest.raises(ProviderFailure):
        provider.profile_relationship(ACCOUNT, JANE)
    inner.fail_with(None)


def test_without_a_budget_every_lookup_reaches_the_provider(inner, clock):
    provider = limited(inner, clock)

    answers = [provider.profile_relationship(ACCOUNT, JANE) for _ in range(25)]

    assert answers == [FIRST_DEGREE] * 25
    assert len(inner.calls) == 25


def test_the_lookup_past_the_budget_is_refused_until_next_utc_midnight(inner, clock):
    provider = limited(inner, clock, budget=2)
    provider.profile_relationship(ACCOUNT, JANE)
    provider.profile_relationship(ACCOUNT, JANE)

    clock.now = datetime(2031, 3, 14, 23, 59, 30, tzinfo=timezone.utc)
    with pytest.raises(DailyLookupBudgetExhausted) as refused:
        provider.profile_relationship(ACCOUNT, JANE)

    assert refused.value.retry_after == 30
    assert len(inner.calls) == 2
    clock.advance(30)
    assert provider.profile_relationship(ACCOUNT, JANE) == FIRST_DEGREE
    assert len(inner.calls) == 3


def test_the_budget_day_is_the_utc_day_whatever_the_clock_zone(inner):
    # 01:00 at UTC+2 is 23:00 UTC the day before: an hour to the UTC midnight.
    clock = FakeClock(datetime(2031, 3, 15, 1, 0, tzinfo=timezone(timedelta(hours=2))))
    provider = limited(inner, clock, budget=1)
    provider.profile_relationship(ACCOUNT, JANE)

    with pytest.raises(DailyLookupBudgetExhausted) as refused:
        provider.profile_relationship(ACCOUNT, JANE)

    assert refused.value.retry_after == 3600


def test_each_account_has_its_own_budget(inner, clock):
    provider = limited(inner, clock, budget=1)
    provider.profile_relationship(ACCOUNT, JANE)

    with pytest.raises(DailyLookupBudgetExhausted):
        provider.profile_relationship(ACCOUNT, JANE)
    assert provider.profile_relationship(OTHER_ACCOUNT, JANE) == FIRST_DEGREE


def test_one_linkedin_account_connected_in_two_workspaces_has_one_budget(inner, clock):
    provider = limited(inner, clock, budget=2)
    provider.profile_relationship(ACCOUNT, JANE)
    provider.profile_relationship(SAME_LINKEDIN_ELSEWHERE, JANE)

    for account in (ACCOUNT, SAME_LINKEDIN_ELSEWHERE):
        with pytest.raises(DailyLookupBudgetExhausted):
            provider.profile_relationship(account, JANE)
    assert len(inner.calls) == 2


def test_failed_lookups_spend_the_budget_too(inner, clock):
    provider = limited(inner, clock, budget=1)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.TIMEOUT))
    with pytest.raises(DailyLookupBudgetExhausted):
        provider.profile_relationship(ACCOUNT, JANE)


def test_after_a_429_the_account_is_left_alone_for_the_retry_after(inner, clock):
    provider = limited(inner, clock)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=120))

    clock.advance(100)
    with pytest.raises(AccountCoolingDown) as refused:
        provider.profile_relationship(ACCOUNT, JANE)
    assert refused.value.code is ProviderFailureCode.RATE_LIMITED
    assert refused.value.retry_after == 20
    assert len(inner.calls) == 1

    clock.advance(20)
    assert provider.profile_relationship(ACCOUNT, JANE) == FIRST_DEGREE
    assert len(inner.calls) == 2


def test_a_429_without_retry_after_pauses_the_account_for_a_minute(inner, clock):
    provider = limited(inner, clock)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.RATE_LIMITED))

    with pytest.raises(AccountCoolingDown) as refused:
        provider.profile_relationship(ACCOUNT, JANE)
    assert refused.value.retry_after == 60
    clock.advance(60)
    provider.profile_relationship(ACCOUNT, JANE)
    assert len(inner.calls) == 2


def test_a_429_pauses_the_linkedin_account_in_every_workspace_it_is_connected_to(inner, clock):
    provider = limited(inner, clock)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=30))

    with pytest.raises(AccountCoolingDown):
        provider.profile_relationship(SAME_LINKEDIN_ELSEWHERE, JANE)
    assert len(inner.calls) == 1


def test_a_cooling_account_does_not_pause_the_others(inner, clock):
    provider = limited(inner, clock)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=300))

    assert provider.profile_relationship(OTHER_ACCOUNT, JANE) == FIRST_DEGREE
    with pytest.raises(AccountCoolingDown):
        provider.profile_relationship(ACCOUNT, JANE)


def test_refusals_while_cooling_down_spend_no_budget(inner, clock):
    provider = limited(inner, clock, budget=2)
    fail_one_lookup(provider, inner, ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=10))
    for _ in range(5):
        with pytest.raises(AccountCoolingDown):
            provider.profile_relationship(ACCOUNT, JANE)

    clock.advance(10)
    assert provider.profile_relationship(ACCOUNT, JANE) == FIRST_DEGREE


@pytest.mark.parametrize("code", [code for code in ProviderFailureCode if code is not ProviderFailureCode.RATE_LIMITED])
def test_other_failures_pause_nothing(inner, clock, code):
    provider = limited(inner, clock)
    fail_one_lookup(provider, inner, ProviderFailure(code, retry_after=120))

    assert provider.profile_relationship(ACCOUNT, JANE) == FIRST_DEGREE


def test_with_the_counters_unavailable_lookups_go_ahead(inner, clock):
    provider = limited(inner, clock, budget=1, throttle=UnavailableThrottle())

    provider.profile_relationship(ACCOUNT, JANE)
    provider.profile_relationship(ACCOUNT, JANE)
    inner.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=5))
    with pytest.raises(ProviderFailure) as failure:
        provider.profile_relationship(ACCOUNT, JANE)

    assert failure.value.code is ProviderFailureCode.RATE_LIMITED
    assert not isinstance(failure.value, AccountCoolingDown)
    assert len(inner.calls) == 3
