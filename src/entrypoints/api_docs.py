"""The API's description and its human docs page, both served by the service itself, no auth.

The page is Swagger UI, whose files come from the flask-swagger-ui package's `dist` folder; that
package's own blueprint is not used, since it serves the page with an inline script (no strict
Content-Security-Policy) and a badge image fetched from a public validator.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, abort, send_from_directory

from entrypoints.openapi import openapi_document

blueprint = Blueprint("api_docs", __name__)

_PAGE_DIR = Path(__file__).parent / "docs_page"
_SWAGGER_UI_DIR = Path(flask_swagger_ui.__file__).parent / "dist"
_ASSET_DIRS = {
    "swagger-ui.css": _SWAGGER_UI_DIR,
    "swagger-ui-bundle.js": _SWAGGER_UI_DIR,
    "favicon-32x32.png": _SWAGGER_UI_DIR,
    "swagger-initializer.js": _PAGE_DIR,
}
# Everything the page loads or calls is on this host; Swagger UI needs inline styles and data: icons.
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@functools.cache
def _openapi_text() -> str:
    # In the order written, not jsonify's sorted keys: readers and docs tools show it in document order.
    return json.dumps(openapi_document())


@blueprint.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return Response(_openapi_text(), mimetype="application/json")


@blueprint.get("/api/v1/docs", strict_slashes=False)
def docs_page() -> Response:
    response = send_from_directory(_PAGE_DIR, "index.html")
    response.headers["Content-Security-Policy"] = _PAGE_POLICY
    return response


@blueprint.get("/api/v1/docs/<name>")
def docs_asset(name: str) -> Response:
    directory = _ASSET_DIRS.get(name)
    if directory is None:
        abort(404)
    return send_from_directory(directory, name)
