"""The API's description, served by the service itself, no auth."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from entrypoints.openapi import openapi_document

blueprint = Blueprint("api_docs", __name__)


@blueprint.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    # In the order written, not jsonify's sorted keys: readers and docs tools show it in document order.
    return Response(json.dumps(openapi_document()), mimetype="application/json")
