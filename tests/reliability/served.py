"""The service as production runs it (gunicorn with gunicorn.conf.py on loopback), and a workspace to call it with.

gunicorn runs in its own process group, so that stopping it stops its workers too, whatever state
they are in; every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from adapters.sandbox import SandboxLinkedInProvider
from adapters.sql_store import SqlProspectStore, create_engine_for
from domain import services
from domain.model import AccountStatus, Provider
from entrypoints.app import create_app
from entrypoints.auth import access_token_for
from entrypoints.bootstrap import Services

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"
START_SECONDS = 30
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
            services=Services(store=store, provider=SandboxLinkedInProvider()),
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


class GunicornProcess:
    """`gunicorn --config gunicorn.conf.py` on a free 127.0.0.1 port, its stdout and stderr in files."""

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.stdout_path, self.stderr_path = directory / "gunicorn.out", directory / "gunicorn.err"
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(directory),
            "TMPDIR": str(directory),
            "BIND": f"127.0.0.1:{port}",
            **settings,
        }
        self._stopped = False
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=REPO_ROOT,
                env=environment,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a worker still booting
            time.sleep(0.1)
        pytest.fail(f"gunicorn not ready within {START_SECONDS} s:\n{self.stderr()}")

    def stop(self) -> None:
        """SIGTERM to the whole group (master and workers), SIGKILL if it lingers; once."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # Workers left behind by a master that died are in the same group.
        _signal_group(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=STOP_SECONDS)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def _signal_group(group: int, signal_number: int) -> None:
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        pass


def assert_no_secret_in(logged: str, secrets_to_hide: list[str]) -> None:
    assert logged.strip(), "the logs were captured"
    leaked = [secret for secret in secrets_to_hide if secret in logged]
    assert not leaked, f"logged: {leaked}"
