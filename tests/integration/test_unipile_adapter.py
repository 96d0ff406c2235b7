"""The Unipile adapter against recorded HTTP: request shape, answer parsing, failure codes, retries."""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from adapters.unipile.profiles import UnipileLinkedInProvider
from adapters.unipile.transport import UnipileClient, unipile_base_url
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import (
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
)
from domain.profile_url import LinkedInApi, ProfileIdentifier, profile_identifier
from tests.integration.conftest import ACCOUNT, API_KEY, BASE_URL, JANE, error_body

SENT, RECEIVED = InvitationType.SENT, InvitationType.RECEIVED
PENDING, IGNORED = InvitationStatus.PENDING, InvitationStatus.IGNORED
WITHDRAWN = InvitationStatus.WITHDRAWN

JANE_URL = f"{BASE_URL}/api/v1/users/jane-doe-4a1b2c3"
ANY_USER_URL = re.compile(re.escape(BASE_URL) + r"/api/v1/users/.*")

FIRST_DEGREE_PROFILE = {
    "object": "UserProfile",
    "provider": "LINKEDIN",
    "provider_id": "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E",
    "public_identifier": "jane-doe-4a1b2c3",
    "member_urn": "117734020",
    "first_name": "Jane",
    "last_name": "Doe",
    "headline": "Head of Sales at Acme",
    "primary_locale": {"country": "US", "language": "en"},
    "is_relationship": True,
    "network_distance": "FIRST_DEGREE",
    "is_self": False,
    "websites": [],
    "follower_count": 1204,
    "connections_count": 987,
}


JANE_ID = FIRST_DEGREE_PROFILE["provider_id"]
JANE_FIRST_DEGREE = ProfileRelationship(
    "FIRST_DEGREE",
    None,
    provider_id=JANE_ID,
    public_identifier="jane-doe-4a1b2c3",
    is_relationship=True,
    is_self=False,
)


def profile_with(**fields) -> dict:
    return {**FIRST_DEGREE_PROFILE, **fields}


def profile_of_size(size: int) -> str:
    unpadded = json.dumps(profile_with(padding=""))
    return json.dumps(profile_with(padding="x" * (size - len(unpadded))))


def failure_of(provider: UnipileLinkedInProvider) -> ProviderFailure:
    with pytest.raises(ProviderFailure) as raised:
        provider.profile_relationship(ACCOUNT, JANE)
    return raised.value


# --- the request ---------------------------------------------------------------------------------


def test_request_names_the_profile_account_and_key_and_asks_for_no_sections(unipile, provider):
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)

    provider.profile_relationship(ACCOUNT, JANE)

    request = unipile.calls[0].request
    assert request.method == "GET"
    assert urlsplit(request.url).path == "/api/v1/users/jane-doe-4a1b2c3"
    assert parse_qs(urlsplit(request.url).query) == {
        "account_id": ["t5XY4yQzR9WVrlNFyzPMhw"],
        "notify": ["false"],
    }
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.headers["accept"] == "application/json"
    # Compressed answers are accepted and decoded (within the body cap), and the client says what it is.
    assert "gzip" in request.headers["Accept-Encoding"]
    assert request.headers["User-Agent"].startswith("python-requests/")


def test_request_carries_linkedin_api_for_a_paid_product_id(unipile, provider):
    unipile.get(ANY_USER_URL, json=profile_with(provider_id="ACwAABw-RqYBvR5Os6ZHBuE53towQslZNymd11A"))

    provider.profile_relationship(
        ACCOUNT,
        ProfileIdentifier("ACwAABw-RqYBvR5Os6ZHBuE53towQslZNymd11A", LinkedInApi.SALES_NAVIGATOR),
    )

    query = parse_qs(urlsplit(unipile.calls[0].request.url).query)
    assert query["linkedin_api"] == ["sales_navigator"]
    assert "linkedin_sections" not in query


