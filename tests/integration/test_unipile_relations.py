"""Unipile's relations list against recorded HTTP: paging, the page limit, the client's deadline and retry rules."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import pytest

from adapters.unipile.relations import MAX_RELATIONS_PAGE_BYTES, RELATIONS_PAGE_SIZE, UnipileRelations
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.relations import Relation
from tests.integration.conftest import ACCOUNT, API_KEY, BASE_URL, error_body, query_of, serve_pages

RELATIONS_URL = f"{BASE_URL}/api/v1/users/relations"
UNIPILE_ACCOUNT_ID = ACCOUNT.provider_account_id


def relation(member_id: str, public_identifier: str | None) -> dict:
    """A relation in the shape Unipile's captures show: `member_id`, and no `provider_id` key."""
    return {
        "object": "UserRelation",
        "connection_urn": f"urn:li:fsd_connection:{member_id}",
        "created_at": 1782818741000,
        "first_name": "Jane",
        "last_name": "Doe",
        "member_id": member_id,
        "member_urn": f"urn:li:fsd_profile:{member_id}",
        "headline": "Head of Sales at Acme",
        "public_identifier": public_identifier,
        "public_profile_url": f"https://www.linkedin.com/in/{public_identifier}/",
        "profile_picture_url": "https://media.licdn.com/x",
    }


def page(*items: dict, cursor: str | None = None) -> dict:
    return {"object": "UserRelationsList", "items": list(items), "cursor": cursor}


