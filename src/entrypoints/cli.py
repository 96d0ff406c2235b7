"""Operator commands: `flask --app wsgi <group> <command>`; each prints one JSON object on stdout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from domain import services
from domain.account_lifecycle import SyncReport, sync_workspace_accounts
from domain.errors import (
    AccountAlreadyConnected,
    EmailAlreadyUsed,
    ProviderFailure,
    StoreNotMigrated,
    StoreUnavailable,
    Unauthenticated,
    UnknownWorkspace,
)
from domain.model import MAX_ID, MAX_PROVIDER_ACCOUNT_ID_LENGTH, AccountStatus, Provider, is_provider_account_id
from domain.ports import ProspectStore
from domain.profile_url import MAX_URL_LENGTH
from entrypoints import auth, bootstrap, cli_observations
from entrypoints.bootstrap import ConfigurationError

NOT_MIGRATED = "the database lacks this release's tables: run `flask --app wsgi db upgrade`"
UNREACHABLE = "the database cannot be reached (check DATABASE_URL and that the server is up)"
MAX_NAME_LENGTH = 200
# Alembic's ids are 12 hex digits; `base`, `head` and relative forms such as `-1` are shorter still.
MAX_REVISION_LENGTH = 64


@contextmanager
def _failures_in_one_line() -> Iterator[None]:
    """A database or a setting a command cannot work with ends it with one line and exit status 1."""
    try:
        yield
    except StoreNotMigrated:
        raise click.ClickException(NOT_MIGRATED) from None
    except StoreUnavailable:
        raise click.ClickException(UNREACHABLE) from None
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


class _OperatorGroup(AppGroup):
    def invoke(self, ctx: click.Context) -> Any:
        with _failures_in_one_line():
            return super().invoke(ctx)


class _OperatorCommand(click.Command):
    def invoke(self, ctx: click.Context) -> Any:
        with _failures_in_one_line():
            return super().invoke(ctx)


db = _OperatorGroup("db", help="Database schema.")
workspaces = _OperatorGroup("workspaces", help="Workspaces.")
api_keys = _OperatorGroup("api-keys", help="API keys for the public route.")
users = _OperatorGroup("users", help="Users of the in-app client and their tokens.")
accounts = _OperatorGroup("accounts", help="Connected provider accounts.")
prospects = _OperatorGroup("prospects", help="Prospects.")

DEMO_PROSPECT_URLS = {
    "connected": "https://www.linkedin.com/in/sandbox-first-degree/",
    "second_degree_invited": "https://www.linkedin.com/in/sandbox-invited/",
    "out_of_network": "https://www.linkedin.com/in/sandbox-stranger/",
}


def register(app: Flask) -> None:
    for group in (db, workspaces, api_keys, users, accounts, prospects):
        app.cli.add_command(group)
    app.cli.add_command(demo)
    cli_observations.register(app)


def _store() -> ProspectStore:
    return current_app.extensions["services"].store


def _emit(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload))


def _printable(value: str, what: str, maximum: int) -> str:
    """`value` without surrounding spaces, if it is 1 to `maximum` printable characters.

    isprintable() refuses control characters (terminal escapes included) and the lone surrogates
    that stand for bytes of an argument that is not UTF-8, which no database column can hold.
    """
    text = value.strip()
    if not 0 < len(text) <= maximum or not text.isprintable():
        raise click.ClickException(f"{what} must be 1 to {maximum} printable characters")
    return text


def _id_argument(value: int, what: str) -> int:
    if not 0 < value <= MAX_ID:
        raise click.ClickException(f"{what} {value} does not exist")
    return value


_Choice = TypeVar("_Choice", AccountStatus, Provider)


def _choice(kind: type[_Choice], value: str, what: str) -> _Choice:
    try:
        return kind(value.upper())
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise click.ClickException(f"unknown {what} {value!r}; expected one of {known}") from None


def _account_json(account: Any) -> dict[str, Any]:
    return {
        "id": account.id,
        "workspace_id": account.workspace_id,
        "provider": account.provider.value,
        "provider_account_id": account.provider_account_id,
        "status": account.status.value,
    }


class _WorkspaceErrors:
    """Turns a write into an unknown workspace into the CLI's one-line error."""

    def __init__(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id

    def __enter__(self) -> None:
        _id_argument(self.workspace_id, "workspace")

    def __exit__(self, kind: type | None, error: BaseException | None, _tb: object) -> bool:
        if isinstance(error, UnknownWorkspace):
            raise click.ClickException(f"workspace {self.workspace_id} does not exist") from None
        return False


@db.command("upgrade", help="Apply every pending migration.")
def db_upgrade() -> None:
    bootstrap.upgrade_database(current_app.config)
    _emit({"revision": bootstrap.database_revision(current_app.config)})


@db.command("current", help="Print the migration the database is at (null: none applied).")
def db_current() -> None:
    _emit({"revision": bootstrap.database_revision(current_app.config)})


@db.command("downgrade", help="Undo migrations down to REVISION ('base' undoes them all).")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    revision = _printable(revision, "REVISION", MAX_REVISION_LENGTH)
    try:
        bootstrap.downgrade_database(current_app.config, revision)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _emit({"revision": bootstrap.database_revision(current_app.config)})


@workspaces.command("create")
@click.option("--name", required=True)
def workspaces_create(name: str) -> None:
    workspace = _store().add_workspace(_printable(name, "--name", MAX_NAME_LENGTH))
    _emit({"id": workspace.id, "name": workspace.name})


@api_keys.command("create", help="Create a key; the key is printed this once and never stored.")
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--name", default=None, help="A label shown in listings.")
def api_keys_create(workspace_id: int, name: str | None) -> None:
    if name is not None:
        name = _printable(name, "--name", MAX_NAME_LENGTH)
    with _WorkspaceErrors(workspace_id):
        record, key = services.issue_api_key(workspace_id, name, store=_store())
    _emit({"id": record.id, "workspace_id": record.workspace_id, "prefix": record.prefix, "key": key})


@api_keys.command("revoke")
@click.argument("api_key_id", type=int)
def api_keys_revoke(api_key_id: int) -> None:
    record = _store().revoke_api_key(_id_argument(api_key_id, "API key"))
    if record is None:
        raise click.ClickException(f"API key {api_key_id} does not exist")
    _emit({"id": record.id, "revoked": True})


@users.command("create")
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--email", required=True)
def users_create(workspace_id: int, email: str) -> None:
    email = email.strip()
    if "@" not in email or len(email) > 320 or not email.isprintable():
        raise click.ClickException(f"{email!r} is not an email address")
    with _WorkspaceErrors(workspace_id):
        try:
            user = _store().add_user(workspace_id, email)
        except EmailAlreadyUsed:
            raise click.ClickException(f"{email} is already a user of workspace {workspace_id}") from None
    _emit({"id": user.id, "workspace_id": user.workspace_id, "email": user.email})


@users.command("token", help="Issue an access token for the in-app route.")
@click.argument("user_id", type=int)
@click.option("--expires-in", "expires_in", default=3600, show_default=True, type=int, help="Seconds.")
def users_token(user_id: int, expires_in: int) -> None:
    if not 0 < expires_in <= auth.MAX_TOKEN_LIFETIME_SECONDS:
        raise click.ClickException("--expires-in must be between 1 second and 366 days")
    if _store().user(_id_argument(user_id, "user")) is None:
        raise click.ClickException(f"user {user_id} does not exist")
    _emit({"access_token": auth.access_token_for(user_id, expires_in)})


@accounts.command("create")
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--provider-account-id", required=True, help="The account id Unipile gave the account.")
@click.option("--provider", default="LINKEDIN", show_default=True)
@click.option("--status", default="OK", show_default=True)
def accounts_create(workspace_id: int, provider_account_id: str, provider: str, status: str) -> None:
    provider_account_id = provider_account_id.strip()
    if not is_provider_account_id(provider_account_id):
        raise click.ClickException(
            f"--provider-account-id must be 1 to {MAX_PROVIDER_ACCOUNT_ID_LENGTH} printable characters"
        )
    chosen_provider = _choice(Provider, provider, "provider")
    chosen_status = _choice(AccountStatus, status, "status")
    with _WorkspaceErrors(workspace_id):
        try:
            account = _store().add_account(
                workspace_id, chosen_provider, provider_account_id, chosen_status
            )
        except AccountAlreadyConnected:
            raise click.ClickException(
                f"workspace {workspace_id} already has an account {provider_account_id!r};"
                " use accounts set-status"
            ) from None
    _emit(_account_json(account))


@accounts.command("set-status")
@click.argument("account_id", type=int)
@click.argument("status")
def accounts_set_status(account_id: int, status: str) -> None:
    chosen_status = _choice(AccountStatus, status, "status")
    account = _store().set_account_status(_id_argument(account_id, "account"), chosen_status)
    if account is None:
        raise click.ClickException(f"account {account_id} does not exist")
    _emit(_account_json(account))


@accounts.command("sync", help="Set the workspace's account statuses to what Unipile lists now.")
@click.option("--workspace", "workspace_id", required=True, type=int)
def accounts_sync(workspace_id: int) -> None:
    directory = current_app.extensions["services"].directory
    if directory is None:
        raise click.ClickException("accounts sync needs LINKEDIN_PROVIDER=unipile; the sandbox lists no accounts")
    with _WorkspaceErrors(workspace_id):
        try:
            report = sync_workspace_accounts(workspace_id, store=_store(), directory=directory)
        except ProviderFailure as failure:
            raise click.ClickException(f"listing the Unipile accounts failed ({failure}); nothing changed") from None
    _emit(_sync_json(report))


def _sync_json(report: SyncReport) -> dict[str, Any]:
    def named(account: Any) -> dict[str, Any]:
        return {"id": account.id, "provider_account_id": account.provider_account_id}

    return {
        "workspace_id": report.workspace_id,
        "changed": [
            {**named(change.account), "from": change.previous.value, "to": change.account.status.value}
            for change in report.changed
        ],
        "unchanged": len(report.unchanged),
        "missing": [named(account) for account in report.missing],
        "undetermined": [{**named(account), "status": account.status.value} for account in report.undetermined],
    }


@prospects.command("create")
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--linkedin-url", default=None)
def prospects_create(workspace_id: int, linkedin_url: str | None) -> None:
    if linkedin_url is not None:
        linkedin_url = _printable(linkedin_url, "--linkedin-url", MAX_URL_LENGTH)
    with _WorkspaceErrors(workspace_id):
        prospect = _store().add_prospect(workspace_id, linkedin_url)
    _emit(
        {
            "id": prospect.id,
            "workspace_id": prospect.workspace_id,
            "linkedin_profile_url": prospect.linkedin_profile_url,
        }
    )


@click.command("demo", cls=_OperatorCommand, help="Seed a demo workspace once and print ready-to-run curl lines.")
@click.option("--file", "demo_file", default="var/demo.json", show_default=True, type=click.Path())
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@with_appcontext
def demo(demo_file: str, base_url: str) -> None:
    path = Path(demo_file)
    seeded = _existing_demo(path) or _seed_demo(path)
    _emit({**seeded, "curl": _curl_lines(seeded, base_url)})


def _existing_demo(path: Path) -> dict[str, Any] | None:
    """The saved demo, if its key still opens this database (it may have been deleted since)."""
    try:
        seeded = json.loads(path.read_text())
        services.api_key_for(seeded["api_key"], store=_store())
    except (OSError, ValueError, KeyError, TypeError, Unauthenticated):
        return None
    return seeded


def _seed_demo(path: Path) -> dict[str, Any]:
    store = _store()
    workspace = store.add_workspace("Demo workspace")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "demo-linkedin-account", AccountStatus.OK)
    _, key = services.issue_api_key(workspace.id, "demo", store=store)
    seeded = {
        "workspace_id": workspace.id,
        "account_id": account.id,
        "api_key": key,
        "prospects": {
            name: store.add_prospect(workspace.id, url).id for name, url in DEMO_PROSPECT_URLS.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seeded))
    path.chmod(0o600)
    return seeded


def _curl_lines(seeded: dict[str, Any], base_url: str) -> list[str]:
    return [
        f'curl -H "X-API-Key: {seeded["api_key"]}" '
        f'"{base_url}/api/v1/public/prospects/{prospect_id}/connection-status/"'
        for prospect_id in seeded["prospects"].values()
    ]
