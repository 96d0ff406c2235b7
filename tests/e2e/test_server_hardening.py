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
from tests.e2e.test_gunicorn import PUBLIC, SlowUnipile, seed, terminate
from tests.gunicorn_process import GunicornProcess

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
    server = start_gunicorn(
        LINKEDIN_PROVIDER="unipile",
        UNIPILE_DSN=unipile.url,
        UNIPILE_API_KEY="unipile-key-for-the-stand-in",
        UNIPILE_TIMEOUT_SECONDS="10",
    )
    server.wait_until_ready()
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