def test_unicode_identifier_is_percent_encoded_exactly_once(unipile, provider):
    unipile.get(ANY_USER_URL, json=profile_with(public_identifier="%C3%B6mer-halis-demir-7a9b79169"))
    profile = profile_identifier("https://www.linkedin.com/in/%C3%B6mer-halis-demir-7a9b79169")

    provider.profile_relationship(ACCOUNT, profile)

    url = unipile.calls[0].request.url
    assert urlsplit(url).path == "/api/v1/users/%C3%B6mer-halis-demir-7a9b79169"
    assert "%25" not in url


def test_each_request_is_bounded_by_the_deadline_and_verifies_tls(unipile, provider):
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)

    provider.profile_relationship(ACCOUNT, JANE)

    sent_with = unipile.calls[0].request.req_kwargs
    assert sent_with["timeout"] == (10.0, 10.0)
    assert sent_with["verify"]  # True, or a CA bundle path from the environment: never off


def test_no_cookie_set_by_one_answer_is_sent_with_the_next(unipile, provider):
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE, headers={"Set-Cookie": "session=abc; Path=/"})
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)

    provider.profile_relationship(ACCOUNT, JANE)
    provider.profile_relationship(ACCOUNT, JANE)

    assert "Cookie" not in unipile.calls[1].request.headers


def test_a_dsn_is_accepted_where_the_base_url_goes(unipile, clock):
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)
    provider = UnipileLinkedInProvider(UnipileClient("api8.unipile.com:13851", API_KEY, clock=clock))

    provider.profile_relationship(ACCOUNT, JANE)

    assert unipile.calls[0].request.url.startswith(JANE_URL + "?")


@pytest.mark.parametrize("api_key", ["", " key", "key\r\nX-Evil: 1"])
def test_an_api_key_that_cannot_be_a_header_is_refused_at_start(api_key):
    with pytest.raises(ValueError):
        UnipileClient(BASE_URL, api_key)


# --- reading the answer --------------------------------------------------------------------------


def test_first_degree_profile(unipile, provider):
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)

    assert provider.profile_relationship(ACCOUNT, JANE) == JANE_FIRST_DEGREE


@pytest.mark.parametrize(
    "invitation, expected",
    [
        ({"type": "SENT", "status": "PENDING"}, Invitation(SENT, PENDING)),
        ({"type": "RECEIVED", "status": "PENDING"}, Invitation(RECEIVED, PENDING)),
        ({"type": "SENT", "status": "WITHDRAWN"}, Invitation(SENT, WITHDRAWN)),
        ({"type": "SENT", "status": "IGNORED", "sent_at": "x"}, Invitation(SENT, IGNORED)),
    ],
)
def test_invitation_is_read(unipile, provider, invitation, expected):
    unipile.get(JANE_URL, json=profile_with(network_distance="SECOND_DEGREE", invitation=invitation))

    assert provider.profile_relationship(ACCOUNT, JANE) == dataclasses.replace(
        JANE_FIRST_DEGREE, network_distance="SECOND_DEGREE", invitation=expected
    )


@pytest.mark.parametrize(
    "invitation",
    [
        None,
        {"type": "SENT"},
        {"status": "PENDING"},
        {"type": "LATER", "status": "PENDING"},
        {"type": "sent", "status": "pending"},
        {"type": ["SENT"], "status": "PENDING"},
        "PENDING",
        ["SENT", "PENDING"],
        True,
    ],
)
def test_a_malformed_invitation_is_ignored_not_fatal(unipile, provider, invitation):
    unipile.get(JANE_URL, json=profile_with(invitation=invitation))

    assert provider.profile_relationship(ACCOUNT, JANE) == JANE_FIRST_DEGREE


def test_missing_network_distance_is_unknown(unipile, provider):
    profile = dict(FIRST_DEGREE_PROFILE)
    del profile["network_distance"]
    unipile.get(JANE_URL, json=profile)

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance is None


def test_null_network_distance_is_unknown(unipile, provider):
    unipile.get(JANE_URL, json=profile_with(network_distance=None))

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance is None


