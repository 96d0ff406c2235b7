"""The served OpenAPI document: valid 3.1, describes every route, and every real answer matches it.

Answers come from the app wired with fakes, as in the other e2e tests; openapi-core checks each
one (status, content type, body, headers) against the operation its request was sent to.
"""

import copy
import re
from datetime import timedelta

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import (
    MAX_ID,
    AccountStatus,
    Invitation,
    InvitationStatus,
    InvitationType,
    ProfileRelationship,
    Provider,
)

from entrypoints.app import create_app  # noqa: E402
from entrypoints.openapi import IN_APP_CHECK_PATH, PUBLIC_CHECK_PATH  # noqa: E402
from tests.e2e.conftest import JWT_SECRET  # noqa: E402

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def closed(document):
    """The document with every response body closed to undeclared fields.

    The served document leaves bodies open, so clients tolerate additive fields; the tests close
    them so a field the service sends but the document does not declare fails.
    """
    document = copy.deepcopy(document)
    for response in document["components"]["responses"].values():
        for media in response["content"].values():
            media["schema"] = {"allOf": [media["schema"]], "unevaluatedProperties": False}
    return document


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    return response.get_json()


@pytest.fixture
def described(document):
    """Asserts a test-client answer is one the document describes, and whether its request is one
    the document accepts (True), refuses (False), or cannot say (None)."""
    openapi = OpenAPI.from_dict(closed(document))

    def check(response, *, request_is_valid=True):
        request = WerkzeugOpenAPIRequest(response.request)
        openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
        if request_is_valid:
            openapi.validate_request(request)
        elif request_is_valid is False:
            with pytest.raises(OpenAPIError):
                openapi.validate_request(request)
        return response

    return check


def api_key(world):
    return {"X-API-Key": world.api_key}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_document_is_valid_openapi_3_1_and_needs_no_credentials(document):
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["openapi"].startswith("3.1.")
    assert document["servers"] == [{"url": "/", "description": "The host serving this document"}]


def test_every_route_the_app_serves_is_described_and_nothing_else(app, document):
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api_docs."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        served.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    described = {
        path: {method.upper() for method in item if method in HTTP_METHODS}
        for path, item in document["paths"].items()
    }
    assert served == described, "describe each served route in src/entrypoints/openapi.py"


def test_each_route_names_its_own_credential(document):
    schemes = document["components"]["securitySchemes"]

    def scheme_of(path):
        (name,) = document["paths"][path]["get"]["security"][0]
        return schemes[name]

    public = scheme_of("/api/v1/public/prospects/{prospect_id}/connection-status/")
    in_app = scheme_of("/api/v1/prospects/{prospect_id}/connection-status/")
    assert (public["type"], public["in"], public["name"]) == ("apiKey", "header", "X-API-Key")
    assert (in_app["type"], in_app["scheme"], in_app["bearerFormat"]) == ("http", "bearer", "JWT")


@pytest.mark.parametrize(
    "relationship",
    [
        ProfileRelationship("FIRST_DEGREE"),
        ProfileRelationship("SECOND_DEGREE", Invitation(InvitationType.SENT, InvitationStatus.PENDING)),
        ProfileRelationship("THIRD_DEGREE", Invitation(InvitationType.RECEIVED, InvitationStatus.IGNORED)),
        ProfileRelationship("OUT_OF_NETWORK", Invitation(InvitationType.SENT, InvitationStatus.WITHDRAWN)),
        ProfileRelationship(None),
        ProfileRelationship("SOMETHING_NEW"),
    ],
    ids=["connected", "invited", "received", "withdrawn", "unknown", "new-distance"],
)
def test_success_answers_of_both_routes_match(client, world, token_for, described, relationship):
    world.provider.answer("jane-doe-4a1b2c3", relationship)
    described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world)))
    described(client.get(IN_APP.format(world.prospect_id), headers=bearer(token_for(world.user_id))))
    assert len(world.provider.calls) == 2


def test_a_stored_answer_matches(client, world, described):
    base = PUBLIC.format(world.prospect_id)
    live = described(client.get(f"{base}?max_age=3600", headers=api_key(world)))
    stored = described(client.get(f"{base}?max_age=3600", headers=api_key(world)))
    assert (live.get_json()["source"], stored.get_json()["source"]) == ("live", "stored")


@pytest.mark.parametrize("raw_max_age", ["-1", "1.5", "2592001", "soon"])
def test_max_ages_out_of_the_documented_bounds_are_refused_by_both(client, world, described, raw_max_age):
    response = client.get(PUBLIC.format(world.prospect_id) + f"?max_age={raw_max_age}", headers=api_key(world))
    assert described(response, request_is_valid=False).get_json()["error"] == (
        "max_age must be a whole number of seconds between 0 and 2592000"
    )


