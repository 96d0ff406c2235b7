"""A bounded load test: gunicorn with two workers on PostgreSQL, a provider that keeps failing and recovering.

For RELIABILITY_LOAD_SECONDS (default 30), a fixed pool of client threads on keep-alive
connections checks prospects through both routes, while the Unipile stand-in switches every few
seconds between healthy answers and 5xx, timeouts and resets. Every answer must be a 200, a 429
or a 502; no worker may time out or be restarted; the PostgreSQL connections the service holds,
polled from pg_stat_activity throughout, must stay within the pools' limits; and no log line may
carry a credential, the database password or a prospect's LinkedIn URL.

Redis (REDIS_URL) shares the request limits between the workers when it answers; without it the
test still runs, each worker limiting on its own, and REQUIRE_REDIS=1 makes its absence a failure.
"""

from __future__ import annotations

import collections
import os
import random
import secrets
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.sql_store import POSTGRES_MAX_OVERFLOW, upgrade_schema
from tests.gunicorn_process import GunicornProcess
from tests.reliability.served import IN_APP, PUBLIC, Credentials, assert_no_secret_in, seed_workspace
from tests.reliability.unipile_stand_in import UnipileStandIn

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]

LOAD_SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "30"))
CLIENT_THREADS = 12
WORKERS = 2
THREADS_PER_WORKER = 4
# Below the threads, so that bursts use the overflow too.
DATABASE_POOL_SIZE = 3
DEADLINE_SECONDS = 2
# Each worker's pool, plus its overflow.
MAX_DATABASE_CONNECTIONS = WORKERS * (DATABASE_POOL_SIZE + POSTGRES_MAX_OVERFLOW)
# The stand-in's answers, switching every PHASE_SECONDS.
PHASES = ("healthy", "unavailable", "healthy", "slow", "healthy", "reset")
PHASE_SECONDS = 3.0
PHASE_CODES = {"unavailable": "provider_error", "slow": "provider_timeout", "reset": "provider_unreachable"}
# Per caller: high enough that limiting is not the bulk of answers; a fast machine may reach it (429).
API_RATE_LIMIT = "100/10 seconds"
ANSWERS = {200, 429, 502}
PROSPECTS = 10


@dataclass
class LoadResult:
    statuses: collections.Counter = field(default_factory=collections.Counter)
    codes: collections.Counter = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    slowest_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: requests.Response, seconds: float) -> None:
        code = _code_of(response) if response.status_code == 502 else None
        with self.lock:
            self.statuses[response.status_code] += 1
            if code:
                self.codes[code] += 1
            self.slowest_seconds = max(self.slowest_seconds, seconds)
            if response.status_code not in ANSWERS or code == "unreadable":
                self.failures.append(f"{response.status_code} {response.text[:200]}")

    def fail(self, error: Exception) -> None:
        with self.lock:
            self.failures.append(f"no answer: {type(error).__name__}: {error}")


def _code_of(response: requests.Response) -> str:
    try:
        return str(response.json()["code"])
    except (ValueError, KeyError, TypeError):
        return "unreadable"


@dataclass
class ConnectionPoll:
    """Counts the sessions on one database in pg_stat_activity every `interval` seconds."""

    engine: sa.Engine
    database: str
    interval: float = 0.2
    samples: list[int] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self._thread.join(timeout=10)

    def _poll(self) -> None:
        query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
        with self.engine.connect() as connection:
            while not self.stopped.wait(self.interval):
                self.samples.append(connection.execute(query, {"name": self.database}).scalar_one())


@pytest.fixture
def redis_settings(request) -> dict[str, str]:
    """REDIS_URL and a key prefix of this test's own, or nothing when no Redis answers."""
    try:
        url = request.getfixturevalue("redis_server_url")
    except pytest.skip.Exception:
        return {}  # REQUIRE_REDIS=1 turns this into a failure inside the fixture
    return {"REDIS_URL": url, "REDIS_KEY_PREFIX": request.getfixturevalue("redis_key_prefix")}