@pytest.mark.parametrize("distance", ["DISTANCE_1", "OUT_OF_NETWORK", "SELF", "FOURTH_DEGREE"])
def test_network_distance_text_is_passed_through_for_the_domain_to_map(unipile, provider, distance):
    unipile.get(JANE_URL, json=profile_with(network_distance=distance))

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == distance


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"is_relationship": True, "is_self": False}, (True, False)),
        ({"is_relationship": False, "is_self": True}, (False, True)),
        ({"is_relationship": None, "is_self": None}, (None, None)),
        ({"is_relationship": 1, "is_self": "true"}, (None, None)),
    ],
    ids=["relationship", "own-profile", "null", "not-booleans"],
)
def test_relationship_flags_are_read_and_anything_but_a_boolean_is_unknown(unipile, provider, fields, expected):
    unipile.get(JANE_URL, json=profile_with(**fields))

    relationship = provider.profile_relationship(ACCOUNT, JANE)

    assert (relationship.is_relationship, relationship.is_self) == expected


def test_absent_relationship_flags_are_unknown(unipile, provider):
    profile = dict(FIRST_DEGREE_PROFILE)
    del profile["is_relationship"], profile["is_self"]
    unipile.get(JANE_URL, json=profile)

    relationship = provider.profile_relationship(ACCOUNT, JANE)

    assert (relationship.is_relationship, relationship.is_self) == (None, None)


@pytest.mark.parametrize(
    "asked, ids",
    [
        ("jane-doe-4a1b2c3", {"public_identifier": "Jane-Doe-4A1B2C3"}),
        ("jürgen-müller", {"public_identifier": "j%C3%BCrgen-m%C3%BCller", "provider_id": "ACoAAOther"}),
        ("JÜRGEN-MÜLLER", {"public_identifier": "jürgen-müller"}),
        (JANE_ID, {}),
        (JANE_ID, {"public_identifier": None}),
        ("jane-doe-4a1b2c3", {"public_identifier": None, "provider_id": None}),
        # A member-id URL under /in/: Unipile's slug differs, its member id is the one asked for.
        ("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", {"public_identifier": "jane-doe-renamed"}),
    ],
    ids=["slug-other-case", "slug-encoded", "slug-upper-unicode", "member-id", "member-id-no-slug",
         "names-nobody", "member-id-new-slug"],
)
def test_an_answer_about_the_member_asked_for_is_accepted(unipile, provider, asked, ids):
    unipile.get(re.compile(re.escape(BASE_URL) + r"/api/v1/users/.*"), json=profile_with(**ids))

    relationship = provider.profile_relationship(ACCOUNT, ProfileIdentifier(asked))

    assert relationship.network_distance == "FIRST_DEGREE"
    assert (relationship.provider_id, relationship.public_identifier) == (
        ids.get("provider_id", JANE_ID),
        ids.get("public_identifier", "jane-doe-4a1b2c3"),
    )


