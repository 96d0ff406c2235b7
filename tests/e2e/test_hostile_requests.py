"""Requests an attacker or a careless client sends, over a real socket: odd paths, methods, bodies, tokens."""

from __future__ import annotations

import http.client
import json
import threading
import time

import jwt as pyjwt
import pytest
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from domain import services
from domain.model import AccountStatus, Provider
from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET

WEBHOOK_SECRET = "whsec-7Kq2mV9xT4pL8nR3wZ6yB1cF5hJ0dG2s"
PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"
ACCOUNT_STATUS = "/api/v1/webhooks/unipile/account-status/"


@pytest.fixture
def served(tmp_path):
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path}/service.db",
            "LINKEDIN_PROVIDER": "sandbox",
            "UNIPILE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
    )
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    store = app.extensions["services"].store
    workspace = store.add_workspace("Acme")
    store.add_account(workspace.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.OK)
    _, key = services.issue_api_key(workspace.id, None, store=store)
    user = store.add_user(workspace.id, "sales@acme.test")
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/sandbox-first-degree/")
    # A browser resolves these to /in/evil: checking `sandbox-first-degree` would answer about someone else.
    dot_segments = [
        store.add_prospect(workspace.id, f"https://www.linkedin.com/in/sandbox-first-degree/{dots}/evil").id
        for dots in ("..", "%2e%2e", ".")
    ]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"port": server.server_port, "key": key, "user_id": user.id, "prospect_id": prospect.id,
           "dot_segment_prospect_ids": dot_segments}
    server.shutdown()


def send(served, method, path, *, headers=None, body=None):
    """One raw request, exactly as written (no normalisation of the path or method by a client library)."""
    connection = http.client.HTTPConnection("127.0.0.1", served["port"], timeout=10)
    try:
        connection.putrequest(method, path, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/public/prospects/1%2F/connection-status/",
        "/api/v1/public/prospects//1/connection-status/",
        "/api/v1//docs",
    ],
)
def test_a_path_with_an_empty_segment_is_a_json_404_never_a_redirect_to_the_callers_host(served, path):
    status, headers, body = send(served, "GET", path, headers={"Host": "evil.example"})

    assert status == 404
    assert "location" not in headers
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"success": False, "error": "Not Found"}


@pytest.mark.parametrize(
    "path, method, allowed",
    [
        (PUBLIC.format(1), "DELETE", {"GET"}),
        (IN_APP.format(1), "POST", {"GET"}),
        (ACCOUNT_STATUS, "GET", {"POST"}),
        ("/livez", "POST", {"GET", "HEAD"}),
        ("/metrics", "PUT", {"GET", "HEAD"}),
    ],
)
def test_a_405_allows_exactly_the_methods_the_route_answers(served, path, method, allowed):
    status, headers, body = send(served, method, path)

    assert status == 405
    assert json.loads(body) == {"success": False, "error": "Method Not Allowed"}
    assert {name.strip() for name in headers["allow"].split(",")} == allowed
    for refused in {"GET", "HEAD", "POST", "OPTIONS"} - allowed:
        assert send(served, refused, path)[0] == 405, refused


def test_head_is_answered_where_it_is_allowed(served):
    assert send(served, "HEAD", "/livez")[0] == 200


def test_methods_nobody_serves_share_one_metrics_series(served):
    for number in range(40):
        assert send(served, f"BREW{number}", "/livez")[0] == 405
        assert send(served, f"BREW{number}", "/no/such/route")[0] in (404, 405)
    status, _, body = send(served, "GET", "/metrics")

    assert status == 200
    counted = [
        (sample.labels["method"], sample.value)
        for family in text_string_to_metric_families(body.decode())
        if family.name == "http_requests"
        for sample in family.samples
        if sample.name == "http_requests_total"
    ]
    assert {method for method, _ in counted} == {"other"}
    assert sum(total for _, total in counted) == 80


def test_an_oversized_webhook_body_is_refused_after_the_secret_is_checked(served):
    body = b"{" + b" " * 70_000 + b"}"

    unauthenticated = send(served, "POST", ACCOUNT_STATUS, body=body)
    wrong = send(served, "POST", ACCOUNT_STATUS, headers={"Unipile-Auth": "x" * 40}, body=body)
    authenticated = send(served, "POST", ACCOUNT_STATUS, headers={"Unipile-Auth": WEBHOOK_SECRET}, body=body)

    assert (unauthenticated[0], json.loads(unauthenticated[2])["error"]) == (401, "Missing webhook secret")
    assert (wrong[0], json.loads(wrong[2])["error"]) == (401, "Invalid webhook secret")
    assert (authenticated[0], json.loads(authenticated[2])["error"]) == (400, "Body must be at most 16384 bytes")


def test_a_token_without_a_type_is_refused_and_one_with_it_accepted(served):
    issued = int(time.time()) - 60
    claims = {
        "sub": str(served["user_id"]), "iat": issued, "nbf": issued, "exp": issued + 3600,
        "aud": "connection-status", "iss": "connection-status",
    }
    path = IN_APP.format(served["prospect_id"])

    def with_token(token_claims):
        token = pyjwt.encode(token_claims, JWT_SECRET, algorithm="HS256")
        return send(served, "GET", path, headers={"Authorization": f"Bearer {token}"})

    untyped = with_token(claims)
    typed = with_token({**claims, "type": "access"})

    assert untyped[0] == 401
    assert json.loads(untyped[2]) == {"success": False, "error": "Invalid or expired token"}
    assert typed[0] == 200


def test_a_profile_url_with_a_dot_segment_is_refused_not_checked_as_another_member(served):
    for prospect_id in served["dot_segment_prospect_ids"]:
        status, _, body = send(served, "GET", f"/api/v1/public/prospects/{prospect_id}/connection-status/",
                               headers={"X-API-Key": served["key"]})

        assert (status, json.loads(body)) == (
            400, {"success": False, "error": "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL"}
        )
