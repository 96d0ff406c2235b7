"""What the server does with clients that misbehave, and with its own log lines, through real gunicorn.

Each test starts gunicorn in a subprocess on a free 127.0.0.1 port; every wait is bounded, so a
server that hangs fails the test instead of hanging the run.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest
import requests

from tests.conftest import migrated_sqlite_url
from tests.e2e.conftest import JWT_SECRET
from tests.e2e.test_gunicorn import PUBLIC, SlowUnipile, seed, serve_against, terminate
from tests.gunicorn_process import GunicornProcess

WEBHOOK_SECRET = "webhook-secret-of-at-least-32-characters"
ACCOUNT_STATUS_WEBHOOK = "/api/v1/webhooks/unipile/account-status/"


@pytest.fixture
def database_url(sqlite_migrated_template, tmp_path) -> str:
    return migrated_sqlite_url(sqlite_migrated_template, tmp_path)


@pytest.fixture
def start_gunicorn(tmp_path, database_url):
    servers: list[GunicornProcess] = []

    def start(**settings: str) -> GunicornProcess:
        server = GunicornProcess(
            tmp_path,
            {
                "JWT_SECRET_KEY": JWT_SECRET,
                "DATABASE_URL": database_url,
                "WEB_CONCURRENCY": "1",
                "GUNICORN_THREADS": "2",
                "LINKEDIN_PROVIDER": "sandbox",
                **settings,
            },
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        terminate(server)


def connect(server: GunicornProcess, timeout: float) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_until_closed(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection; socket.timeout if it never does."""
    received = b""
    try:
        while chunk := client.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass  # closed with unread bytes left behind: a reset is a close too
    return received


def test_after_sigterm_new_connections_are_refused_or_answered_while_a_check_finishes(
    start_gunicorn, database_url
):
    key, prospect_id = seed(database_url)
    unipile = SlowUnipile(delay=4)
    server = serve_against(unipile, start_gunicorn, database_url, UNIPILE_TIMEOUT_SECONDS="10")
    answers: list[requests.Response] = []
    check = threading.Thread(
        target=lambda: answers.append(
            requests.get(server.url + PUBLIC.format(prospect_id), headers={"X-API-Key": key}, timeout=20)
        )
    )
    check.start()
    assert unipile.received.wait(timeout=15), "the check reached the provider"

    # As a supervisor does: the master alone, which passes it on to its workers.
    os.kill(server.process.pid, signal.SIGTERM)
    time.sleep(0.5)
    outcome = "refused"
    try:
        with connect(server, timeout=2) as late:
            late.sendall(b"GET /livez HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            outcome = "answered" if read_until_closed(late).startswith(b"HTTP/1.1 ") else "refused"
    except ConnectionRefusedError:
        pass
    except TimeoutError:
        outcome = "left hanging"
    check.join(timeout=20)
    unipile.close()

    assert outcome in ("refused", "answered")
    assert [answer.status_code for answer in answers] == [200]
    assert terminate(server) == 0


def test_stalled_clients_are_dropped_and_livez_still_answers(start_gunicorn):
    server = start_gunicorn(GUNICORN_THREADS="2", UNIPILE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    server.wait_until_ready()
    # More stalled clients than threads: heads never finished, and a body promised and never sent
    # to a route that reads it.
    partial_head = b"GET /livez HTTP/1.1\r\nHost: test\r\n"
    missing_body = (
        f"POST {ACCOUNT_STATUS_WEBHOOK} HTTP/1.1\r\nHost: test\r\nUnipile-Auth: {WEBHOOK_SECRET}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    stalled = []
    for request in (partial_head, missing_body, partial_head):
        client = connect(server, timeout=20)
        client.sendall(request)
        stalled.append(client)
        time.sleep(0.2)  # taken in this order

    try:
        livez = requests.get(server.url + "/livez", timeout=12)
        assert livez.status_code == 200
        for client in stalled:
            read_until_closed(client)  # raises socket.timeout if the server never closes it
    finally:
        for client in stalled:
            client.close()


def test_a_check_waiting_longer_than_the_read_bound_on_the_provider_is_answered(
    start_gunicorn, database_url
):
    key, prospect_id = seed(database_url)
    unipile = SlowUnipile(delay=6)  # above the 5 s a request's head and body get to arrive
    server = serve_against(unipile, start_gunicorn, database_url, UNIPILE_TIMEOUT_SECONDS="10")

    with requests.Session() as session:
        check = session.get(server.url + PUBLIC.format(prospect_id), headers={"X-API-Key": key}, timeout=20)
        livez = session.get(server.url + "/livez", timeout=5)
    unipile.close()

    assert check.status_code == 200 and check.json()["is_connected"] is True
    assert livez.status_code == 200


def logs_of(server: GunicornProcess) -> str:
    return server.stdout() + server.stderr()


def test_query_values_never_reach_the_server_logs(start_gunicorn):
    server = start_gunicorn()
    server.wait_until_ready()

    response = requests.get(server.url + "/livez?jwt=SECRETVALUE42&max_age=3600", timeout=5)
    assert terminate(server) == 0

    assert response.status_code == 200
    assert "SECRETVALUE42" not in logs_of(server)
    assert '"GET /livez?jwt=[REDACTED]&max_age=[REDACTED] HTTP/1.1" 200' in server.stdout()


def test_an_invalid_request_line_is_logged_without_its_bytes(start_gunicorn):
    server = start_gunicorn()
    server.wait_until_ready()

    with connect(server, timeout=5) as client:
        client.sendall(b"GET /livez?key=plainSECRET77 HTTP/1.1 trailing-SECRET77\r\nHost: test\r\n\r\n")
        answer = read_until_closed(client)
    assert terminate(server) == 0

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert "Invalid request from ip=127.0.0.1" in server.stderr()
    assert "SECRET77" not in logs_of(server)
