"""The production server for real: gunicorn with gunicorn.conf.py, as `make serve` runs it, on loopback.

Each test starts gunicorn in a subprocess on a free 127.0.0.1 port and stops it; every wait is
bounded, so a broken server fails the test instead of hanging the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from adapters.sql_store import SqlProspectStore, create_engine_for, upgrade_schema
from domain import services
from domain.model import AccountStatus, Provider
from tests.conftest import migrated_sqlite_url
from tests.e2e.conftest import JWT_SECRET
from tests.gunicorn_process import GUNICORN, REPO_ROOT, START_SECONDS, STOP_SECONDS, GunicornProcess
from tests.reliability.unipile_stand_in import UnipileStandIn

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
PUBLIC_RULE = "/api/v1/public/prospects/<prospect_id>/connection-status/"


def terminate(server: GunicornProcess) -> int:
    """gunicorn's exit code once stopped; a master still running STOP_SECONDS after SIGTERM fails the test."""
    exit_code = server.stop()
    if server.lingered:
        pytest.fail(f"gunicorn did not stop within {STOP_SECONDS} s of SIGTERM")
    return exit_code


def check_lines(server: GunicornProcess) -> list[dict]:
    """The JSON log lines of connection-status checks."""
    lines = [json.loads(line) for line in server.stderr().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("route") == PUBLIC_RULE]