def test_explicit_and_empty_account_id_are_accepted(client, world, described):
    base = PUBLIC.format(world.prospect_id)
    assert described(client.get(f"{base}?account_id={world.account_id}", headers=api_key(world))).status_code == 200
    # OpenAPI 3.1 can say "empty means omitted" only in prose (allowEmptyValue is deprecated).
    empty = described(client.get(f"{base}?account_id=", headers=api_key(world)), request_is_valid=None)
    assert empty.get_json()["checked_with_account_id"] == world.account_id


def test_every_400_matches(client, world, described):
    store = world.store
    no_url = store.add_prospect(world.workspace_id, None)
    bad_url = store.add_prospect(world.workspace_id, "https://linkedin.com.evil.io/in/jane")
    answers = {
        "Prospect has no LinkedIn profile URL to check against": client.get(
            PUBLIC.format(no_url.id), headers=api_key(world)
        ),
        "Prospect's LinkedIn profile URL is not a valid LinkedIn profile URL": client.get(
            PUBLIC.format(bad_url.id), headers=api_key(world)
        ),
        "Requested LinkedIn account not found or not active in this workspace": client.get(
            PUBLIC.format(world.prospect_id) + "?account_id=424242", headers=api_key(world)
        ),
    }
    for message, response in answers.items():
        assert described(response).get_json()["error"] == message

    malformed = client.get(PUBLIC.format(world.prospect_id) + "?account_id=abc", headers=api_key(world))
    assert described(malformed, request_is_valid=False).get_json()["error"] == "account_id must be a positive integer"

    store.set_account_status(world.account_id, AccountStatus.CREDENTIALS)
    store.add_account(world.workspace_id, Provider.WHATSAPP, "wa", AccountStatus.OK)
    response = described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world)))
    assert response.get_json()["error"] == "No active LinkedIn account is connected to this workspace"


@pytest.mark.parametrize("raw_account_id", ["0", "-1", "1.5", str(MAX_ID + 1)])
def test_account_ids_out_of_the_documented_bounds_are_refused_by_both(client, world, described, raw_account_id):
    response = client.get(PUBLIC.format(world.prospect_id) + f"?account_id={raw_account_id}", headers=api_key(world))
    assert described(response, request_is_valid=False).status_code == 400


def test_public_401s_match(client, world, described):
    for headers, message in [({}, "Missing API key"), ({"X-API-Key": "nonsense"}, "Invalid API key")]:
        response = client.get(PUBLIC.format(world.prospect_id), headers=headers)
        assert described(response, request_is_valid=bool(headers)).get_json()["error"] == message


def test_in_app_401s_match(client, world, token_for, described):
    expired = token_for(world.user_id, expires=timedelta(seconds=-5))
    for headers, message in [
        ({}, "Missing bearer token"),
        (bearer("garbage"), "Invalid or expired token"),
        (bearer(expired), "Invalid or expired token"),
        (api_key(world), "Missing bearer token"),
    ]:
        response = client.get(IN_APP.format(world.prospect_id), headers=headers)
        has_bearer = "Authorization" in headers
        assert described(response, request_is_valid=has_bearer).get_json()["error"] == message


def test_403_and_404_match(client, world, described):
    assert described(client.get(PUBLIC.format(world.other_prospect_id), headers=api_key(world))).status_code == 403
    assert described(client.get(PUBLIC.format(987654), headers=api_key(world))).status_code == 404


@pytest.mark.parametrize("raw_prospect_id", ["0", "abc", str(MAX_ID + 1)])
def test_prospect_ids_out_of_the_documented_bounds_are_refused_by_both(client, world, described, raw_prospect_id):
    response = client.get(PUBLIC.format(raw_prospect_id), headers=api_key(world))
    assert described(response, request_is_valid=False).get_json()["error"] == "Prospect not found"


@pytest.mark.parametrize("code", list(ProviderFailureCode))
def test_502_with_each_code_matches(client, world, token_for, described, code):
    world.provider.fail_with(ProviderFailure(code))
    described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world)))
    response = described(client.get(IN_APP.format(world.prospect_id), headers=bearer(token_for(world.user_id))))
    assert response.get_json()["code"] == code.value


def test_502_with_retry_after_matches(client, world, described):
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=120))
    response = described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world)))
    assert response.headers["Retry-After"] == "120"


def test_500_matches(client, world, described):
    world.store.fail_lookups_with(RuntimeError("the store is down"))
    assert described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world))).status_code == 500


def test_503_matches(client, world, described):
    from domain.errors import StoreUnavailable

    world.store.fail_lookups_with(StoreUnavailable())
    assert described(client.get(PUBLIC.format(world.prospect_id), headers=api_key(world))).status_code == 503


