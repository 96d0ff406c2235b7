"""What the Unipile adapter tests share: one connected account, its key, and the adapter over recorded HTTP.

The adapter gets a clock that moves only when it sleeps or a test advances it, and a fixed jitter,
so retries and deadlines are exact.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from adapters.unipile.profiles import UnipileLinkedInProvider
from adapters.unipile.transport import UnipileClient
from domain.model import AccountStatus, ConnectedAccount, Provider
from domain.profile_url import ProfileIdentifier
from tests.fakes import FakeSecondsClock

BASE_URL = "https://api8.unipile.com:13851"
API_KEY = "unipile-secret-key-0123456789"
ACCOUNT = ConnectedAccount(
    id=7,
    workspace_id=1,
    provider=Provider.LINKEDIN,
    provider_account_id="t5XY4yQzR9WVrlNFyzPMhw",
    status=AccountStatus.OK,
)
JANE = ProfileIdentifier("jane-doe-4a1b2c3")


def error_body(status: int, error_type: str) -> dict:
    """An error answer in the shape Unipile documents."""
    return {"status": status, "type": error_type, "title": "Title", "detail": "Detail."}


@pytest.fixture
def unipile():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeSecondsClock:
    return FakeSecondsClock()


@pytest.fixture
def client(clock):
    client = UnipileClient(
        BASE_URL, API_KEY, timeout_seconds=10.0, sleep=clock.sleep, clock=clock, random=lambda: 0.5
    )
    yield client
    client.close()


@pytest.fixture
def provider(client):
    return UnipileLinkedInProvider(client)


def serve_pages(unipile, url: str, pages: dict[str | None, dict], on_call=None) -> None:
    """Answers each GET of `url` with the page its cursor names (None: the first page)."""

    def answer(request):
        if on_call is not None:
            on_call()
        cursor = parse_qs(urlsplit(request.url).query).get("cursor", [None])[0]
        return 200, {"Content-Type": "application/json"}, json.dumps(pages[cursor])

    unipile.add_callback(responses.GET, url, callback=answer)


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)
