"""Liveness and readiness probes: JSON, no credentials, no rate limit, never the LinkedIn provider."""

import pytest

from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET


def test_livez_answers_without_credentials(client):
    response = client.get("/livez")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_when_the_database_does(client, world):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert world.provider.calls == []


def test_readyz_is_503_json_when_the_database_does_not_answer(client, world):
    world.store.available = False

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content_type == "application/json"
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert client.get("/livez").status_code == 200


def test_readyz_over_a_real_database_that_is_down(unused_tcp_port):
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"postgresql://app:secret@127.0.0.1:{unused_tcp_port}/app",
            "LINKEDIN_PROVIDER": "sandbox",
        }
    )

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_readyz_over_a_migrated_sqlite_database(sqlite_migrated_template):
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{sqlite_migrated_template}",
            "LINKEDIN_PROVIDER": "sandbox",
        }
    )

    assert app.test_client().get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
def test_probes_are_never_rate_limited(make_app, path):
    client = make_app({"API_RATE_LIMIT": "1/minute"}).test_client()

    assert [client.get(path).status_code for _ in range(5)] == [200] * 5