def test_405_body_is_the_documented_error_shape(client, world, document):
    response = client.post(PUBLIC.format(world.prospect_id), headers=api_key(world))
    assert response.status_code == 405
    OAS31Validator(document["components"]["schemas"]["Error"]).validate(response.get_json())
    assert "405" in document["info"]["description"]


def test_a_drift_between_answers_and_document_is_caught(client, world, document):
    """The checks above can fail: an undeclared field, and an undocumented status, are both refused."""
    without_invitation = copy.deepcopy(document)
    del without_invitation["components"]["schemas"]["ConnectionStatus"]["properties"]["invitation"]
    without_403 = copy.deepcopy(document)
    for path in (PUBLIC_CHECK_PATH, IN_APP_CHECK_PATH):
        del without_403["paths"][path]["get"]["responses"]["403"]

    success = client.get(PUBLIC.format(world.prospect_id), headers=api_key(world))
    denied = client.get(PUBLIC.format(world.other_prospect_id), headers=api_key(world))
    for drifted, response in [(without_invitation, success), (without_403, denied)]:
        with pytest.raises(OpenAPIError):
            OpenAPI.from_dict(closed(drifted)).validate_response(
                WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
            )


def test_webhook_answers_match(world, make_app, document):
    from tests.e2e.test_webhooks import SECRET, hosted_auth_event, post, status_event

    configured = make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}).test_client()
    unconfigured = make_app().test_client()
    status_path, hosted_path = "/api/v1/webhooks/unipile/account-status/", "/api/v1/webhooks/unipile/hosted-auth/"
    answers = [
        (status_path, post(configured, status_path, status_event()), 200),
        (status_path, post(configured, status_path, status_event(account_id="unknown")), 200),
        (status_path, post(configured, status_path, status_event(message="SLEEPY")), 400),
        (status_path, post(configured, status_path, status_event(), secret="wrong"), 401),
        (hosted_path, post(configured, hosted_path, hosted_auth_event(world.workspace_id)), 200),
        (hosted_path, post(configured, hosted_path, b"not json"), 400),
        (hosted_path, post(unconfigured, hosted_path, hosted_auth_event(world.workspace_id)), 503),
    ]
    for path, response, status in answers:
        assert response.status_code == status
        described = document["paths"][path]["post"]["responses"][str(status)]
        schema = described["content"]["application/json"]["schema"]
        # Closed, as above: a field the document does not declare fails.
        OAS31Validator({"allOf": [schema], "unevaluatedProperties": False}).validate(response.get_json())


@pytest.mark.parametrize(
    "account_type", [{"account_type": "LINKEDIN"}, {"account_type": None}, {}], ids=["text", "null", "absent"]
)
def test_an_account_status_body_the_service_accepts_is_one_the_document_accepts(
    world, make_app, document, account_type
):
    from tests.e2e.test_webhooks import SECRET, post

    path = "/api/v1/webhooks/unipile/account-status/"
    body = {"AccountStatus": {"account_id": "fFl27we2Rqa0eSbwIKX9hw", "message": "ERROR", **account_type}}
    response = post(make_app({"UNIPILE_WEBHOOK_SECRET": SECRET}).test_client(), path, body)

    assert response.status_code == 200
    described = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    OAS31Validator(described).validate(body)


def test_probe_answers_match(client, world, document, tmp_path):
    healthy = {path: client.get(path) for path in ("/livez", "/readyz")}
    world.store.available = False
    unavailable = client.get("/readyz")
    never_migrated = create_app(
        {"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "LINKEDIN_PROVIDER": "sandbox"}
    ).test_client().get("/readyz")
    for path, response in [*healthy.items(), ("/readyz", unavailable), ("/readyz", never_migrated)]:
        described = document["paths"][path]["get"]["responses"][str(response.status_code)]
        schema = described["content"]["application/json"]["schema"]
        OAS31Validator({"allOf": [schema], "unevaluatedProperties": False}).validate(response.get_json())
    assert (unavailable.status_code, never_migrated.status_code) == (503, 503)


@pytest.mark.parametrize(
    "config",
    [{"API_RATE_LIMIT": "1/minute"}, {"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": "1"}],
    ids=["caller-rate-limit", "daily-account-budget"],
)
def test_both_429s_match(make_app, world, document, config):
    openapi = OpenAPI.from_dict(closed(document))
    client = make_app({"REDIS_URL": None, **config}).test_client()
    first = client.get(PUBLIC.format(world.prospect_id), headers=api_key(world))
    refused = client.get(PUBLIC.format(world.prospect_id), headers=api_key(world))
    assert (first.status_code, refused.status_code) == (200, 429)
    assert int(refused.headers["Retry-After"]) > 0
    openapi.validate_response(WerkzeugOpenAPIRequest(refused.request), WerkzeugOpenAPIResponse(refused))
