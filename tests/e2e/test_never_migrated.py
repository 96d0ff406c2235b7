"""A database `db upgrade` never ran on, behind a real server: not ready, and never a 500."""

from __future__ import annotations

import threading
import time

import jwt as pyjwt
import pytest
import requests
from werkzeug.serving import make_server

from adapters.sql_store import upgrade_schema
from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET

WEBHOOK_SECRET = "whsec-7Kq2mV9xT4pL8nR3wZ6yB1cF5hJ0dG2s"
# The shape of a real key (12-character prefix, 43-character secret), so that the store is asked.
API_KEY = "a1b2c3d4e5f6." + "s" * 43


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def never_migrated(request, tmp_path):
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        database_url = request.getfixturevalue("pg_database_url")
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": database_url,
            "LINKEDIN_PROVIDER": "sandbox",
            "UNIPILE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def bearer_token() -> str:
    issued = int(time.time()) - 60
    claims = {
        "sub": "1", "type": "access", "iat": issued, "nbf": issued, "exp": issued + 3600,
        "aud": "connection-status", "iss": "connection-status",
    }
    return pyjwt.encode(claims, JWT_SECRET, algorithm="HS256")


def test_readyz_is_503_naming_db_upgrade(never_migrated):
    _, base = never_migrated

    response = requests.get(f"{base}/readyz", timeout=10)

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "not_migrated"}
    assert "flask --app wsgi db upgrade" in response.json()["error"]


def test_no_route_answers_500_and_the_log_says_what_to_run(never_migrated, caplog):
    app, base = never_migrated
    headers = {
        "X-API-Key": API_KEY,
        "Authorization": f"Bearer {bearer_token()}",
        "Unipile-Auth": WEBHOOK_SECRET,
    }
    bodies = {
        "/api/v1/webhooks/unipile/account-status/": {"AccountStatus": {"account_id": "acc-1", "message": "OK"}},
        "/api/v1/webhooks/unipile/hosted-auth/": {"status": "CREATION_SUCCESS", "account_id": "acc-1", "name": "1"},
    }
    answers = {}
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<prospect_id>", "1").replace("<path:filename>", "swagger-ui.css")
        for method in sorted(rule.methods - {"HEAD"}):
            response = requests.request(method, base + path, headers=headers, json=bodies.get(path), timeout=10)
            answers[(method, rule.rule)] = response.status_code

    assert answers[("GET", "/api/v1/public/prospects/<prospect_id>/connection-status/")] == 503
    assert answers[("GET", "/api/v1/prospects/<prospect_id>/connection-status/")] == 503
    assert answers[("POST", "/api/v1/webhooks/unipile/account-status/")] == 503
    assert [answer for answer in answers.items() if answer[1] >= 500 and answer[1] != 503] == []
    assert "run `flask --app wsgi db upgrade`" in caplog.text


def test_a_database_one_release_behind_is_not_ready(tmp_path, caplog):
    """Migrated before the observations existed: the prospects' tables answer, the observations' do not."""
    database_url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade_schema(database_url, "0002")
    app = create_app({"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": database_url, "LINKEDIN_PROVIDER": "sandbox"})

    ready = app.test_client().get("/readyz")

    assert ready.status_code == 503 and ready.get_json()["checks"] == {"database": "not_migrated"}
    assert "run `flask --app wsgi db upgrade`" in caplog.text
