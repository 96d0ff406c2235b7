"""The app wired with fakes, and a small seeded world to call it with."""

import dataclasses
import json
import threading
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_jwt_extended import create_access_token

from domain import services
from domain.model import AccountStatus, Provider
from entrypoints.app import ENVIRONMENT_SETTINGS, create_app
from entrypoints.bootstrap import Services
from tests.fakes import FakeLinkedInProvider, FakeObservationStore, FakeProspectStore

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture(autouse=True)
def settings_only_from_the_test(monkeypatch):
    """create_app reads these from the environment: a developer's own values must not change a test."""
    for name in (*ENVIRONMENT_SETTINGS, "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class World:
    store: FakeProspectStore
    provider: FakeLinkedInProvider
    observations: FakeObservationStore
    workspace_id: int
    other_workspace_id: int
    api_key: str
    api_key_id: int
    other_api_key: str
    user_id: int
    account_id: int
    prospect_id: int
    other_prospect_id: int


@pytest.fixture
def world():
    store, provider = FakeProspectStore(), FakeLinkedInProvider()
    workspace = store.add_workspace("Acme")
    other = store.add_workspace("Other")
    record, key = services.issue_api_key(workspace.id, "ci", store=store)
    _, other_key = services.issue_api_key(other.id, None, store=store)
    user = store.add_user(workspace.id, "sales@acme.test")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.OK)
    store.add_account(other.id, Provider.LINKEDIN, "theirs", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe-4a1b2c3/")
    other_prospect = store.add_prospect(other.id, "https://www.linkedin.com/in/john-roe/")
    return World(
        store=store,
        provider=provider,
        observations=FakeObservationStore(),
        workspace_id=workspace.id,
        other_workspace_id=other.id,
        api_key=key,
        api_key_id=record.id,
        other_api_key=other_key,
        user_id=user.id,
        account_id=account.id,
        prospect_id=prospect.id,
        other_prospect_id=other_prospect.id,
    )


@pytest.fixture
def make_app(world):
    """The app over the world's fakes, with extra settings and, optionally, a clock the test moves."""

    def make(config=None, *, clock=None):
        services = Services(store=world.store, provider=world.provider, observations=world.observations)
        if clock is not None:
            services = dataclasses.replace(services, clock=clock)
        return create_app({"JWT_SECRET_KEY": JWT_SECRET, "TESTING": True, **(config or {})}, services=services)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token_for(app):
    def make(user_id, *, expires=timedelta(minutes=5), **kwargs):
        with app.app_context():
            return create_access_token(identity=str(user_id), expires_delta=expires, **kwargs)

    return make


UNIPILE_API_KEY = "unipile-secret-key-0123456789"


class UnipilePages(BaseHTTPRequestHandler):
    """One of Unipile's paged lists: a GET of the server's `path` with UNIPILE_API_KEY answers
    `pages[cursor]` (None: the first page), or a 500 for a cursor it has no page for; anything else
    is a 404. Every query is kept in `queries`."""

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.server.queries.append(query)
        if url.path != self.server.path or self.headers.get("X-API-KEY") != UNIPILE_API_KEY:
            self.send_response(404)
            self.end_headers()
            return
        page = self.server.pages.get(query.get("cursor", [None])[0])
        body = json.dumps(page or {"status": 500, "type": "errors/unexpected_error"}).encode()
        self.send_response(200 if page else 500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def unipile_pages():
    """A local Unipile stand-in for paged lists; set its `path` and `pages`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), UnipilePages)
    server.path, server.pages, server.queries = None, {}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def unipile_app(server, tmp_path):
    """The app as configured in production, on its own SQLite file and the Unipile stand-in, migrated."""
    app = create_app(
        {
            "JWT_SECRET_KEY": JWT_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
            "LINKEDIN_PROVIDER": "unipile",
            "UNIPILE_DSN": f"http://127.0.0.1:{server.server_address[1]}",
            "UNIPILE_API_KEY": UNIPILE_API_KEY,
            "UNIPILE_TIMEOUT_SECONDS": 5,
        }
    )
    app.test_cli_runner().invoke(args=["db", "upgrade"])
    return app