@pytest.mark.parametrize(
    "asked, ids",
    [
        ("jane-doe-4a1b2c3", {"public_identifier": "john-roe"}),
        ("jane-doe-4a1b2c3", {"public_identifier": "jane-doe-4a1b2c"}),
        ("jane-doe-4a1b2c3", {"public_identifier": None}),
        (JANE_ID, {"provider_id": "ACoAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}),
        (JANE_ID.lower(), {}),
        ("jane-doe-4a1b2c3", {"public_identifier": None, "provider_id": "ACoAAOther"}),
    ],
    ids=["other-slug", "slug-prefix", "no-slug-other-id", "other-member-id", "member-id-other-case",
         "only-another-id"],
)
def test_an_answer_about_another_member_is_a_provider_error(unipile, provider, asked, ids):
    unipile.get(re.compile(re.escape(BASE_URL) + r"/api/v1/users/.*"), json=profile_with(**ids))

    with pytest.raises(ProviderFailure) as raised:
        provider.profile_relationship(ACCOUNT, ProfileIdentifier(asked))

    assert raised.value.code is ProviderFailureCode.ERROR
    assert len(unipile.calls) == 1  # not retried: asking again may name someone else again


@pytest.mark.parametrize(
    "ids",
    [{"provider_id": 12345}, {"provider_id": ""}, {"public_identifier": ["jane"]}, {"provider_id": "ACoAA\x00"},
     {"public_identifier": "x" * 256}],
    ids=["number", "empty", "list", "control-character", "too-long"],
)
def test_an_id_that_names_no_member_is_a_provider_error(unipile, provider, ids):
    unipile.get(JANE_URL, json=profile_with(**ids))

    assert failure_of(provider).code is ProviderFailureCode.ERROR


def test_unknown_fields_and_a_missing_provider_are_tolerated(unipile, provider):
    profile = profile_with(
        throttled_sections=["experience"],
        creator_website={"url": "https://example.com", "description": None},
        pronoun="she/her",
        future_field=[{"deeply": {"nested": [1, 2, 3]}}],
    )
    del profile["provider"]
    unipile.get(JANE_URL, json=profile)

    assert provider.profile_relationship(ACCOUNT, JANE) == JANE_FIRST_DEGREE


def test_json_content_type_with_parameters_is_accepted(unipile, provider):
    unipile.get(
        JANE_URL, body=json.dumps(FIRST_DEGREE_PROFILE), content_type="application/json; charset=utf-8"
    )

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == "FIRST_DEGREE"


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("<html><body>Bad gateway</body></html>", "text/html"),
        ("<html><body>Bad gateway</body></html>", "application/json"),
        (json.dumps(FIRST_DEGREE_PROFILE), "text/plain"),
        (json.dumps(FIRST_DEGREE_PROFILE)[:-10], "application/json"),
        ("", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        (json.dumps([FIRST_DEGREE_PROFILE]), "application/json"),
        (json.dumps("UserProfile"), "application/json"),
        (json.dumps(profile_with(object="CompanyProfile")), "application/json"),
        (json.dumps({**FIRST_DEGREE_PROFILE, "object": None}), "application/json"),
        (json.dumps(profile_with(provider="WHATSAPP")), "application/json"),
        (json.dumps(profile_with(network_distance=1)), "application/json"),
        (json.dumps(profile_with(network_distance={"degree": 1})), "application/json"),
        (json.dumps(profile_with(network_distance="OUT_OF_NETWORK"))[:-1] + ', "network_distance": "FIRST_DEGREE"}',
         "application/json"),
    ],
    ids=[
        "html",
        "html-labelled-json",
        "json-labelled-text",
        "truncated",
        "empty",
        "not-utf8",
        "deeply-nested",
        "list",
        "string",
        "company-profile",
        "no-object",
        "other-network",
        "numeric-distance",
        "object-distance",
        "distance-named-twice",
    ],
)
def test_a_200_that_is_not_a_linkedin_user_profile_is_a_provider_error(
    unipile, provider, body, content_type
):
    unipile.get(JANE_URL, body=body, content_type=content_type)

    assert failure_of(provider).code is ProviderFailureCode.ERROR


def test_a_body_at_the_cap_is_read(unipile, provider):
    unipile.get(JANE_URL, body=profile_of_size(1_048_576), content_type="application/json")

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == "FIRST_DEGREE"


def test_a_body_over_the_cap_is_a_provider_error(unipile, provider):
    unipile.get(JANE_URL, body=profile_of_size(1_048_577), content_type="application/json")

    assert failure_of(provider).code is ProviderFailureCode.ERROR


def test_a_gzip_encoded_answer_is_decoded(unipile, provider):
    unipile.get(
        JANE_URL,
        body=gzip.compress(json.dumps(FIRST_DEGREE_PROFILE).encode()),
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == "FIRST_DEGREE"


def test_the_cap_counts_decoded_bytes_so_a_compressed_bomb_stops_early(unipile, provider):
    twenty_mebibytes_of_spaces = gzip.compress(b" " * (20 * 1_048_576))
    unipile.get(
        JANE_URL,
        body=twenty_mebibytes_of_spaces,
        content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )

    assert failure_of(provider).code is ProviderFailureCode.ERROR


# --- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, error_type, expected",
    [
        (401, "errors/disconnected_account", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/expired_credentials", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/invalid_credentials", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/checkpoint_error", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/multiple_sessions", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/disconnected_feature", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (403, "errors/account_restricted", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (403, "errors/action_required", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (403, "errors/unknown_authentication_context", ProviderFailureCode.ACCOUNT_DISCONNECTED),
        (401, "errors/missing_credentials", ProviderFailureCode.AUTH_FAILED),
        (404, "errors/resource_not_found", ProviderFailureCode.PROFILE_NOT_FOUND),
        (404, "errors/invalid_resource_identifier", ProviderFailureCode.PROFILE_NOT_FOUND),
        (422, "errors/invalid_recipient", ProviderFailureCode.PROFILE_NOT_FOUND),
        (422, "errors/user_unreachable", ProviderFailureCode.PROFILE_NOT_FOUND),
        (422, "errors/invalid_account", ProviderFailureCode.ERROR),
        (403, "errors/feature_not_subscribed", ProviderFailureCode.ERROR),
        (401, "errors/insufficient_privileges", ProviderFailureCode.ERROR),
        (400, "errors/invalid_parameters", ProviderFailureCode.ERROR),
        (500, "errors/provider_error", ProviderFailureCode.ERROR),
        (500, "errors/unexpected_error", ProviderFailureCode.ERROR),
        (501, "errors/feature_not_implemented", ProviderFailureCode.ERROR),
    ],
)
def test_unipile_error_types_map_to_failure_codes(unipile, provider, status, error_type, expected):
    unipile.get(JANE_URL, status=status, json=error_body(status, error_type))

    failure = failure_of(provider)

    assert failure.code is expected
    assert error_type in str(failure)
    assert len(unipile.calls) == 1


def test_a_404_without_a_body_is_profile_not_found(unipile, provider):
    unipile.get(JANE_URL, status=404, body="")

    assert failure_of(provider).code is ProviderFailureCode.PROFILE_NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [
        "<html>Unauthorized</html>",
        "[1]",
        json.dumps({"type": 401}),
        json.dumps({"type": "errors/" + "x" * 200}),
        '{"type": "errors/insufficient_privileges", "type": "errors/disconnected_account"}',
    ],
)
def test_a_401_without_a_readable_error_type_is_a_provider_error(unipile, provider, body):
    unipile.get(JANE_URL, status=401, body=body, content_type="text/html")

    assert failure_of(provider).code is ProviderFailureCode.ERROR


def test_a_rejected_api_key_is_logged_as_an_operator_problem(unipile, provider, caplog):
    unipile.get(JANE_URL, status=401, json=error_body(401, "errors/missing_credentials"))

    with caplog.at_level(logging.INFO, logger="adapters.unipile"):
        failure_of(provider)

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "Unipile rejected the API key" in record.getMessage()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_is_a_provider_error(unipile, provider, status):
    unipile.get(JANE_URL, status=status, headers={"Location": "https://elsewhere.example/steal"})
    unipile.get("https://elsewhere.example/steal", json=FIRST_DEGREE_PROFILE)

    failure = failure_of(provider)

    assert failure.code is ProviderFailureCode.ERROR
    assert [call.request.url.split("?")[0] for call in unipile.calls] == [JANE_URL]


@pytest.mark.parametrize("status", [201, 204])
def test_a_success_other_than_200_is_a_provider_error(unipile, provider, status):
    unipile.get(JANE_URL, status=status, json=FIRST_DEGREE_PROFILE)

    assert failure_of(provider).code is ProviderFailureCode.ERROR


@pytest.mark.parametrize(
    "retry_after, expected",
    [
        (None, None),
        ("120", 120),
        (" 30 ", 30),
        ("0", 1),
        ("999999999999999999999", 86_400),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1),
        ("Fri, 31 Dec 9999 23:59:59 -2359", 86_400),
        ("Mon, 01 Jan 99999999999 00:00:00 GMT", None),
        ("Mon, 01 Jan 10000 00:00:00 GMT", None),
        ("Mon, 99999999999999999999 Jan 2026 00:00:00 GMT", None),
        ("Mon, 01 Jan 2026 99999999999999999999:00:00 GMT", None),
        ("Mon, 01 Jan 2026 00:00:00 +99999999999999999999", None),
        ("Mon, 01 Jan 2026 00:00:00 +9999", None),
        ("Mon, 32 Jan 2026 00:00:00 GMT", None),
        ("Mon, 01 Jan 2026 25:00:00 GMT", None),
    ],
)
def test_rate_limit_carries_retry_after(unipile, provider, retry_after, expected):
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    unipile.get(JANE_URL, status=429, json=error_body(429, "errors/too_many_requests"), headers=headers)

    failure = failure_of(provider)

    assert failure.code is ProviderFailureCode.RATE_LIMITED
    assert failure.retry_after == expected


