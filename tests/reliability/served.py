"""A workspace to call the served service with (tests/gunicorn_process.py serves it), and its secrets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from adapters.sandbox import SandboxLinkedInProvider
from adapters.sql_observations import SqlObservationStore
from adapters.sql_store import SqlProspectStore, create_engine_for
from domain import services
from domain.model import AccountStatus, Provider
from entrypoints.app import create_app
from entrypoints.auth import access_token_for
from entrypoints.bootstrap import Services

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"


@dataclass
class Credentials:
    """Secrets of one run, fresh each time, so that finding one in a log cannot be a coincidence."""

    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    unipile_key: str = field(default_factory=lambda: f"unipile-{secrets.token_urlsafe(24)}")
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass
class SeededWorkspace:
    """A workspace with an API key, a user's token, LinkedIn accounts and prospects, by name."""

    workspace_id: int
    api_key: str
    user_id: int
    token: str
    accounts: dict[str, int]
    prospects: dict[str, int]
    slugs: dict[str, str]
    extra_api_keys: list[str]

    def never_logged(self, credentials: Credentials) -> list[str]:
        """Every value that must never reach a log line."""
        keys = [self.api_key, *self.extra_api_keys]
        return [
            *keys,
            *(key.split(".", 1)[1] for key in keys),
            self.token,
            credentials.jwt_secret,
            credentials.unipile_key,
            credentials.webhook_secret,
            "linkedin.com",
            *self.slugs.values(),
        ]


def seed_workspace(
    database_url: str,
    credentials: Credentials,
    *,
    slugs: dict[str, str],
    accounts: list[str],
    extra_api_keys: int = 0,
) -> SeededWorkspace:
    """Rows through the store itself; prospect `name` gets https://www.linkedin.com/in/<slugs[name]>/.

    Accounts are active, created in the order given (the first one is the default account).
    """
    engine = create_engine_for(database_url, pool_size=1)
    try:
        store = SqlProspectStore(engine)
        workspace = store.add_workspace("Reliability")
        _, api_key = services.issue_api_key(workspace.id, "load", store=store)
        extra = [services.issue_api_key(workspace.id, None, store=store)[1] for _ in range(extra_api_keys)]
        user = store.add_user(workspace.id, "sales@reliability.test")
        account_ids = {
            name: store.add_account(workspace.id, Provider.LINKEDIN, f"unipile-{name}", AccountStatus.OK).id
            for name in accounts
        }
        prospect_ids = {
            name: store.add_prospect(workspace.id, f"https://www.linkedin.com/in/{slug}/").id
            for name, slug in slugs.items()
        }
        app = create_app(
            {"JWT_SECRET_KEY": credentials.jwt_secret, "TESTING": True},
            services=Services(
                store=store, provider=SandboxLinkedInProvider(), observations=SqlObservationStore(engine)
            ),
        )
        with app.app_context():
            token = access_token_for(user.id, 3600)
    finally:
        engine.dispose()
    return SeededWorkspace(
        workspace_id=workspace.id,
        api_key=api_key,
        user_id=user.id,
        token=token,
        accounts=account_ids,
        prospects=prospect_ids,
        slugs=dict(slugs),
        extra_api_keys=extra,
    )


def assert_no_secret_in(logged: str, secrets_to_hide: list[str]) -> None:
    assert logged.strip(), "the logs were captured"
    leaked = [secret for secret in secrets_to_hide if secret in logged]
    assert not leaked, f"logged: {leaked}"