@pytest.fixture
def start_gunicorn(tmp_path):
    servers: list[GunicornProcess] = []

    def start(**settings: str) -> GunicornProcess:
        server = GunicornProcess(
            tmp_path,
            {"JWT_SECRET_KEY": JWT_SECRET, "GUNICORN_THREADS": "2", "LINKEDIN_PROVIDER": "sandbox", **settings},
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        terminate(server)


def seed(database_url: str) -> tuple[str, int]:
    """A workspace with an API key, an active account and a prospect the sandbox answers FIRST_DEGREE for."""
    engine = create_engine_for(database_url, pool_size=1)
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    _, key = services.issue_api_key(workspace.id, "ci", store=store)
    store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/sandbox-first-degree/")
    engine.dispose()
    return key, prospect.id


def test_sqlite_with_several_workers_refuses_to_start(start_gunicorn, tmp_path):
    server = start_gunicorn(DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", WEB_CONCURRENCY="2")

    assert server.process.wait(timeout=START_SECONDS) != 0
    assert "DATABASE_URL is SQLite" in server.stderr() and "use PostgreSQL" in server.stderr()
    assert "Booting worker" not in server.stderr()


def test_config_check_refuses_sqlite_with_several_workers(tmp_path):
    result = subprocess.run(
        [str(GUNICORN), "--check-config", "--config", "gunicorn.conf.py"],
        cwd=REPO_ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "JWT_SECRET_KEY": JWT_SECRET,
             "WEB_CONCURRENCY": "3"},
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
    )

    assert result.returncode != 0
    assert "WEB_CONCURRENCY=3 workers: use PostgreSQL" in result.stderr


@pytest.fixture(scope="module")
def seeded_postgres(pg_database_factory) -> tuple[str, str, int]:
    """One migrated, seeded PostgreSQL database for the multi-worker tests: checks only read it."""
    database_url = pg_database_factory()
    upgrade_schema(database_url)
    return (database_url, *seed(database_url))


@pytest.mark.postgres
def test_two_workers_on_postgresql_serve_checks_and_one_scrape_sums_both(start_gunicorn, seeded_postgres, tmp_path):
    database_url, key, prospect_id = seeded_postgres
    server = start_gunicorn(DATABASE_URL=database_url, WEB_CONCURRENCY="2")
    server.wait_until_ready()

    answered = 0
    deadline = time.monotonic() + 30
    # New connections until both workers have answered some: the kernel spreads accepts, unevenly.
    while answered < 400 and time.monotonic() < deadline:
        response = requests.get(
            server.url + PUBLIC.format(prospect_id),
            headers={"X-API-Key": key, "Connection": "close"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.json()["is_connected"] is True
        answered += 1
        if answered % 10 == 0 and len({line["pid"] for line in check_lines(server)}) >= 2:
            break

    assert len({line["pid"] for line in check_lines(server)}) == 2, "both workers answered checks"
    for _ in range(3):  # whichever worker answers the scrape, it reports both workers' numbers
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(requests.get(server.url + "/metrics", timeout=10).text)
            for sample in family.samples
        }
        route = (("method", "GET"), ("route", PUBLIC_RULE), ("status", "200"))
        assert samples[("http_requests_total", route)] == answered
        assert samples[("provider_lookups_total", (("outcome", "ok"),))] == answered

    metrics_directory = tmp_path / f"connection-status-metrics-{server.process.pid}"
    assert metrics_directory.is_dir()
    assert terminate(server) == 0
    assert not metrics_directory.exists()
    assert key not in server.stdout() + server.stderr()
    assert f"request_id={check_lines(server)[0]['request_id']}" in server.stdout()


class SlowUnipile:
    """A Unipile stand-in on loopback that answers a profile lookup after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.received = threading.Event()
        received, body = self.received, json.dumps(
            {"object": "UserProfile", "provider": "LINKEDIN", "network_distance": "FIRST_DEGREE"}
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                received.set()
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_against(unipile: SlowUnipile | UnipileStandIn, start_gunicorn, database_url: str, **settings: str) -> GunicornProcess:
    """gunicorn on `database_url` with the real Unipile client pointed at `unipile`, ready to answer."""
    server = start_gunicorn(**{
        "DATABASE_URL": database_url,
        "LINKEDIN_PROVIDER": "unipile",
        "UNIPILE_DSN": unipile.url,
        "UNIPILE_API_KEY": "unipile-key-for-the-stand-in",
        "UNIPILE_TIMEOUT_SECONDS": "5",
        **settings,
    })
    server.wait_until_ready()
    return server


def test_sigterm_lets_a_check_in_flight_finish(start_gunicorn, sqlite_migrated_template, tmp_path):
    database_url = migrated_sqlite_url(sqlite_migrated_template, tmp_path)
    key, prospect_id = seed(database_url)
    unipile = SlowUnipile(delay=1.5)
    server = serve_against(unipile, start_gunicorn, database_url, WEB_CONCURRENCY="1")
    answers: list[requests.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(
            requests.get(server.url + PUBLIC.format(prospect_id), headers={"X-API-Key": key}, timeout=20)
        )
    )

    client.start()
    assert unipile.received.wait(timeout=15), "the check reached the provider"
    exit_code = terminate(server)
    client.join(timeout=20)
    unipile.close()

    assert exit_code == 0
    assert [answer.status_code for answer in answers] == [200]
    assert answers[0].json()["is_connected"] is True
    assert "Handling signal: term" in server.stderr()


def keep_alive_checks(
    url: str, key: str, count: int, answers: list, lock: threading.Lock, closed: list | None = None
) -> None:
    """`count` checks, one after another, over one keep-alive session.

    `closed` gets one entry per answer that closed its connection (`Connection: close`).
    """
    with requests.Session() as session:
        for _ in range(count):
            response = session.get(url, headers={"X-API-Key": key}, timeout=20)
            with lock:
                answers.append(response.status_code)
                if closed is not None and response.headers.get("Connection", "").lower() == "close":
                    closed.append(url)


@pytest.mark.postgres
def test_each_worker_holds_no_more_connections_than_it_has_threads(start_gunicorn, seeded_postgres):
    database_url, key, prospect_id = seeded_postgres
    unipile = SlowUnipile(delay=0.3)
    server = serve_against(unipile, start_gunicorn, database_url, WEB_CONCURRENCY="2")
    answers: list[int] = []
    lock = threading.Lock()
    # As many keep-alive clients as the two workers have threads together (2 x 2).
    clients = [
        threading.Thread(target=keep_alive_checks, args=(server.url + PUBLIC.format(prospect_id), key, 3, answers, lock))
        for _ in range(4)
    ]

    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=30)
    elapsed = time.monotonic() - started
    unipile.close()

    assert answers == [200] * 12
    checks_per_worker = sorted(Counter(line["pid"] for line in check_lines(server)).values())
    # Two connections each: no check waited for a thread in one worker while the other had one free.
    assert checks_per_worker == [6, 6]
    assert elapsed < 3 * 0.3 * 2


def test_a_full_worker_makes_room_for_a_client_waiting_to_connect(start_gunicorn, sqlite_migrated_template, tmp_path):
    database_url = migrated_sqlite_url(sqlite_migrated_template, tmp_path)
    key, prospect_id = seed(database_url)
    unipile = SlowUnipile(delay=0.1)
    server = serve_against(unipile, start_gunicorn, database_url, WEB_CONCURRENCY="1", API_RATE_LIMIT="1000/minute")
    url = server.url + PUBLIC.format(prospect_id)
    lock = threading.Lock()
    # Two busy keep-alive clients fill the worker's two threads and connections.
    busy_answers: list[int] = []
    busy = [threading.Thread(target=keep_alive_checks, args=(url, key, 25, busy_answers, lock)) for _ in range(2)]
    for client in busy:
        client.start()
    time.sleep(0.5)

    started = time.monotonic()
    late = requests.get(url, headers={"X-API-Key": key}, timeout=10)
    waited = time.monotonic() - started
    for client in busy:
        client.join(timeout=30)
    unipile.close()

    assert late.status_code == 200
    # A few answers' time, not until a busy client stops.
    assert waited < 1.5
    assert busy_answers == [200] * 50


@pytest.mark.postgres
def test_clients_keep_their_connections_while_nobody_waits_for_one(start_gunicorn, seeded_postgres):
    database_url, key, prospect_id = seeded_postgres
    # The sandbox answers at once: answers come fast, which is when a worker could wrongly think a
    # client waits for a connection and close another's.
    server = start_gunicorn(DATABASE_URL=database_url, WEB_CONCURRENCY="2", API_RATE_LIMIT="100000/minute")
    server.wait_until_ready()
    answers: list[int] = []
    closed: list[str] = []
    lock = threading.Lock()
    url = server.url + PUBLIC.format(prospect_id)
    clients = [
        threading.Thread(target=keep_alive_checks, args=(url, key, 150, answers, lock, closed)) for _ in range(4)
    ]

    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=60)

    assert answers == [200] * 600
    assert closed == []


@pytest.mark.postgres
def test_one_linkedin_account_connected_in_two_workspaces_spends_one_budget_across_workers(
    start_gunicorn, pg_database_factory, redis_server_url, redis_key_prefix
):
    database_url = pg_database_factory()
    upgrade_schema(database_url)
    engine = create_engine_for(database_url, pool_size=1)
    store = SqlProspectStore(engine)
    # Two workspaces, each connecting the same Unipile account: one LinkedIn member, one daily budget.
    seeded = []
    for name in ("Acme", "Globex"):
        workspace = store.add_workspace(name)
        _, key = services.issue_api_key(workspace.id, "ci", store=store)
        store.add_account(workspace.id, Provider.LINKEDIN, "unipile-shared", AccountStatus.OK)
        prospect = store.add_prospect(workspace.id, f"https://www.linkedin.com/in/{name.lower()}-prospect/")
        seeded.append((key, prospect.id))
    engine.dispose()
    unipile = UnipileStandIn()
    server = serve_against(unipile, start_gunicorn, database_url, WEB_CONCURRENCY="2", REDIS_URL=redis_server_url,
                           REDIS_KEY_PREFIX=redis_key_prefix, LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT="1")
    try:
        answers = [
            requests.get(server.url + PUBLIC.format(prospect_id), headers={"X-API-Key": key, "Connection": "close"},
                         timeout=10)
            for key, prospect_id in seeded
        ]
    finally:
        unipile.close()

    assert answers[0].status_code == 200, answers[0].text
    assert answers[1].status_code == 429
    assert answers[1].json() == {"success": False, "error": "Daily LinkedIn lookup budget exhausted for this account"}
    assert unipile.lookup_count() == 1