def test_rate_limit_retry_after_as_an_http_date(unipile, provider):
    in_two_minutes = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)
    unipile.get(JANE_URL, status=429, headers={"Retry-After": in_two_minutes})

    assert 115 <= failure_of(provider).retry_after <= 121


def test_a_far_http_date_is_clamped_to_a_day(unipile, provider):
    unipile.get(JANE_URL, status=429, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})

    assert failure_of(provider).retry_after == 86_400


@pytest.mark.parametrize(
    "error, expected, attempts",
    [
        (requests.ConnectTimeout(), ProviderFailureCode.TIMEOUT, 1),
        (requests.ReadTimeout(), ProviderFailureCode.TIMEOUT, 1),
        (requests.exceptions.SSLError(), ProviderFailureCode.UNREACHABLE, 1),
        (requests.ConnectionError(), ProviderFailureCode.UNREACHABLE, 3),
        (requests.exceptions.InvalidHeader(), ProviderFailureCode.ERROR, 1),
    ],
)
def test_transport_errors_map_to_failure_codes(unipile, provider, error, expected, attempts):
    unipile.get(JANE_URL, body=error)

    failure = failure_of(provider)

    assert failure.code is expected
    assert len(unipile.calls) == attempts
    assert failure.__cause__ is not None


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_twice_with_growing_jittered_backoff(
    unipile, provider, clock, status
):
    unipile.get(JANE_URL, status=status, json=error_body(status, "errors/network_down"))

    failure = failure_of(provider)

    assert failure.code is ProviderFailureCode.ERROR
    assert len(unipile.calls) == 3
    assert clock.sleeps == [pytest.approx(0.5 * 0.2), pytest.approx(0.5 * 0.4)]