JANE = relation("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "jane-doe-4a1b2c3")
JOHN = relation("ACoAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "john-roe")
OMER = relation("ACoAACCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "ömer-halis-demir-7a9b79169")


@pytest.fixture
def relations(client):
    return UnipileRelations(client)


def read_pages(relations: UnipileRelations, max_pages: int = 50) -> list[tuple[Relation, ...]]:
    return list(relations.relation_pages(UNIPILE_ACCOUNT_ID, max_pages=max_pages))


def test_a_page_is_read_into_member_ids_and_public_identifiers(unipile, relations):
    unipile.get(RELATIONS_URL, json=page(JANE, OMER))

    assert read_pages(relations) == [
        (
            Relation("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "jane-doe-4a1b2c3"),
            Relation("ACoAACCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "ömer-halis-demir-7a9b79169"),
        )
    ]
    [call] = unipile.calls
    assert urlsplit(call.request.url).path == "/api/v1/users/relations"
    assert query_of(call) == {"account_id": [UNIPILE_ACCOUNT_ID], "limit": ["1000"]}
    assert call.request.headers["X-API-KEY"] == API_KEY
    assert call.request.req_kwargs["timeout"] == (10.0, 10.0)


def test_pages_follow_the_cursor_until_it_is_null(unipile, relations):
    serve_pages(unipile, RELATIONS_URL, {None: page(JANE, cursor="c-2"), "c-2": page(JOHN, cursor="c-3"), "c-3": page()})

    assert [[member.public_identifier for member in chunk] for chunk in read_pages(relations)] == [
        ["jane-doe-4a1b2c3"],
        ["john-roe"],
        [],
    ]
    assert [query_of(call) for call in unipile.calls] == [
        {"account_id": [UNIPILE_ACCOUNT_ID], "limit": ["1000"]},
        {"account_id": [UNIPILE_ACCOUNT_ID], "limit": ["1000"], "cursor": ["c-2"]},
        {"account_id": [UNIPILE_ACCOUNT_ID], "limit": ["1000"], "cursor": ["c-3"]},
    ]


def test_no_more_than_max_pages_are_asked_for_and_the_stop_is_logged(unipile, relations, caplog):
    pages = {None: page(JANE, cursor="c-1"), **{f"c-{n}": page(JOHN, cursor=f"c-{n + 1}") for n in range(1, 10)}}
    serve_pages(unipile, RELATIONS_URL, pages)

    with caplog.at_level(logging.WARNING, logger="adapters.unipile"):
        read = read_pages(relations, max_pages=3)

    assert len(read) == 3 and len(unipile.calls) == 3
    assert "after 3 pages; Unipile has more" in caplog.text


def test_a_page_is_handed_over_before_the_next_is_asked_for(unipile, relations):
    serve_pages(unipile, RELATIONS_URL, {None: page(JANE, cursor="c-2"), "c-2": page(JOHN)})
    pages = relations.relation_pages(UNIPILE_ACCOUNT_ID, max_pages=50)

    next(pages)

    assert len(unipile.calls) == 1


def test_a_failing_later_page_raises_after_the_earlier_pages(unipile, relations):
    unipile.get(RELATIONS_URL, json=page(JANE, cursor="c-2"))
    unipile.get(RELATIONS_URL, status=500, json=error_body(500, "errors/unexpected_error"))
    read: list[tuple[Relation, ...]] = []

    with pytest.raises(ProviderFailure) as raised:
        read.extend(relations.relation_pages(UNIPILE_ACCOUNT_ID, max_pages=50))

    assert raised.value.code is ProviderFailureCode.ERROR
    assert [[member.member_id for member in chunk] for chunk in read] == [[JANE["member_id"]]]


def test_a_cursor_seen_before_is_a_failure(unipile, relations):
    serve_pages(unipile, RELATIONS_URL, {None: page(cursor="c-2"), "c-2": page(cursor="c-2")})

    with pytest.raises(ProviderFailure, match="repeated a page cursor"):
        read_pages(relations)
    assert len(unipile.calls) == 2


def test_each_page_has_the_whole_deadline_and_a_late_one_is_a_timeout(unipile, relations, clock):
    delays = iter([6.0, 6.0, 10.5])

    def slow():
        clock.now += next(delays)

    serve_pages(unipile, RELATIONS_URL, {None: page(cursor="c-2"), "c-2": page(cursor="c-3"), "c-3": page()}, on_call=slow)

    with pytest.raises(ProviderFailure) as raised:
        read_pages(relations)

    assert raised.value.code is ProviderFailureCode.TIMEOUT
    assert len(unipile.calls) == 3


def test_a_gateway_error_is_retried_and_a_rate_limit_is_not(unipile, relations, clock):
    unipile.get(RELATIONS_URL, status=503)
    unipile.get(RELATIONS_URL, json=page(JANE, cursor="c-2"))
    unipile.get(RELATIONS_URL, status=429, json=error_body(429, "errors/too_many_requests"))

    with pytest.raises(ProviderFailure) as raised:
        read_pages(relations)

    assert raised.value.code is ProviderFailureCode.RATE_LIMITED
    assert len(unipile.calls) == 3 and len(clock.sleeps) == 1


def test_a_redirect_is_not_followed(unipile, relations):
    unipile.get(RELATIONS_URL, status=302, headers={"Location": "https://elsewhere.example/relations"})
    unipile.get("https://elsewhere.example/relations", json=page(JANE))

    with pytest.raises(ProviderFailure):
        read_pages(relations)
    assert [call.request.url.split("?")[0] for call in unipile.calls] == [RELATIONS_URL]


@pytest.mark.parametrize(
    "body",
    [
        "<html>Bad gateway</html>",
        json.dumps([page()]),
        json.dumps({"object": "AccountList", "items": [], "cursor": None}),
        json.dumps({"object": "UserRelationsList", "cursor": None}),
        json.dumps({"object": "UserRelationsList", "items": {}, "cursor": None}),
        json.dumps(page(cursor="")),
        json.dumps({"object": "UserRelationsList", "items": [], "cursor": 2}),
    ],
    ids=["html", "list", "other-object", "no-items", "items-not-list", "empty-cursor", "numeric-cursor"],
)
def test_a_list_in_a_shape_unipile_does_not_document_is_a_provider_error(unipile, relations, body):
    unipile.get(RELATIONS_URL, body=body, content_type="application/json")

    with pytest.raises(ProviderFailure) as raised:
        read_pages(relations)
    assert raised.value.code is ProviderFailureCode.ERROR


def test_relations_without_a_member_id_are_skipped_and_logged(unipile, relations, caplog):
    without_public_identifier = {**JOHN, "public_identifier": None}
    unreadable = ["not-an-object", {**JANE, "member_id": None}, {**JANE, "member_id": ""}, {"public_identifier": "x"}]
    unipile.get(RELATIONS_URL, json=page(JANE, *unreadable, without_public_identifier))

    with caplog.at_level(logging.WARNING, logger="adapters.unipile"):
        read = read_pages(relations)

    assert read == [
        (
            Relation(JANE["member_id"], "jane-doe-4a1b2c3"),
            Relation(JOHN["member_id"], None),
        )
    ]
    assert "Skipped 4 relations" in caplog.text


def test_a_rejected_api_key_is_logged_without_the_key(unipile, relations, caplog):
    unipile.get(RELATIONS_URL, status=401, json=error_body(401, "errors/missing_credentials"))

    with caplog.at_level(logging.DEBUG, logger="adapters.unipile"), pytest.raises(ProviderFailure) as raised:
        read_pages(relations)

    assert raised.value.code is ProviderFailureCode.AUTH_FAILED
    [record] = caplog.records
    assert record.levelno == logging.ERROR and "rejected the API key" in record.getMessage()
    assert API_KEY not in caplog.text


def test_a_full_page_larger_than_a_profile_cap_is_read_and_a_runaway_one_is_refused(unipile, relations):
    long_headline = "Head of Sales " * 100  # about 1.4 KB: a full page passes 1 MiB
    full_page = page(*[
        {**relation(f"ACoAA{number:035d}", f"member-{number}"), "headline": long_headline}
        for number in range(RELATIONS_PAGE_SIZE)
    ])
    unipile.get(RELATIONS_URL, json=full_page)

    [read] = read_pages(relations)

    assert len(json.dumps(full_page)) > 1_048_576
    assert len(read) == RELATIONS_PAGE_SIZE

    unipile.get(RELATIONS_URL, body=b'{"object": "UserRelationsList", "items": [' + b" " * MAX_RELATIONS_PAGE_BYTES + b"]}",
                content_type="application/json")
    with pytest.raises(ProviderFailure) as refused:
        read_pages(relations)
    assert refused.value.code is ProviderFailureCode.ERROR
    assert f"larger than {MAX_RELATIONS_PAGE_BYTES} bytes" in str(refused.value)
