"""The operator CLI against a real SQLite database, then the route answering what it provisioned."""

import json

import pytest

from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path}/var/cli.db",
            "LINKEDIN_PROVIDER": "sandbox",
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    return app


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, ok=True):
        result = runner.invoke(args=[str(arg) for arg in args])
        if ok:
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)
        return result

    return run


def test_provisioning_then_checking_through_both_routes(app, cli):
    workspace = cli("workspaces", "create", "--name", "Acme")
    assert workspace == {"id": workspace["id"], "name": "Acme"}
    key = cli("api-keys", "create", "--workspace", workspace["id"], "--name", "campaigns")
    assert set(key) == {"id", "workspace_id", "prefix", "key"} and key["key"].startswith(key["prefix"] + ".")
    account = cli("accounts", "create", "--workspace", workspace["id"], "--provider-account-id", "t5XY4yQzR9WVrlNFyzPMhw")
    assert account == {
        "id": account["id"],
        "workspace_id": workspace["id"],
        "provider": "LINKEDIN",
        "provider_account_id": "t5XY4yQzR9WVrlNFyzPMhw",
        "status": "OK",
    }
    prospect = cli("prospects", "create", "--workspace", workspace["id"], "--linkedin-url", "https://www.linkedin.com/in/sandbox-first-degree/")
    user = cli("users", "create", "--workspace", workspace["id"], "--email", "sales@acme.test")
    token = cli("users", "token", user["id"], "--expires-in", 60)["access_token"]

    client = app.test_client()
    by_key = client.get(
        f"/api/v1/public/prospects/{prospect['id']}/connection-status/", headers={"X-API-Key": key["key"]}
    )
    by_token = client.get(
        f"/api/v1/prospects/{prospect['id']}/connection-status/", headers={"Authorization": f"Bearer {token}"}
    )
    for response in (by_key, by_token):
        assert response.status_code == 200
        assert response.get_json()["is_connected"] is True
        assert response.get_json()["checked_with_account_id"] == account["id"]

    assert cli("api-keys", "revoke", key["id"]) == {"id": key["id"], "revoked": True}
    again = client.get(f"/api/v1/public/prospects/{prospect['id']}/connection-status/", headers={"X-API-Key": key["key"]})
    assert again.status_code == 401

    paused = cli("accounts", "set-status", account["id"], "credentials")
    assert paused["status"] == "CREDENTIALS"
    blocked = client.get(f"/api/v1/prospects/{prospect['id']}/connection-status/", headers={"Authorization": f"Bearer {token}"})
    assert blocked.get_json()["error"] == "No active LinkedIn account is connected to this workspace"


def test_the_key_is_never_stored(app, cli, tmp_path):
    workspace = cli("workspaces", "create", "--name", "Acme")
    key = cli("api-keys", "create", "--workspace", workspace["id"])["key"]
    secret = key.split(".", 1)[1]
    assert secret.encode() not in (tmp_path / "var" / "cli.db").read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["api-keys", "create", "--workspace", 999], "workspace 999 does not exist"),
        (["users", "create", "--workspace", 999, "--email", "a@b.c"], "workspace 999 does not exist"),
        (["prospects", "create", "--workspace", 10**30], "workspace 1000000000000000000000000000000 does not exist"),
        (["accounts", "create", "--workspace", 1, "--provider-account-id", "x", "--status", "SLEEPY"], "unknown status 'SLEEPY'"),
        (["accounts", "create", "--workspace", 1, "--provider-account-id", "x", "--provider", "MYSPACE"], "unknown provider 'MYSPACE'"),
        (["accounts", "set-status", 999, "OK"], "account 999 does not exist"),
        (["accounts", "set-status", 1, "NOPE"], "unknown status 'NOPE'"),
        (["api-keys", "revoke", 999], "API key 999 does not exist"),
        (["users", "token", 999], "user 999 does not exist"),
        (["users", "token", 1, "--expires-in", 0], "--expires-in must be between"),
        (["workspaces", "create", "--name", "  "], "--name must be 1 to 200 printable characters"),
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_1(cli, args, message):
    cli("workspaces", "create", "--name", "Acme")
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_duplicate_user_email_is_a_one_line_error(cli):
    workspace = cli("workspaces", "create", "--name", "Acme")
    cli("users", "create", "--workspace", workspace["id"], "--email", "a@acme.test")
    result = cli("users", "create", "--workspace", workspace["id"], "--email", "a@acme.test", ok=False)
    assert result.exit_code == 1 and "already a user" in result.output


def test_demo_seeds_once_and_prints_working_curl_lines(app, cli, tmp_path):
    first = cli("demo", "--file", tmp_path / "demo.json")
    second = cli("demo", "--file", tmp_path / "demo.json")
    assert first == second
    assert len(first["curl"]) == 3
    client = app.test_client()
    answers = {}
    for name, prospect_id in first["prospects"].items():
        response = client.get(
            f"/api/v1/public/prospects/{prospect_id}/connection-status/", headers={"X-API-Key": first["api_key"]}
        )
        answers[name] = (response.status_code, response.get_json()["is_connected"])
    assert answers == {
        "connected": (200, True),
        "second_degree_invited": (200, False),
        "out_of_network": (200, False),
    }


def test_migrations_can_be_inspected_and_undone(cli):
    head = cli("db", "current")["revision"]
    assert head is not None
    assert cli("db", "downgrade", "base") == {"revision": None}
    assert cli("db", "upgrade") == {"revision": head}
    result = cli("db", "downgrade", "no-such-revision", ok=False)
    assert result.exit_code == 1 and "no-such-revision" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["accounts", "create", "--workspace", 1, "--provider-account-id", "a\x01b"], "--provider-account-id must be"),
        (["accounts", "create", "--workspace", 1, "--provider-account-id", "x" * 256], "--provider-account-id must be"),
        (["workspaces", "create", "--name", "bad\ud800name"], "--name must be"),
        (["users", "create", "--workspace", 1, "--email", "a@b\x00c"], "is not an email address"),
    ],
)
def test_text_no_database_can_hold_is_a_one_line_error(cli, args, message):
    cli("workspaces", "create", "--name", "Acme")
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
