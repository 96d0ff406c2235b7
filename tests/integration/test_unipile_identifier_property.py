"""Whatever text a prospect's URL holds, Unipile receives one safely encoded path segment or nothing."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.unipile.profiles import UnipileLinkedInProvider
from adapters.unipile.transport import UnipileClient
from domain.errors import InvalidLinkedInProfileUrl
from domain.model import AccountStatus, ConnectedAccount, Provider
from domain.profile_url import ProfileIdentifier, profile_identifier


ACCOUNT = ConnectedAccount(
    id=1, workspace_id=1, provider=Provider.LINKEDIN, provider_account_id="acc", status=AccountStatus.OK
)
BASE_URL = "https://api8.unipile.com:13851"
USERS_PATH = "/api/v1/users/"
PROFILE = {"object": "UserProfile", "provider": "LINKEDIN", "network_distance": "FIRST_DEGREE"}

# Each part is usually well-formed and sometimes hostile, so that both outcomes are explored.
schemes = st.sampled_from(
    ["https://", "http://", "//", "", "HTTPS://"] * 3 + ["javascript:", "ftp://", "https:"]
)
hosts = st.sampled_from(
    ["linkedin.com", "www.linkedin.com", "uk.linkedin.com", "m.linkedin.com", "WWW.LinkedIn.COM"] * 3
    + ["linkedin.com.evil.io", "evil.io", "linkedin.com:443", "user@linkedin.com", "[::1]", ""]
)
profile_paths = st.sampled_from(
    ["/in/", "/IN/", "/sales/lead/", "/sales/people/", "/talent/profile/", "/recruiter/profile/"] * 3
    + ["/pub/", "/company/", "/", "/in//"]
)
identifier_chars = st.characters(categories=["L", "N"]) | st.sampled_from("-_")
identifiers = st.text(identifier_chars, min_size=1, max_size=30)
member_ids = st.tuples(st.sampled_from(["ACo", "ACw", "AE"]), identifiers).map("".join)
percent_escapes = st.integers(0, 255).flatmap(
    lambda byte: st.sampled_from([f"%{byte:02X}", f"%{byte:02x}"])
)
tricky_pieces = st.sampled_from(
    ["..", ".", "/", "%2F", "%2f", "%25", "%25C3%25B6", "%C3%B6", "%E2%80%AE", "ö", ",NAME_SEARCH,x",
     "?", "#", "@", "\\", ";", ":", "me", "ME", " ", "\x00", "%00"]
)
slugs = st.one_of(
    identifiers,
    identifiers.map(lambda identifier: quote(identifier, safe="")),
    identifiers.map(lambda identifier: quote(quote(identifier, safe=""), safe="")),
    member_ids,
    st.lists(
        identifiers | percent_escapes | tricky_pieces | st.text(max_size=3), min_size=1, max_size=6
    ).map("".join),
)
suffixes = st.sampled_from(
    ["", "/", "/details/experience/", "?trk=x", "#top", "?next=/in/../x", ",NAME_SEARCH,n7cD"]
)
linkedin_shaped_urls = st.tuples(schemes, hosts, profile_paths, slugs, suffixes).map("".join)


def sent_url(account: ConnectedAccount, profile: ProfileIdentifier) -> str:
    """The URL of the one request a lookup sends to Unipile."""
    with responses.RequestsMock() as unipile:
        unipile.get(re.compile(re.escape(BASE_URL) + ".*"), json=PROFILE)
        client = UnipileClient(BASE_URL, "key")
        UnipileLinkedInProvider(client).profile_relationship(account, profile)
        client.close()
        return unipile.calls[0].request.url


@settings(deadline=None, max_examples=300)
@given(st.one_of(st.text(), linkedin_shaped_urls))
def test_any_text_is_refused_or_becomes_exactly_one_safe_path_segment(text):
    try:
        profile = profile_identifier(text)
    except InvalidLinkedInProfileUrl:
        return

    path = urlsplit(sent_url(ACCOUNT, profile)).path

    assert path.startswith(USERS_PATH)
    segment = path[len(USERS_PATH):]
    assert segment
    assert "/" not in segment
    assert "%25" not in segment.upper()
    assert ".." not in segment
    assert unquote(segment, errors="strict") == profile.value
    assert profile.value.casefold() not in {"me", "relations", "invite", "following", "followers"}


@settings(deadline=None, max_examples=200)
@given(identifiers | slugs, st.text(min_size=1))
def test_the_url_sent_is_the_one_requests_builds_from_the_path_and_query(slug, provider_account_id):
    # The adapter encodes the query itself; the bytes on the wire must not change for it.
    try:
        profile = profile_identifier(f"https://www.linkedin.com/in/{slug}")
    except InvalidLinkedInProfileUrl:
        return
    account = replace(ACCOUNT, provider_account_id=provider_account_id)

    sent = sent_url(account, profile)

    expected_query = {"account_id": provider_account_id, "notify": "false"}
    if profile.linkedin_api is not None:
        expected_query["linkedin_api"] = profile.linkedin_api.value
    built_by_requests = requests.Request(
        "GET", f"{BASE_URL}{USERS_PATH}{quote(profile.value, safe='')}", params=expected_query
    ).prepare()
    assert sent == built_by_requests.url
    assert parse_qs(urlsplit(sent).query, keep_blank_values=True, strict_parsing=True) == {
        name: [value] for name, value in expected_query.items()
    }
