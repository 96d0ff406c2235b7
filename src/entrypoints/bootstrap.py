"""The composition root: the one place that builds adapters from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from adapters.sandbox import SandboxLinkedInProvider
from adapters.sql_store import SqlProspectStore, create_engine_for, upgrade_schema
from adapters.unipile import UnipileLinkedInProvider, unipile_base_url
from domain.ports import AccountDirectory, LinkedInProvider, ProspectStore


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Services:
    store: ProspectStore
    provider: LinkedInProvider
    # None with the sandbox provider, which has no accounts to list.
    directory: AccountDirectory | None = None


def build_services(config: Mapping[str, object]) -> Services:
    store = build_store(config)
    provider = build_provider(config)
    # The Unipile client lists the accounts too.
    directory = provider if isinstance(provider, UnipileLinkedInProvider) else None
    return Services(store=store, provider=provider, directory=directory)


def build_store(config: Mapping[str, object]) -> ProspectStore:
    return SqlProspectStore(create_engine_for(str(config["DATABASE_URL"])))


def upgrade_database(config: Mapping[str, object]) -> None:
    upgrade_schema(str(config["DATABASE_URL"]))


def build_provider(config: Mapping[str, object]) -> LinkedInProvider:
    kind = str(config["LINKEDIN_PROVIDER"])
    if kind == "sandbox":
        return SandboxLinkedInProvider()
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
    return UnipileLinkedInProvider(
        base_url,
        str(config["UNIPILE_API_KEY"]),
        timeout_seconds=float(config["UNIPILE_TIMEOUT_SECONDS"]),
    )