def test_success_after_one_unavailable_answer(unipile, provider, clock):
    unipile.get(JANE_URL, status=503)
    unipile.get(JANE_URL, json=FIRST_DEGREE_PROFILE)

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == "FIRST_DEGREE"
    assert len(unipile.calls) == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
def test_client_errors_rate_limits_and_provider_errors_are_never_retried(
    unipile, provider, clock, status
):
    unipile.get(JANE_URL, status=status, json=error_body(status, "errors/whatever"))

    failure_of(provider)

    assert len(unipile.calls) == 1
    assert clock.sleeps == []


def test_no_retry_is_made_when_the_backoff_would_pass_the_deadline(unipile, provider, clock):
    def slow_unavailable(request):
        clock.now += 9.95
        return 503, {}, ""

    unipile.add_callback(responses.GET, JANE_URL, callback=slow_unavailable)

    failure_of(provider)

    assert len(unipile.calls) == 1


def test_a_retry_gets_only_the_time_left(unipile, clock):
    def slow_unavailable(request):
        clock.now += 3.0
        return 503, {}, ""

    unipile.add_callback(responses.GET, JANE_URL, callback=slow_unavailable)
    provider = UnipileLinkedInProvider(
        UnipileClient(BASE_URL, API_KEY, retries=1, sleep=clock.sleep, clock=clock, random=lambda: 0.0)
    )

    failure_of(provider)

    assert [call.request.req_kwargs["timeout"] for call in unipile.calls] == [(10.0, 10.0), (7.0, 7.0)]


