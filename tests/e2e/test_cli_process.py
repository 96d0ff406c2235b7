"""`.venv/bin/flask --app wsgi ...` as an operator runs it: a process, its environment, its exit status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET
from tests.gunicorn_process import REPO_ROOT

FLASK = Path(sys.executable).parent / "flask"
NOT_MIGRATED = "run `flask --app wsgi db upgrade`"


def flask(*args: str | bytes, **settings: str) -> subprocess.CompletedProcess:
    """One CLI command with only `settings` (and a JWT secret) as its environment."""
    environment = {"PATH": os.environ.get("PATH", ""), "JWT_SECRET_KEY": JWT_SECRET, **settings}
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", *args], cwd=REPO_ROOT, env=environment, capture_output=True, timeout=60
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    [line] = result.stderr.decode(errors="replace").strip().splitlines()
    return line


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_store_commands_run_without_the_provider_settings_and_without_the_webhook_warning(sqlite_url):
    # LINKEDIN_PROVIDER defaults to unipile; neither UNIPILE_DSN nor UNIPILE_API_KEY is set.
    upgraded = flask("db", "upgrade", DATABASE_URL=sqlite_url)
    created = flask("workspaces", "create", "--name", "Acme", DATABASE_URL=sqlite_url)

    assert upgraded.returncode == 0, upgraded.stderr.decode()
    assert json.loads(upgraded.stdout)["revision"] is not None
    assert json.loads(created.stdout)["name"] == "Acme"
    for result in (upgraded, created):
        assert b"UNIPILE_WEBHOOK_SECRET" not in result.stderr
        assert b"UNIPILE_DSN" not in result.stderr


def test_a_command_that_needs_the_provider_names_the_missing_setting(sqlite_url):
    flask("db", "upgrade", DATABASE_URL=sqlite_url)
    workspace = json.loads(flask("workspaces", "create", "--name", "Acme", DATABASE_URL=sqlite_url).stdout)

    result = flask("accounts", "sync", "--workspace", str(workspace["id"]), DATABASE_URL=sqlite_url)

    assert "UNIPILE_DSN is required" in one_error_line(result)


@pytest.mark.parametrize(
    "args",
    [
        ["workspaces", "create", "--name", "Acme"],
        ["api-keys", "create", "--workspace", "1"],
        ["users", "token", "1"],
        ["prospects", "create", "--workspace", "1"],
        ["demo", "--file", "{tmp}/demo.json"],
    ],
)
def test_a_database_never_migrated_is_one_line_naming_db_upgrade(sqlite_url, tmp_path, args):
    args = [arg.format(tmp=tmp_path) for arg in args]

    result = flask(*args, DATABASE_URL=sqlite_url, LINKEDIN_PROVIDER="sandbox")

    assert NOT_MIGRATED in one_error_line(result)


@pytest.mark.parametrize(
    "args",
    [["db", "upgrade"], ["db", "current"], ["workspaces", "create", "--name", "Acme"], ["users", "token", "1"]],
)
def test_a_database_that_does_not_answer_is_one_line(unused_tcp_port, args):
    url = f"postgresql://app:pw-0f-the-db@127.0.0.1:{unused_tcp_port}/app"

    line = one_error_line(flask(*args, DATABASE_URL=url, LINKEDIN_PROVIDER="sandbox"))

    assert "cannot be reached" in line
    assert "pw-0f-the-db" not in line


@pytest.mark.parametrize(
    "args, message",
    [
        (["workspaces", "create", "--name", b"Acme \xff"], "--name must be"),
        (["api-keys", "create", "--workspace", "1", "--name", b"ci \xff"], "--name must be"),
        (["api-keys", "create", "--workspace", "1", "--name", "x" * 201], "--name must be"),
        (["api-keys", "create", "--workspace", "1", "--name", "ci\x1b[31m"], "--name must be"),
        (["prospects", "create", "--workspace", "1", "--linkedin-url", b"https://www.linkedin.com/in/\xff"],
         "--linkedin-url must be"),
        (["prospects", "create", "--workspace", "1", "--linkedin-url", "https://x/" + "a" * 2048],
         "--linkedin-url must be"),
        (["users", "create", "--workspace", "1", "--email", b"a@\xff.test"], "is not an email address"),
        (["accounts", "create", "--workspace", "1", "--provider-account-id", b"acc-\xff"],
         "--provider-account-id must be"),
        (["accounts", "set-status", "1", b"OK\xff"], "unknown status"),
        (["db", "downgrade", b"base\xff"], "REVISION must be"),
    ],
)
def test_arguments_no_database_should_hold_are_one_line(sqlite_url, args, message):
    flask("db", "upgrade", DATABASE_URL=sqlite_url)
    flask("workspaces", "create", "--name", "Acme", DATABASE_URL=sqlite_url, LINKEDIN_PROVIDER="sandbox")

    result = flask(*args, DATABASE_URL=sqlite_url, LINKEDIN_PROVIDER="sandbox")

    assert message in one_error_line(result)


def test_an_unusable_provider_timeout_says_what_is_accepted(sqlite_url):
    result = flask("db", "current", DATABASE_URL=sqlite_url, UNIPILE_TIMEOUT_SECONDS="0")

    assert one_error_line(result) == (
        "Configuration error: UNIPILE_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 60"
    )


def documented_commands() -> list[tuple[str, str, str]]:
    """(where, what precedes `flask`, the command's words) for each `flask --app wsgi` line of the docs."""
    found = []
    for document in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        for match in re.finditer(r"(\S*)flask --app wsgi ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", document.read_text()):
            found.append((f"{document.name}: {match.group(0)}", match.group(1), match.group(2)))
    return found


OPERATOR_DOCUMENTS = ("README.md", "webhooks.md", "api.md")


def test_the_docs_show_commands_that_run_from_a_shell_without_the_virtualenv(tmp_path):
    app = create_app({"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/docs.db"}, serving=False)
    shown = [command for command in documented_commands() if command[0].startswith(OPERATOR_DOCUMENTS)]

    assert len(shown) >= 12
    for where, executable, words in shown:
        # A bare `flask` is not on the PATH of a shell that did not activate .venv.
        assert executable.lstrip("(`$ ") == ".venv/bin/", where
        result = app.test_cli_runner().invoke(args=[*words.split(), "--help"])
        assert result.exit_code == 0, where