class FlappingProvider:
    """Chooses the stand-in's answers: healthy until the load starts, then PHASES in turn."""

    def __init__(self) -> None:
        self._started: float | None = None

    def start(self) -> None:
        self._started = time.monotonic()

    def __call__(self, _identifier: str) -> str:
        if self._started is None:
            return "healthy"
        return PHASES[int((time.monotonic() - self._started) / PHASE_SECONDS) % len(PHASES)]

    @staticmethod
    def failure_codes_within(seconds: float) -> set[str]:
        """The 502 codes of the failing phases that fit whole in `seconds` of load."""
        phases = {PHASES[number % len(PHASES)] for number in range(int(seconds // PHASE_SECONDS))}
        return {PHASE_CODES[phase] for phase in phases if phase in PHASE_CODES}


@pytest.fixture
def flapping_provider():
    return FlappingProvider()


@pytest.fixture
def stand_in(flapping_provider):
    unipile = UnipileStandIn(flapping_provider)
    yield unipile
    unipile.close()


@pytest.fixture
def load_server(tmp_path, pg_database_factory, stand_in, redis_settings):
    # Trust authentication ignores the password, so the test can check that it is never logged.
    database_password = secrets.token_urlsafe(16)
    url = make_url(pg_database_factory()).set(password=database_password)
    database_url = url.render_as_string(hide_password=False)
    upgrade_schema(database_url)
    credentials = Credentials()
    slugs = {f"prospect-{number}": f"load-{number}-{secrets.token_hex(4)}" for number in range(PROSPECTS)}
    seeded = seed_workspace(database_url, credentials, slugs=slugs, accounts=["main"], extra_api_keys=5)
    server = GunicornProcess(
        tmp_path / "gunicorn",
        {
            "DATABASE_URL": database_url,
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_THREADS": str(THREADS_PER_WORKER),
            "DATABASE_POOL_SIZE": str(DATABASE_POOL_SIZE),
            "JWT_SECRET_KEY": credentials.jwt_secret,
            "LINKEDIN_PROVIDER": "unipile",
            "UNIPILE_DSN": stand_in.url,
            "UNIPILE_API_KEY": credentials.unipile_key,
            "UNIPILE_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
            "UNIPILE_WEBHOOK_SECRET": credentials.webhook_secret,
            "GUNICORN_TIMEOUT": str(2 * DEADLINE_SECONDS + 1),
            "GUNICORN_GRACEFUL_TIMEOUT": str(DEADLINE_SECONDS + 1),
            "API_RATE_LIMIT": API_RATE_LIMIT,
            **redis_settings,
        },
    )
    yield server, seeded, credentials, url.database, [*seeded.never_logged(credentials), database_password]
    server.stop()


def _generate_load(base_url: str, callers: list[dict[str, str]], prospect_ids: list[int], result: LoadResult) -> None:
    deadline = time.monotonic() + LOAD_SECONDS

    def client(headers: dict[str, str], path: str, seed: int) -> None:
        choose = random.Random(seed)
        with requests.Session() as session:
            while time.monotonic() < deadline:
                url = base_url + path.format(choose.choice(prospect_ids))
                started = time.monotonic()
                try:
                    response = session.get(url, headers=headers, timeout=10)
                except requests.RequestException as error:
                    result.fail(error)
                    continue
                result.record(response, time.monotonic() - started)

    threads = []
    for number in range(CLIENT_THREADS):
        headers = callers[number % len(callers)]
        path = IN_APP if "Authorization" in headers else PUBLIC
        threads.append(threading.Thread(target=client, args=(headers, path, number), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 30)
    assert not any(thread.is_alive() for thread in threads), "every client stopped"


def test_under_load_with_a_flapping_provider_every_answer_is_200_429_or_502(
    load_server, flapping_provider, pg_admin_engine
):
    server, seeded, _credentials, database, never_logged = load_server
    server.wait_until_ready()
    callers = [
        *({"X-API-Key": key} for key in [seeded.api_key, *seeded.extra_api_keys]),
        {"Authorization": f"Bearer {seeded.token}"},
    ]
    result = LoadResult()
    poll = ConnectionPoll(pg_admin_engine, database)
    flapping_provider.start()
    try:
        _generate_load(server.url, callers, list(seeded.prospects.values()), result)
    finally:
        poll.stop()
    server.stop()

    summary = f"statuses {dict(result.statuses)}, codes {dict(result.codes)}, slowest {result.slowest_seconds:.2f} s"
    assert not result.failures, f"{len(result.failures)} bad answers, e.g. {result.failures[:5]}; {summary}"
    assert set(result.statuses) <= ANSWERS, summary
    # Both the provider's healthy and failing phases were served.
    assert {200, 502} <= set(result.statuses), summary
    assert FlappingProvider.failure_codes_within(LOAD_SECONDS) <= set(result.codes), summary
    stderr = server.stderr()
    assert "WORKER TIMEOUT" not in stderr
    assert stderr.count("Booting worker") == WORKERS, "no worker was restarted"
    assert poll.samples and max(poll.samples) > 0, "the poll saw the service's connections"
    assert max(poll.samples) <= MAX_DATABASE_CONNECTIONS, f"{max(poll.samples)} connections; {summary}"
    assert_no_secret_in(server.stdout() + stderr, never_logged)