def test_retries_can_be_turned_off(unipile, clock):
    unipile.get(JANE_URL, status=503)
    provider = UnipileLinkedInProvider(UnipileClient(BASE_URL, API_KEY, retries=0, sleep=clock.sleep, clock=clock))

    failure_of(provider)

    assert len(unipile.calls) == 1


def test_an_answer_that_arrives_after_the_deadline_is_a_timeout(unipile, provider, clock):
    def late_answer(request):
        clock.now += 10.5
        return 200, {"Content-Type": "application/json"}, json.dumps(FIRST_DEGREE_PROFILE)

    unipile.add_callback(responses.GET, JANE_URL, callback=late_answer)

    assert failure_of(provider).code is ProviderFailureCode.TIMEOUT


# --- what never reaches a log or a failure detail -------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 401, "json": {"status": 401, "type": "errors/missing_credentials", "title": "t"}},
        {"status": 401, "json": error_body(401, "errors/disconnected_account")},
        {"status": 429, "json": error_body(429, "errors/too_many_requests")},
        {"status": 503},
        {"status": 302, "headers": {"Location": f"{JANE_URL}/?key={API_KEY}"}},
        {"status": 200, "body": "<html>jane-doe-4a1b2c3</html>", "content_type": "text/html"},
        {"body": requests.ConnectionError(f"Max retries exceeded with url: {JANE_URL}?account_id=x")},
        {"body": requests.ReadTimeout(f"Read timed out: {JANE_URL}")},
    ],
)
def test_neither_the_api_key_nor_the_profile_reach_logs_or_details(unipile, provider, caplog, answer):
    unipile.get(JANE_URL, **answer)

    with caplog.at_level(logging.DEBUG, logger="adapters.unipile"):
        failure = failure_of(provider)

    for secret in (API_KEY, JANE.value):
        assert secret not in caplog.text
        assert secret not in str(failure)


# --- the DSN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dsn, expected",
    [
        ("api8.unipile.com:13851", "https://api8.unipile.com:13851"),
        ("  api8.unipile.com:13851\n", "https://api8.unipile.com:13851"),
        ("api8.unipile.com:13851/", "https://api8.unipile.com:13851"),
        ("https://api8.unipile.com:13851", "https://api8.unipile.com:13851"),
        ("https://api8.unipile.com:13851/", "https://api8.unipile.com:13851"),
        ("HTTPS://API8.Unipile.com:13851", "https://api8.unipile.com:13851"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("api1.unipile.com", "https://api1.unipile.com"),
        # Sent as requests sends any host that is not ASCII.
        ("Bücher.example:13851", "https://xn--bcher-kva.example:13851"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_unipile_base_url_from_a_dsn(dsn, expected):
    assert unipile_base_url(dsn) == expected


@pytest.mark.parametrize(
    "dsn",
    [
        "",
        "   ",
        "ftp://api8.unipile.com:13851",
        "javascript://api8.unipile.com",
        "https://api8.unipile.com:13851/api/v1",
        "api8.unipile.com:13851/api/v1/",
        "https://api8.unipile.com:13851//",
        "https://api8.unipile.com:13851?port=13851",
        "https://api8.unipile.com:13851/?",
        "https://api8.unipile.com:13851#top",
        "https://user:hunter2@api8.unipile.com:13851",
        "https://:13851",
        "https://",
        "api8.unipile.com:port",
        "api8.unipile.com:99999",
        "api8 .unipile.com:13851",
        "https://☃.example:13851",
    ],
)
def test_unipile_base_url_refuses_what_is_not_a_bare_origin(dsn):
    with pytest.raises(ValueError) as raised:
        unipile_base_url(dsn)

    assert "hunter2" not in str(raised.value)
