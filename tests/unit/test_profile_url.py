"""From the LinkedIn URLs real prospect data holds to the one identifier Unipile is asked about."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.unipile import UnipileLinkedInProvider
from domain.errors import InvalidLinkedInProfileUrl
from domain.model import AccountStatus, ConnectedAccount, Provider
from domain.profile_url import LinkedInApi, ProfileIdentifier, profile_identifier

MEMBER_ID = "ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E"
SALES_NAVIGATOR_ID = "ACwAABw-RqYBvR5Os6ZHBuE53towQslZNymd11A"
RECRUITER_ID = "AEMAABw-RqYBvR5Os6ZHBuE53towQslZNymd11A"


@pytest.mark.parametrize(
    "url, identifier",
    [
        ("https://www.linkedin.com/in/jane-doe-4a1b2c3/", "jane-doe-4a1b2c3"),
        ("https://www.linkedin.com/in/jane-doe-4a1b2c3", "jane-doe-4a1b2c3"),
        ("linkedin.com/in/jane", "jane"),
        ("www.linkedin.com/in/jane", "jane"),
        ("http://www.linkedin.com/in/jane", "jane"),
        ("//www.linkedin.com/in/jane", "jane"),
        ("HTTPS://WWW.LINKEDIN.COM/IN/jane", "jane"),
        ("  https://www.linkedin.com/in/jane/  ", "jane"),
        ("https://uk.linkedin.com/in/jane", "jane"),
        ("https://fr.linkedin.com/in/jane", "jane"),
        ("https://de.linkedin.com/in/jane", "jane"),
        ("https://in.linkedin.com/in/jane", "jane"),
        ("https://ca.linkedin.com/in/jane", "jane"),
        ("https://m.linkedin.com/in/jane", "jane"),
        ("https://www.linkedin.com/in/jane?originalSubdomain=uk", "jane"),
        (
            "https://www.linkedin.com/in/jane?utm_source=share&utm_campaign=share_via"
            "&utm_content=profile&utm_medium=ios_app",
            "jane",
        ),
        ("https://www.linkedin.com/in/jane/?trk=public_profile_browsemap", "jane"),
        ("https://www.linkedin.com/in/jane?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3AACoAA", "jane"),
        ("https://www.linkedin.com/in/jane#experience", "jane"),
        ("https://www.linkedin.com/in/jane/details/experience/", "jane"),
        ("https://www.linkedin.com/in/jane/recent-activity/all/", "jane"),
        ("https://www.linkedin.com/in/jane/overlay/contact-info/", "jane"),
        ("https://www.linkedin.com/in/jane/fr", "jane"),
        ("https://www.linkedin.com/in/%C3%B6mer-halis-demir-7a9b79169", "ömer-halis-demir-7a9b79169"),
        ("https://www.linkedin.com/in/%c3%b6mer-halis-demir-7a9b79169", "ömer-halis-demir-7a9b79169"),
        ("https://www.linkedin.com/in/%C3%A1lvaro-garcia-1b2c3d", "álvaro-garcia-1b2c3d"),
        ("https://www.linkedin.com/in/%C3%BEorsteinn-el%C3%AD-4f5e6d", "þorsteinn-elí-4f5e6d"),
        ("https://www.linkedin.com/in/ömer-halis-demir-7a9b79169/", "ömer-halis-demir-7a9b79169"),
        ("https://www.linkedin.com/in/John-Doe-123", "John-Doe-123"),
        (f"https://www.linkedin.com/in/{MEMBER_ID}", MEMBER_ID),
        ("https://www.linkedin.com/in/" + "a" * 100, "a" * 100),
    ],
)
def test_person_profile_urls_give_the_decoded_identifier(url, identifier):
    assert profile_identifier(url) == ProfileIdentifier(identifier)


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            f"https://www.linkedin.com/sales/lead/{SALES_NAVIGATOR_ID},NAME_SEARCH,n7cD",
            ProfileIdentifier(SALES_NAVIGATOR_ID, LinkedInApi.SALES_NAVIGATOR),
        ),
        (
            f"https://www.linkedin.com/sales/people/{SALES_NAVIGATOR_ID},NAME_SEARCH,xxxx",
            ProfileIdentifier(SALES_NAVIGATOR_ID, LinkedInApi.SALES_NAVIGATOR),
        ),
        (
            f"https://www.linkedin.com/talent/profile/{RECRUITER_ID}",
            ProfileIdentifier(RECRUITER_ID, LinkedInApi.RECRUITER),
        ),
        (
            f"https://www.linkedin.com/recruiter/profile/{RECRUITER_ID}?project=1",
            ProfileIdentifier(RECRUITER_ID, LinkedInApi.RECRUITER),
        ),
    ],
)
def test_paid_product_urls_name_the_api_their_id_belongs_to(url, expected):
    assert profile_identifier(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "linkedin.com",
        "https://www.linkedin.com/",
        "https://www.linkedin.com/in",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/in//jane",
        # not a person
        "https://www.linkedin.com/company/acme/",
        "https://www.linkedin.com/showcase/acme-cloud/",
        "https://www.linkedin.com/school/acme-university/",
        "https://www.linkedin.com/feed/",
        # legacy public profiles: no documented mapping to a slug
        "http://www.linkedin.com/pub/matt-duleone/10/a65/123",
        "uk.linkedin.com/pub/dominik-symonowicz/5a/706/981/",
        # other hosts
        "https://linkedin.com.evil.io/in/jane",
        "https://www.linkedin.com.evil.io/in/jane",
        "https://evillinkedin.com/in/jane",
        "https://evil.io/in/jane",
        "https://linkedin.co/in/jane",
        "https://www.linkedin.com./in/jane",
        "https://www.linkedin.com:8443/in/jane",
        "https://[::1]/in/jane",
        "https://[linkedin.com/in/jane",
        # other schemes
        "javascript:alert(1)",
        "javascript://www.linkedin.com/in/jane",
        "javascript://www.linkedin.com/in/jane%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://www.linkedin.com/in/jane",
        "https:www.linkedin.com/in/jane",
        # userinfo
        "https://user:pass@www.linkedin.com/in/jane",
        "https://user@www.linkedin.com/in/jane",
        "https://www.linkedin.com@evil.io/in/jane",
        "https://www.linkedin.com\\@evil.io/in/jane",
        # path tricks
        "https://www.linkedin.com/in/..",
        "https://www.linkedin.com/in/../company/acme",
        "https://www.linkedin.com/in/%2E%2E",
        "https://www.linkedin.com/in/jane%2Fdoe",
        "https://www.linkedin.com/in/%2F",
        "https://www.linkedin.com/in%2Fjane",
        "https://www.linkedin.com/in/jane%5C..",
        "https://www.linkedin.com/in/jane.doe",
        "https://www.linkedin.com/in/jane;doe",
        "https://www.linkedin.com/in/jane%20doe",
        "https://www.linkedin.com/in/jane doe",
        "https://www.linkedin.com/in/jane%00",
        "https://www.linkedin.com/in/ja\nne",
        "https://www.linkedin.com/in/ja\tne",
        "https://www.linkedin.com/in/jane\u200b",
        # encoding trouble
        "https://www.linkedin.com/in/%25C3%25B6mer-halis-demir-7a9b79169",
        "https://www.linkedin.com/in/%C3",
        "https://www.linkedin.com/in/%zz",
        "https://www.linkedin.com/in/%",
        # too long: a 2 KB slug, and one character over LinkedIn's 100
        "https://www.linkedin.com/in/" + "a" * 2048,
        "https://www.linkedin.com/in/" + "a" * 101,
        # paid-product paths with an id of another kind
        f"https://www.linkedin.com/sales/lead/{MEMBER_ID},NAME_SEARCH,n7cD",
        f"https://www.linkedin.com/sales/lead/{SALES_NAVIGATOR_ID}%2CNAME_SEARCH",
        f"https://www.linkedin.com/talent/profile/{MEMBER_ID}",
        "https://www.linkedin.com/sales/lead/",
    ],
)
def test_what_is_not_one_person_profile_is_refused(url):
    with pytest.raises(InvalidLinkedInProfileUrl):
        profile_identifier(url)


@pytest.mark.parametrize(
    "url",
    ["https://www.linkedin.com/in/me/", "linkedin.com/in/ME", "https://www.linkedin.com/in/Me?trk=x"],
)
def test_the_self_alias_is_refused_because_unipile_would_answer_with_the_accounts_own_profile(url):
    with pytest.raises(InvalidLinkedInProfileUrl):
        profile_identifier(url)


# --- the property: whatever the text, one safe path segment or a refusal --------------------------

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


@settings(deadline=None, max_examples=300)
@given(st.one_of(st.text(), linkedin_shaped_urls))
def test_any_text_is_refused_or_becomes_exactly_one_safe_path_segment(text):
    try:
        profile = profile_identifier(text)
    except InvalidLinkedInProfileUrl:
        return

    with responses.RequestsMock() as unipile:
        unipile.get(re.compile(re.escape(BASE_URL) + ".*"), json=PROFILE)
        provider = UnipileLinkedInProvider(BASE_URL, "key")
        provider.profile_relationship(ACCOUNT, profile)
        provider.close()
        path = urlsplit(unipile.calls[0].request.url).path

    assert path.startswith(USERS_PATH)
    segment = path[len(USERS_PATH):]
    assert segment
    assert "/" not in segment
    assert "%25" not in segment.upper()
    assert ".." not in segment
    assert unquote(segment, errors="strict") == profile.value
    assert profile.value.casefold() != "me"
