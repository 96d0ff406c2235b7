"""SqlObservationStore: the ObservationStore port on the same Engine as the prospects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Engine, String, bindparam, delete, insert, or_, select
from sqlalchemy.engine import MappingResult
from sqlalchemy.exc import SQLAlchemyError

from adapters.sql_store import SqlDatabase, is_storable_id, is_storable_text, observations
from domain.errors import StoreUnavailable
from domain.model import Invitation, InvitationStatus, InvitationType
from domain.observations import Observation, slug_key
from domain.profile_url import ProfileIdentifier

# Built once, like the check's own statement: building it anew on every check costs CPU. The
# member id and the slug key are each matched through their own index; both NULL match nothing.
_LATEST_OBSERVATION = (
    select(observations)
    .where(
        observations.c.account_id == bindparam("account_id"),
        or_(
            observations.c.provider_id == bindparam("provider_id", type_=String),
            observations.c.slug_key == bindparam("slug_key", type_=String),
        ),
        observations.c.observed_at >= bindparam("observed_since", type_=DateTime(timezone=True)),
    )
    .order_by(observations.c.observed_at.desc(), observations.c.id.desc())
    .limit(1)
)


class SqlObservationStore:
    """ObservationStore on an Engine: a lookup is one SELECT, a write one transaction."""

    def __init__(self, engine: Engine) -> None:
        """`engine` from create_engine_for, usually the one the prospects' store uses."""
        self._database = SqlDatabase(engine)

    def check_ready(self) -> None:
        # The check's own lookup, matching nothing: it needs every column a stored answer reads.
        nothing = {"account_id": None, "provider_id": None, "slug_key": None, "observed_since": None}
        try:
            self._database.read(_LATEST_OBSERVATION, nothing, MappingResult.all)
        except SQLAlchemyError as exc:
            raise StoreUnavailable() from exc

    def record_observations(self, recorded: Sequence[Observation]) -> int:
        if not recorded:
            return 0
        rows = [_row_of(observation) for observation in recorded]
        with self._database.transaction() as connection:
            connection.execute(insert(observations), rows)
        return len(rows)

    def latest_observation(
        self, account_id: int, profile: ProfileIdentifier, observed_since: datetime
    ) -> Observation | None:
        if not is_storable_id(account_id) or not is_storable_text(profile.value):
            return None
        parameters = {
            "account_id": account_id,
            "provider_id": profile.value,
            "slug_key": slug_key(profile.value),
            "observed_since": _utc(observed_since),
        }
        row = self._database.read(_LATEST_OBSERVATION, parameters, MappingResult.one_or_none)
        return None if row is None else _observation_from(row)

    def purge_observations(self, observed_before: datetime) -> int:
        statement = delete(observations).where(observations.c.observed_at < _utc(observed_before))
        with self._database.transaction() as connection:
            return connection.execute(statement).rowcount


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no time zone: every moment is written and compared in UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _row_of(observation: Observation) -> dict[str, Any]:
    invitation = observation.invitation
    return {
        "account_id": observation.account_id,
        "identifier": observation.identifier,
        "provider_id": observation.provider_id,
        "public_identifier": observation.public_identifier,
        "slug_key": None
        if observation.public_identifier is None
        else slug_key(observation.public_identifier),
        "network_distance": observation.network_distance,
        "is_relationship": observation.is_relationship,
        "is_self": observation.is_self,
        "invitation_type": None if invitation is None else invitation.type.value,
        "invitation_status": None if invitation is None else invitation.status.value,
        "observed_at": _utc(observation.observed_at),
    }


def _observation_from(row: Mapping[Any, Any]) -> Observation:
    invitation = None
    if row[observations.c.invitation_type] is not None:
        invitation = Invitation(
            type=InvitationType(row[observations.c.invitation_type]),
            status=InvitationStatus(row[observations.c.invitation_status]),
        )
    return Observation(
        account_id=row[observations.c.account_id],
        identifier=row[observations.c.identifier],
        provider_id=row[observations.c.provider_id],
        public_identifier=row[observations.c.public_identifier],
        network_distance=row[observations.c.network_distance],
        is_relationship=row[observations.c.is_relationship],
        is_self=row[observations.c.is_self],
        invitation=invitation,
        observed_at=_utc(row[observations.c.observed_at]),
    )
