"""The whole path over real sockets: HTTP client -> service -> SQLite -> Unipile adapter -> a local Unipile stand-in."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from domain import services
from domain.model import AccountStatus, Provider
from entrypoints.app import create_app
from tests.e2e.conftest import JWT_SECRET

UNIPILE_KEY = "unipile-test-key-0123456789"
PROFILES = {
    "jane-doe": (200, {"object": "UserProfile", "provider": "LINKEDIN", "provider_id": "ACoAAA1",
                       "public_identifier": "jane-doe", "network_distance": "FIRST_DEGREE",
                       "is_relationship": True, "member_urn": "117734020", "websites": []}),
    "ömer-demir": (200, {"object": "UserProfile", "provider": "LINKEDIN", "provider_id": "ACoAAA2",
                         "public_identifier": "ömer-demir", "network_distance": "SECOND_DEGREE",
                         "invitation": {"type": "SENT", "status": "PENDING"}}),
    "gone-account": (401, {"status": 401, "type": "errors/disconnected_account", "title": "Disconnected account"}),
}


class UnipileStandIn(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):
        parts = urlsplit(self.path)
        self.seen.append({"path": parts.path, "query": parse_qs(parts.query), "key": self.headers.get("X-API-KEY")})
        identifier = requests.utils.unquote(parts.path.removeprefix("/api/v1/users/"))
        status, body = PROFILES.get(identifier, (404, {"status": 404, "type": "errors/resource_not_found", "title": "Resource not found."}))
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def unipile():
    UnipileStandIn.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), UnipileStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def service(unipile, tmp_path):
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path}/service.db",
            "LINKEDIN_PROVIDER": "unipile",
            "UNIPILE_DSN": f"http://127.0.0.1:{unipile.server_port}",
            "UNIPILE_API_KEY": UNIPILE_KEY,
            "UNIPILE_TIMEOUT_SECONDS": 3,
        }
    )
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    store = app.extensions["services"].store
    workspace = store.add_workspace("Acme")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.OK)
    _, key = services.issue_api_key(workspace.id, None, store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "store": store, "workspace": workspace,
           "account": account, "key": key}
    server.shutdown()


def check(service, url):
    prospect = service["store"].add_prospect(service["workspace"].id, url)
    return requests.get(
        f"{service['base']}/api/v1/public/prospects/{prospect.id}/connection-status/",
        headers={"X-API-Key": service["key"]},
        timeout=10,
    )


def test_connected_prospect_is_checked_live_against_unipile(service):
    response = check(service, "https://uk.linkedin.com/in/jane-doe/?originalSubdomain=uk")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "is_connected": True,
        "connection_level": 1,
        "network_distance": "FIRST_DEGREE",
        "checked_with_account_id": service["account"].id,
        "invitation": None,
        "connection_status": "connected",
        "checked_at": response.json()["checked_at"],
        "source": "live",
    }
    [call] = UnipileStandIn.seen
    assert call["path"] == "/api/v1/users/jane-doe"
    assert call["query"] == {"account_id": ["t5XY4yQzR9WVrlNFyzPMhw"], "notify": ["false"]}
    assert call["key"] == UNIPILE_KEY


def test_unicode_slug_goes_out_encoded_once_and_invitation_comes_back(service):
    response = check(service, "https://www.linkedin.com/in/%C3%B6mer-demir")
    assert response.status_code == 200
    assert response.json()["invitation"] == {"type": "SENT", "status": "PENDING"}
    assert response.json()["is_connected"] is False
    assert UnipileStandIn.seen[0]["path"] == "/api/v1/users/%C3%B6mer-demir"  # encoded once, never %25C3


def test_provider_errors_become_the_contract_502(service):
    disconnected = check(service, "https://www.linkedin.com/in/gone-account")
    missing = check(service, "https://www.linkedin.com/in/nobody-here")
    assert (disconnected.status_code, disconnected.json()["code"]) == (502, "provider_account_disconnected")
    assert (missing.status_code, missing.json()["code"]) == (502, "provider_profile_not_found")
    for response in (disconnected, missing):
        assert response.json()["error"] == "Failed to fetch prospect profile from LinkedIn provider"
        assert "Resource not found" not in response.text and UNIPILE_KEY not in response.text
