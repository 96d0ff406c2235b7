"""Operator commands over the observations: `relations import` and `observations purge`.

Each prints one JSON object on stdout; every failure is one JSON object on stderr and exit status 1.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from domain.errors import StoreUnavailable
from domain.model import MAX_ID
from domain.relations import DEFAULT_MAX_RELATION_PAGES, UnknownAccount, import_relations
from domain.retention import MAX_RETENTION_DAYS, purge_observations_older_than
from entrypoints.bootstrap import Services

relations = AppGroup("relations", help="An account's LinkedIn relations, read from Unipile.")
observations = AppGroup("observations", help="What the connected accounts observed.")

MAX_RELATION_PAGES = 1000


def register(app: Flask) -> None:
    app.cli.add_command(relations)
    app.cli.add_command(observations)


class CommandFailed(click.ClickException):
    """A failure shown as one JSON line on stderr, with what was done before it."""

    def __init__(self, message: str, **done: Any) -> None:
        super().__init__(message)
        self.done = done

    def show(self, file: Any = None) -> None:
        click.echo(json.dumps({"error": self.message, **self.done}), err=True)


def _services() -> Services:
    return current_app.extensions["services"]


def _whole_number(text: str, option: str, *, minimum: int, maximum: int) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 19 and minimum <= int(value) <= maximum):
        raise CommandFailed(f"{option} must be a whole number between {minimum} and {maximum}")
    return int(value)


@relations.command(
    "import",
    help="Record every relation Unipile lists for the account as first degree. Never scheduled: Unipile"
    " flags frequent or deep polling of this list, so run it by hand, rarely.",
)
@click.option("--account", "account_text", default=None, help="The connected account's id, as accounts create printed it.")
@click.option("--max-pages", default=str(DEFAULT_MAX_RELATION_PAGES), show_default=True, help="Pages of 1000.")
def relations_import(account_text: str | None, max_pages: str) -> None:
    account_id = _whole_number(account_text or "", "--account", minimum=1, maximum=MAX_ID)
    pages_allowed = _whole_number(max_pages, "--max-pages", minimum=1, maximum=MAX_RELATION_PAGES)
    services = _services()
    if services.relations is None:
        raise CommandFailed("relations import needs LINKEDIN_PROVIDER=unipile; the sandbox has no relations")
    try:
        result = import_relations(
            account_id,
            store=services.store,
            observations=services.observations,
            relations=services.relations,
            max_pages=pages_allowed,
            now=services.clock,
        )
    except UnknownAccount:
        raise CommandFailed(f"account {account_id} does not exist") from None
    except StoreUnavailable:
        raise CommandFailed("the database is unavailable; nothing was imported") from None
    done = {"account_id": account_id, "relations": result.relations, "pages": result.pages}
    if result.failure is not None:
        raise CommandFailed(
            f"importing the relations failed ({result.failure}); what the pages before it recorded is kept",
            **done,
        )
    click.echo(json.dumps(done))


@observations.command(
    "purge",
    help="Delete the observations older than N days (default OBSERVATION_RETENTION_DAYS); 0 deletes them all.",
)
@click.option("--older-than-days", default=None, help="A whole number of days.")
def observations_purge(older_than_days: str | None) -> None:
    days = (
        int(current_app.config["OBSERVATION_RETENTION_DAYS"])
        if older_than_days is None
        else _whole_number(older_than_days, "--older-than-days", minimum=0, maximum=MAX_RETENTION_DAYS)
    )
    services = _services()
    try:
        deleted = purge_observations_older_than(days, observations=services.observations, now=services.clock())
    except StoreUnavailable:
        raise CommandFailed("the database is unavailable; nothing was deleted") from None
    click.echo(json.dumps({"deleted": deleted}))
