"""The human docs page works offline: it and everything it loads come from this service."""

import re
from html.parser import HTMLParser

import pytest

EXTERNAL_URL = re.compile(r"https?://", re.IGNORECASE)
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}


class ReferencedUrls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def referenced_urls(html: str) -> list[str]:
    parser = ReferencedUrls()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/docs/"])
def test_docs_page_is_html_without_credentials(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<title>Connection status API</title>" in response.get_data(as_text=True)


def test_nothing_the_page_loads_names_another_host(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert not EXTERNAL_URL.search(html)
    initializer = client.get("/api/v1/docs/swagger-initializer.js").get_data(as_text=True)
    assert not EXTERNAL_URL.search(initializer)
    # A stylesheet loads what its url()s name: here only inline data: images.
    stylesheet = client.get("/api/v1/docs/swagger-ui.css").get_data(as_text=True)
    targets = re.findall(r"url\(\s*['\"]?([^'\")]*)", stylesheet)
    assert targets and all(target.startswith("data:") for target in targets)
    # The bundle's code mentions links it never loads; the browser test, under the page's
    # Content-Security-Policy, proves it fetches nothing from elsewhere.


def test_every_asset_the_page_references_is_served_with_its_type(client):
    urls = referenced_urls(client.get("/api/v1/docs").get_data(as_text=True))
    assert {url.rsplit("/", 1)[-1] for url in urls} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    }
    for url in urls:
        assert url.startswith("/api/v1/docs/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == CONTENT_TYPES[url[url.rindex("."):]], url
        assert len(response.get_data()) > 0, url


def test_initializer_loads_the_served_document(client):
    script = client.get("/api/v1/docs/swagger-initializer.js").get_data(as_text=True)
    (document_url,) = re.findall(r'url:\s*"([^"]+)"', script)
    assert document_url == "/api/v1/openapi.json"
    response = client.get(document_url)
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1.")


def test_page_policy_keeps_the_browser_on_this_host(client):
    policy = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


@pytest.mark.parametrize(
    "name", ["index.html", "swagger-ui.js.map", "oauth2-redirect.html", "..%2Fapi_docs.py", "LICENSE"]
)
def test_only_the_page_assets_are_served(client, name):
    response = client.get(f"/api/v1/docs/{name}")
    assert response.status_code == 404
    assert response.get_json() == {"success": False, "error": "Not Found"}
