"""From the LinkedIn URLs real prospect data holds to the one identifier Unipile is asked about."""

from __future__ import annotations


import pytest

from domain.errors import InvalidLinkedInProfileUrl
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
        # a dot segment after the identifier: a browser resolves /in/john/../evil to /in/evil
        "https://www.linkedin.com/in/john/../evil",
        "https://www.linkedin.com/in/john/%2e%2e/x",
        "https://www.linkedin.com/in/john/.%2E/evil",
        "https://www.linkedin.com/in/john/./details",
        "https://www.linkedin.com/in/john/%2e",
        "https://www.linkedin.com/in/john/details/..",
        f"https://www.linkedin.com/sales/lead/{SALES_NAVIGATOR_ID}/../x",
        "https://www.linkedin.com/./in/john",
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
    [
        "https://www.linkedin.com/in/me/",
        "linkedin.com/in/ME",
        "https://www.linkedin.com/in/Me?trk=x",
        "https://www.linkedin.com/in/relations/",
        "https://www.linkedin.com/in/invite",
        "https://www.linkedin.com/in/Followers",
        "https://www.linkedin.com/in/following/",
    ],
)
def test_unipile_route_names_are_refused_since_unipile_would_not_answer_with_that_person(url):
    with pytest.raises(InvalidLinkedInProfileUrl):
        profile_identifier(url)


def test_any_space_control_or_invisible_character_or_a_backslash_anywhere_is_refused():
    # Every code point of the first plane, and a spread of the others (tag characters included).
    codes = [*range(0x10000), *range(0x10000, 0x110000, 97), *range(0xE0000, 0xE0080)]
    unsafe = [
        chr(code) for code in codes
        if chr(code).isspace() or not chr(code).isprintable() or chr(code) == "\\"
    ]
    for char in unsafe:
        # After the identifier, where the path split would otherwise drop it.
        with pytest.raises(InvalidLinkedInProfileUrl):
            profile_identifier(f"https://www.linkedin.com/in/jane/x{char}y")
