"""The purge: what an age in days deletes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.retention import MAX_RETENTION_DAYS, purge_observations_older_than
from tests.fakes import FakeObservationStore
from tests.unit.test_relations import JANE, NOW, first_degree


@pytest.fixture
def observations():
    return FakeObservationStore()


def observation_at(observed_at):
    return first_degree(1, JANE, observed_at=observed_at)


@pytest.mark.parametrize("days, kept", [(30, 2), (7, 1), (1, 1)])
def test_a_purge_deletes_what_is_older_than_the_days(observations, days, kept):
    observations.record_observations(
        [observation_at(NOW - timedelta(days=31)), observation_at(NOW - timedelta(days=8)), observation_at(NOW)]
    )

    deleted = purge_observations_older_than(days, observations=observations, now=NOW)

    assert deleted == 3 - kept and len(observations.observations) == kept


def test_a_purge_of_zero_days_deletes_every_observation_even_one_from_a_clock_ahead(observations):
    observations.record_observations([observation_at(NOW), observation_at(NOW + timedelta(minutes=5))])

    assert purge_observations_older_than(0, observations=observations, now=NOW) == 2
    assert observations.observations == []


@pytest.mark.parametrize("days", [-1, MAX_RETENTION_DAYS + 1])
def test_an_age_out_of_range_deletes_nothing(observations, days):
    observations.record_observations([observation_at(NOW - timedelta(days=40_000))])

    with pytest.raises(ValueError):
        purge_observations_older_than(days, observations=observations, now=NOW)
    assert len(observations.observations) == 1
