"""The composition root: the one place that builds adapters from configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping, NoReturn

from redis import Redis
from sqlalchemy import Engine

from adapters.memory_throttle import InMemoryAccountThrottle
from adapters.redis_throttle import RedisAccountThrottle, redis_client
from adapters.sandbox import SandboxLinkedInProvider
from adapters.sql_observations import SqlObservationStore
from adapters.sql_store import (
    SqlProspectStore,
    create_engine_for,
    current_revision,
    downgrade_schema,
    upgrade_schema,
)
from adapters.unipile.accounts import UnipileAccountDirectory
from adapters.unipile.profiles import UnipileLinkedInProvider
from adapters.unipile.relations import UnipileRelations
from adapters.unipile.transport import UnipileClient, unipile_base_url
from domain.account_limits import AccountLimitedLinkedInProvider
from domain.ports import (
    AccountDirectory,
    AccountThrottle,
    LinkedInProvider,
    LinkedInRelations,
    ObservationStore,
    ProspectStore,
)
from entrypoints.metrics import Metrics
from entrypoints.observability import ObservedLinkedInProvider


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message names the variable."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Services:
    store: ProspectStore
    provider: LinkedInProvider
    observations: ObservationStore
    # None with the sandbox provider, which has no accounts to list.
    directory: AccountDirectory | None = None
    # None with the sandbox provider, which has no relations to list.
    relations: LinkedInRelations | None = None
    # The account rules' clock: tests move it instead of sleeping.
    clock: Callable[[], datetime] = utc_now


class UnconfiguredProvider:
    """The provider of an app that runs operator commands without the provider's settings.

    Commands that only use the database run; one that calls the provider fails naming the setting.
    """

    def __init__(self, missing: ConfigurationError) -> None:
        self._reason = str(missing)

    def profile_relationship(self, account: object, profile: object) -> NoReturn:
        raise ConfigurationError(self._reason)

    def list_accounts(self) -> NoReturn:
        raise ConfigurationError(self._reason)

    def relation_pages(self, provider_account_id: str, *, max_pages: int) -> NoReturn:
        raise ConfigurationError(self._reason)


def build_services(config: Mapping[str, object], *, provider_required: bool = True) -> Services:
    engine = build_engine(config)
    # One engine, so one connection pool, for every store.
    store, observations = SqlProspectStore(engine), SqlObservationStore(engine)
    try:
        client = build_unipile_client(config)
    except ConfigurationError as missing:
        if provider_required:
            raise
        unconfigured = UnconfiguredProvider(missing)
        return Services(
            store=store,
            provider=unconfigured,
            observations=observations,
            directory=unconfigured,
            relations=unconfigured,
        )
    if client is None:
        return Services(store=store, provider=SandboxLinkedInProvider(), observations=observations)
    # One client, so one connection pool, for every Unipile resource.
    return Services(
        store=store,
        provider=UnipileLinkedInProvider(client),
        observations=observations,
        directory=UnipileAccountDirectory(client),
        relations=UnipileRelations(client),
    )


def build_engine(config: Mapping[str, object]) -> Engine:
    pool_size = int(str(config["DATABASE_POOL_SIZE"]))
    try:
        engine = create_engine_for(str(config["DATABASE_URL"]), pool_size=pool_size)
    except ValueError:
        # The URL itself may hold a password: name the variable, never repeat its value.
        raise ConfigurationError(
            "DATABASE_URL is not a usable database URL (sqlite:///path or postgresql://user@host:port/db)"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"DATABASE_URL names a SQLite file whose directory cannot be created ({exc.strerror})") from None
    return engine


def shared_redis(config: Mapping[str, object]) -> Redis | None:
    """The app's one Redis client (limits, budgets, cool-downs), None without REDIS_URL."""
    redis_url = config.get("REDIS_URL")
    if not redis_url:
        return None
    try:
        return redis_client(str(redis_url))
    except ValueError:
        # The URL may hold a password: name the variable, never repeat its value.
        raise ConfigurationError("REDIS_URL is not a usable Redis URL (redis://[:password@]host:port/db)") from None


def serving_services(
    services: Services, config: Mapping[str, object], metrics: Metrics, redis: Redis | None
) -> Services:
    """The provider as the routes use it: observed, then the account rules, then the real lookup."""
    budget = config.get("LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT")
    limited = AccountLimitedLinkedInProvider(
        services.provider,
        build_account_throttle(config, redis),
        daily_lookups_per_account=None if budget in (None, "") else int(str(budget)),
        clock=services.clock,
    )
    return dataclasses.replace(services, provider=ObservedLinkedInProvider(limited, metrics))


def build_account_throttle(config: Mapping[str, object], redis: Redis | None) -> AccountThrottle:
    if redis is not None:
        return RedisAccountThrottle(redis, key_prefix=f"{config['REDIS_KEY_PREFIX']}:accounts")
    return InMemoryAccountThrottle()


def upgrade_database(config: Mapping[str, object]) -> None:
    upgrade_schema(str(config["DATABASE_URL"]))


def downgrade_database(config: Mapping[str, object], revision: str) -> None:
    downgrade_schema(str(config["DATABASE_URL"]), revision)


def database_revision(config: Mapping[str, object]) -> str | None:
    return current_revision(str(config["DATABASE_URL"]))


def build_unipile_client(config: Mapping[str, object]) -> UnipileClient | None:
    """The Unipile client the settings name; None for the sandbox provider."""
    kind = str(config["LINKEDIN_PROVIDER"])
    if kind == "sandbox":
        return None
    if kind != "unipile":
        raise ConfigurationError(
            f"LINKEDIN_PROVIDER must be 'unipile' or 'sandbox', not {kind!r}"
        )
    for name in ("UNIPILE_DSN", "UNIPILE_API_KEY"):
        if not config.get(name):
            raise ConfigurationError(
                f"{name} is required when LINKEDIN_PROVIDER is 'unipile' (use 'sandbox' for a demo)"
            )
    try:
        base_url = unipile_base_url(str(config["UNIPILE_DSN"]))
    except ValueError as exc:
        raise ConfigurationError(f"UNIPILE_DSN is not usable: {exc}") from None
    api_key = str(config["UNIPILE_API_KEY"])
    if api_key != api_key.strip() or not api_key.isprintable():
        raise ConfigurationError("UNIPILE_API_KEY has surrounding spaces or control characters")
    return UnipileClient(
        base_url,
        api_key,
        timeout_seconds=float(config["UNIPILE_TIMEOUT_SECONDS"]),
        pool_size=int(str(config["UNIPILE_POOL_SIZE"])),
    )
