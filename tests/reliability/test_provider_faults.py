"""The provider fault matrix through a real server socket.

gunicorn serves the app with the real Unipile adapter, pointed at a stand-in on loopback that
misbehaves in one way per prospect. Every fault must come back as the contract's 502 with its
`code`, within the provider deadline plus half a second measured at the client, and never as a
500. The run is at LOG_LEVEL=DEBUG, urllib3's request lines included, and no log line may carry a
credential or a prospect's LinkedIn URL.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import pytest
import requests

from entrypoints.errors import PROVIDER_FAILED
from tests.conftest import migrated_sqlite_url
from tests.gunicorn_process import GunicornProcess
from tests.reliability.served import IN_APP, PUBLIC, Credentials, assert_no_secret_in, seed_workspace
from tests.reliability.unipile_stand_in import RETRY_AFTER_SECONDS, UnipileStandIn

pytestmark = pytest.mark.reliability

DEADLINE_SECONDS = 1.0
# Measured at the client: the provider deadline, plus the time to serve the rest of the request.
ANSWER_BOUND_SECONDS = DEADLINE_SECONDS + 0.5
WEBHOOK = "/api/v1/webhooks/unipile/account-status/"


@dataclass(frozen=True)
class Row:
    behaviour: str
    code: str
    retry_after: str | None = None


# The order matters only in that each row has its own account: a 429 pauses only its own.
ROWS = [
    Row("slow", "provider_timeout"),
    Row("drip", "provider_timeout"),
    Row("open_after_body", "provider_timeout"),
    Row("reset", "provider_unreachable"),
    Row("hang_up", "provider_unreachable"),
    Row("redirect", "provider_error"),
    Row("huge", "provider_error"),
    Row("nested", "provider_error"),
    Row("html", "provider_error"),
    Row("garbage", "provider_error"),
    Row("key_named_twice", "provider_error"),
    Row("another_member", "provider_error"),
    Row("not_http", "provider_error"),
    Row("unavailable", "provider_error"),
    Row("server_error", "provider_error"),
    Row("rate_limited", "provider_rate_limited", retry_after=str(RETRY_AFTER_SECONDS)),
    Row("rate_limited_no_retry_after", "provider_rate_limited"),
    Row("disconnected", "provider_account_disconnected"),
]
# Answers about the member asked for that are good, though not spelled as `healthy` is.
SAME_MEMBER = ["other_spelling", "unknown_distance"]


@dataclass
class Answer:
    status: int
    body: dict | None
    retry_after: str | None
    seconds: float


@dataclass
class MatrixRun:
    answers: dict[str, Answer]
    lookups: dict[str, int]
    redirect_target_connections: int
    logs: str
    gunicorn_stderr: str
    never_logged: list[str]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, sqlite_migrated_template) -> MatrixRun:
    """Runs every row once against one server, stops it, and keeps what each test inspects."""
    directory = tmp_path_factory.mktemp("fault-matrix")
    database_url = migrated_sqlite_url(sqlite_migrated_template, directory)
    credentials = Credentials()
    behaviours = ["healthy", *SAME_MEMBER, *(row.behaviour for row in ROWS)]
    slugs = {behaviour: f"{behaviour.replace('_', '-')}-{secrets.token_hex(4)}" for behaviour in behaviours}
    behaviour_of = {slug: behaviour for behaviour, slug in slugs.items()}
    seeded = seed_workspace(database_url, credentials, slugs=slugs, accounts=behaviours)

    # Another host than Unipile's: it must never see a connection, let alone our key.
    redirect_target = UnipileStandIn(host="127.0.0.2")
    unipile = UnipileStandIn(lambda identifier: behaviour_of.get(identifier, "healthy"), redirect_to=redirect_target.url)
    server = GunicornProcess(
        directory,
        {
            "DATABASE_URL": database_url,
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "JWT_SECRET_KEY": credentials.jwt_secret,
            "LINKEDIN_PROVIDER": "unipile",
            "UNIPILE_DSN": unipile.url,
            "UNIPILE_API_KEY": credentials.unipile_key,
            "UNIPILE_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
            "UNIPILE_WEBHOOK_SECRET": credentials.webhook_secret,
            "GUNICORN_TIMEOUT": "4",
            "GUNICORN_GRACEFUL_TIMEOUT": "3",
            "LOG_LEVEL": "DEBUG",
        },
    )
    try:
        server.wait_until_ready()
        client = requests.Session()
        api_key = {"X-API-Key": seeded.api_key}

        def check(behaviour: str, headers: dict[str, str] = api_key, path: str = PUBLIC) -> Answer:
            url = server.url + path.format(seeded.prospects[behaviour])
            started = time.monotonic()
            response = client.get(url, params={"account_id": seeded.accounts[behaviour]}, headers=headers, timeout=15)
            seconds = time.monotonic() - started
            body = response.json() if response.headers.get("Content-Type") == "application/json" else None
            return Answer(response.status_code, body, response.headers.get("Retry-After"), seconds)

        answers = {behaviour: check(behaviour) for behaviour in behaviours}
        # The same account again, moments after Unipile's 429: answered without asking Unipile.
        lookups_before_cool_down = unipile.lookup_count()
        answers["cool_down"] = check("rate_limited")
        cool_down_lookups = unipile.lookup_count() - lookups_before_cool_down
        answers["in_app"] = check("healthy", {"Authorization": f"Bearer {seeded.token}"}, IN_APP)
        _requests_that_carry_secrets(client, server.url, seeded, credentials)
    finally:
        server.stop()
        unipile.close()
        redirect_target.close()

    lookups = {behaviour: unipile.lookups.count(slugs[behaviour]) for behaviour in behaviours}
    lookups["cool_down"] = cool_down_lookups
    return MatrixRun(
        answers=answers,
        lookups=lookups,
        redirect_target_connections=redirect_target.accepted,
        logs=server.stdout() + server.stderr(),
        gunicorn_stderr=server.stderr(),
        never_logged=seeded.never_logged(credentials),
    )


def _requests_that_carry_secrets(client, base_url, seeded, credentials) -> None:
    """Refused credentials and the webhook secret, right and wrong, so that the log scan covers them."""
    prefix = seeded.api_key.split(".", 1)[0]
    forged = f"{prefix}.{secrets.token_urlsafe(32)}"
    refused = [
        client.get(base_url + PUBLIC.format(seeded.prospects["healthy"]), headers={"X-API-Key": forged}, timeout=15),
        client.get(base_url + IN_APP.format(seeded.prospects["healthy"]),
                   headers={"Authorization": f"Bearer {seeded.token}x"}, timeout=15),
        client.post(base_url + WEBHOOK, headers={"Unipile-Auth": credentials.webhook_secret + "x"},
                    json={"AccountStatus": {"account_id": "unknown", "message": "OK"}}, timeout=15),
    ]
    assert [response.status_code for response in refused] == [401, 401, 401]
    accepted = client.post(
        base_url + WEBHOOK,
        headers={"Unipile-Auth": credentials.webhook_secret},
        json={"AccountStatus": {"account_id": "unipile-healthy", "message": "OK"}},
        timeout=15,
    )
    assert accepted.status_code == 200, accepted.text


def test_a_healthy_lookup_answers_200_through_the_same_server(matrix):
    answer = matrix.answers["healthy"]
    assert (answer.status, answer.body["success"], answer.body["network_distance"]) == (200, True, "OUT_OF_NETWORK")
    assert matrix.answers["in_app"].status == 200


def test_the_same_member_with_its_slug_encoded_and_in_capitals_is_answered(matrix):
    answer = matrix.answers["other_spelling"]
    assert (answer.status, answer.body["network_distance"]) == (200, "OUT_OF_NETWORK")


def test_a_distance_nobody_knows_is_not_echoed_and_the_answer_says_it_does_not_know(matrix):
    answer = matrix.answers["unknown_distance"]
    assert answer.status == 200
    assert {field: answer.body[field] for field in ("connection_status", "is_connected", "network_distance")} == {
        "connection_status": "unknown", "is_connected": False, "network_distance": None}


@pytest.mark.parametrize("row", ROWS, ids=[row.behaviour for row in ROWS])
def test_each_provider_fault_answers_502_with_its_code_within_the_deadline(matrix, row):
    answer = matrix.answers[row.behaviour]

    assert answer.status == 502
    assert answer.body == {"success": False, "error": PROVIDER_FAILED, "code": row.code}
    assert answer.retry_after == row.retry_after
    assert answer.seconds <= ANSWER_BOUND_SECONDS, f"{answer.seconds:.2f} s"
    assert matrix.lookups[row.behaviour] >= 1, "the lookup reached the stand-in"


def test_a_redirect_is_not_followed_to_the_other_host(matrix):
    assert matrix.redirect_target_connections == 0
    assert matrix.lookups["redirect"] == 1


def test_an_answer_that_is_not_http_is_not_asked_again(matrix):
    assert matrix.lookups["not_http"] == 1


def test_the_account_unipile_rate_limited_cools_down_without_a_call(matrix):
    answer = matrix.answers["cool_down"]

    assert answer.status == 502
    assert answer.body == {"success": False, "error": PROVIDER_FAILED, "code": "provider_rate_limited"}
    assert 1 <= int(answer.retry_after) <= RETRY_AFTER_SECONDS
    assert answer.seconds <= ANSWER_BOUND_SECONDS
    assert matrix.lookups["cool_down"] == 0, "no call reached the stand-in"
    assert matrix.lookups["rate_limited"] == 1


def test_no_answer_is_a_500_and_no_worker_timed_out(matrix):
    assert all(answer.status != 500 for answer in matrix.answers.values())
    assert "WORKER TIMEOUT" not in matrix.gunicorn_stderr
    assert matrix.gunicorn_stderr.count("Booting worker") == 1


def test_no_log_line_at_debug_carries_a_secret_or_a_linkedin_url(matrix):
    # The scan covers urllib3's request lines, where a profile path would show.
    assert "urllib3.connectionpool" in matrix.logs
    assert '"GET /api/v1/users/' in matrix.logs
    assert "connection_status.requests" in matrix.logs and '"GET /api/v1/public/prospects/' in matrix.logs

    assert_no_secret_in(matrix.logs, matrix.never_logged)
