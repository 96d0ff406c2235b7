"""One JSON line per request on stderr, with the request id, and never a credential or LinkedIn URL."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import services
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import ProfileRelationship
from entrypoints.logs import RedactingFilter
from tests.e2e.conftest import JWT_SECRET
from tests.fakes import FakeClock

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
IN_APP = "/api/v1/prospects/{}/connection-status/"
PUBLIC_RULE = "/api/v1/public/prospects/<prospect_id>/connection-status/"
UNIPILE_KEY = "unipile-key-Zx81hQm2kTq0"
DATABASE_PASSWORD = "db-pass-7Hq2Lm9"
REDIS_PASSWORD = "redis-pass-4Jd8Kx1"


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def request_lines(text: str) -> list[dict]:
    return [line for line in json_lines(text) if line["logger"] == "connection_status.requests"]


def test_a_check_logs_one_line_with_who_what_and_how_long(client, world, capsys):
    world.provider.answer("jane-doe-4a1b2c3", ProfileRelationship("FIRST_DEGREE"))

    response = client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})

    [line] = request_lines(capsys.readouterr().err)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert {key: line[key] for key in ("level", "method", "route", "status")} == {
        "level": "INFO",
        "method": "GET",
        "route": PUBLIC_RULE,
        "status": 200,
    }
    assert (line["workspace_id"], line["prospect_id"], line["account_id"]) == (
        world.workspace_id,
        world.prospect_id,
        world.account_id,
    )
    assert line["provider_outcome"] == "ok"
    assert line["provider_latency_ms"] >= 0 and line["duration_ms"] >= line["provider_latency_ms"]


def test_a_provider_failure_is_logged_with_its_code(client, world, capsys):
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT))

    client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})

    [line] = request_lines(capsys.readouterr().err)
    assert (line["status"], line["account_id"], line["provider_outcome"]) == (502, world.account_id, "provider_timeout")


def test_a_refused_request_has_no_provider_fields(client, world, capsys):
    client.get(PUBLIC.format(world.other_prospect_id), headers={"X-API-Key": world.api_key})

    [line] = request_lines(capsys.readouterr().err)
    assert (line["status"], line["workspace_id"], line["prospect_id"]) == (403, world.workspace_id, world.other_prospect_id)
    assert (line["account_id"], line["provider_outcome"], line["provider_latency_ms"]) == (None, None, None)


def test_a_sane_request_id_is_kept_and_returned(client, capsys):
    response = client.get("/livez", headers={"X-Request-ID": "lb-7f3a:42.abc_DEF"})

    assert response.headers["X-Request-ID"] == "lb-7f3a:42.abc_DEF"


@pytest.mark.parametrize(
    "presented",
    ["", "x" * 129, "has space", "tab\there", "quote\"d", "ünicode", "a/b"],
    ids=["empty", "too-long", "space", "tab", "quote", "non-ascii", "slash"],
)
def test_any_other_request_id_is_replaced_by_a_fresh_one(client, presented):
    first = client.get("/livez", headers={"X-Request-ID": presented})
    second = client.get("/livez", headers={"X-Request-ID": presented})

    generated = first.headers["X-Request-ID"]
    assert generated != presented and len(generated) == 32 and generated.isalnum()
    assert second.headers["X-Request-ID"] != generated


def test_unmatched_paths_are_logged_by_a_fixed_route_name(client, capsys):
    client.get("/api/v1/public/prospects/https%3A%2F%2Fwww.linkedin.com%2Fin%2Fjane/x")

    [line] = request_lines(capsys.readouterr().err)
    assert (line["route"], line["status"]) == ("unmatched", 404)


def test_probes_are_logged_only_when_they_fail(client, world, capsys):
    client.get("/livez")
    client.get("/readyz")
    assert request_lines(capsys.readouterr().err) == []

    world.store.available = False
    client.get("/readyz")
    [line] = request_lines(capsys.readouterr().err)
    assert (line["route"], line["status"]) == ("/readyz", 503)


def test_log_level_comes_from_the_settings(make_app, world, capsys):
    client = make_app({"LOG_LEVEL": "warning"}).test_client()

    client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})

    assert request_lines(capsys.readouterr().err) == []
    assert logging.getLogger().level == logging.WARNING


class TestNoSecretIsEverLogged:
    """Every kind of request, answered or refused, and an unexpected error that quotes secrets."""

    def test_the_request_matrix(self, make_app, world, token_for, capsys):
        clock = FakeClock(datetime(2031, 3, 14, 9, 0, tzinfo=timezone.utc))
        client = make_app(
            {
                "UNIPILE_API_KEY": UNIPILE_KEY,
                "DATABASE_URL": f"postgresql://app:{DATABASE_PASSWORD}@db.internal:5432/app",
                "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0",
                "LOG_LEVEL": "DEBUG",
            },
            clock=clock,
        ).test_client()
        store, provider = world.store, world.provider
        token = token_for(world.user_id)
        expired = token_for(world.user_id, expires=timedelta(seconds=-5))
        revoked_record, revoked_key = _revoked_key(world)
        forged_key = world.api_key.split(".")[0] + ".not-the-secret-but-long-enough"
        no_url = store.add_prospect(world.workspace_id, None).id
        bad_url = store.add_prospect(world.workspace_id, "https://www.linkedin.com/company/acme/").id
        lonely_workspace = store.add_workspace("No accounts")
        _, lonely_key = _key_for(world, lonely_workspace.id)
        lonely = store.add_prospect(lonely_workspace.id, "https://www.linkedin.com/in/lonely-one/").id
        api = {"X-API-Key": world.api_key}

        requests = [
            (PUBLIC.format(world.prospect_id), api),
            (IN_APP.format(world.prospect_id), {"Authorization": f"Bearer {token}"}),
            (PUBLIC.format(999_999), api),
            (PUBLIC.format(world.other_prospect_id), api),
            (PUBLIC.format(no_url), api),
            (PUBLIC.format(bad_url), api),
            (PUBLIC.format(lonely), {"X-API-Key": lonely_key}),
            (PUBLIC.format(world.prospect_id) + "?account_id=424242", api),
            (PUBLIC.format(world.prospect_id) + "?account_id=abc", api),
            (PUBLIC.format(world.prospect_id), {}),
            (PUBLIC.format(world.prospect_id), {"X-API-Key": forged_key}),
            (PUBLIC.format(world.prospect_id), {"X-API-Key": revoked_key}),
            (IN_APP.format(world.prospect_id), {"Authorization": f"Bearer {expired}"}),
            (IN_APP.format(world.prospect_id), {"Authorization": f"Bearer {token}x"}),
            (IN_APP.format(world.prospect_id), {"Authorization": "Bearer not.a.jwt"}),
        ]
        statuses = [client.get(path, headers=headers).status_code for path, headers in requests]

        for code in ProviderFailureCode:
            provider.fail_with(
                ProviderFailure(code, f"GET https://www.linkedin.com/in/jane-doe-4a1b2c3 with {UNIPILE_KEY}")
            )
            statuses.append(client.get(PUBLIC.format(world.prospect_id), headers=api).status_code)
            clock.advance(3600)  # past any cool-down a 429 started

        provider.fail_with(_error_quoting_secrets(world.api_key, token))
        statuses.append(client.get(PUBLIC.format(world.prospect_id), headers=api).status_code)

        assert statuses == [200, 200, 404, 403, 400, 400, 400, 400, 400, 401, 401, 401, 401, 401, 401] + [
            502
        ] * len(ProviderFailureCode) + [500]
        logged = capsys.readouterr().err
        assert len(request_lines(logged)) == len(statuses)
        assert "[REDACTED]" in logged  # the 500's traceback was logged, redacted
        assert "Traceback" in logged
        for secret in [
            world.api_key,
            world.api_key.split(".")[1],
            world.other_api_key,
            lonely_key,
            revoked_key,
            forged_key.split(".")[1],
            token,
            expired,
            JWT_SECRET,
            UNIPILE_KEY,
            DATABASE_PASSWORD,
            REDIS_PASSWORD,
            "linkedin.com",
            "jane-doe-4a1b2c3",
        ]:
            assert secret not in logged, secret
        assert revoked_record.revoked


def _key_for(world, workspace_id):
    return services.issue_api_key(workspace_id, None, store=world.store)


def _revoked_key(world):
    record, key = _key_for(world, world.workspace_id)
    return world.store.revoke_api_key(record.id), key


def _error_quoting_secrets(api_key, token):
    return RuntimeError(
        f"connect to postgresql://app:{DATABASE_PASSWORD}@db.internal/app failed; "
        f"redis://:{REDIS_PASSWORD}@cache:6379/0 too; headers {{'X-API-KEY': '{UNIPILE_KEY}', "
        f"'Authorization': 'Bearer {token}'}}; X-API-Key: {api_key}; "
        f"profile https://www.linkedin.com/in/jane-doe-4a1b2c3/"
    )


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("postgresql://app:hunter2pass@db:5432/app", "hunter2pass"),
        ("redis://:s3cr3tvalue@cache:6379/0", "s3cr3tvalue"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("{'X-API-KEY': 'sk_live_abcdef'}", "sk_live_abcdef"),
        ("x-api-key=sk_live_abcdef", "sk_live_abcdef"),
        ("HTTP_X_API_KEY: 'sk_live_abcdef'", "sk_live_abcdef"),
        ("key 0123456789ab.c2VjcmV0LXNlY3JldC1zZWNyZXQ was presented", "c2VjcmV0LXNlY3JldC1zZWNyZXQ"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x", "eyJzdWIiOiIxIn0"),
        ("see https://uk.linkedin.com/in/j%C3%BCrgen?trk=x for details", "j%C3%BCrgen"),
        ("profile www.linkedin.com/in/jane-doe", "jane-doe"),
        ("password='pa55word!'", "pa55word!"),
        # urllib3's request line at DEBUG, for a Unipile profile lookup.
        ('http://127.0.0.1:1 "GET /api/v1/users/jane-doe-4a1b2c3?account_id=a&notify=false HTTP/1.1" 200 159',
         "jane-doe-4a1b2c3"),
        ("GET /api/v1/users/%C3%B6mer-demir?account_id=a", "%C3%B6mer-demir"),
    ],
)
def test_the_redaction_filter_hides_each_shape_of_secret(text, hidden):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "failed: %s", (text,), None)

    RedactingFilter().filter(record)

    assert hidden not in record.getMessage()
    assert "[REDACTED]" in record.getMessage()


def test_the_redaction_filter_covers_exception_text_and_fields():
    try:
        raise ValueError("postgresql://app:hunter2pass@db/app")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, exc_info)
    record.fields = {"note": "https://www.linkedin.com/in/jane", "status": 500}

    RedactingFilter(["literal-secret-value"]).filter(record)

    assert "hunter2pass" not in record.exc_text and "ValueError" in record.exc_text
    assert record.fields == {"note": "[REDACTED]", "status": 500}
    assert record.exc_info is None


def test_known_secrets_are_hidden_wherever_they_appear():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value=%s!", ("abcLITERALxyz",), None)

    RedactingFilter(["LIT"]).filter(record)

    # Too short to be a real secret: short literals would shred ordinary words.
    assert record.getMessage() == "value=abcLITERALxyz!"
    RedactingFilter(["abcLITERALxyz"]).filter(record)
    assert record.getMessage() == "value=[REDACTED]!"


_FRAGMENTS = [
    "GET", "/api/v1/public/prospects/<prospect_id>/connection-status/", "ok", " ", "'", "=", ":", "@",
    "postgresql://app:pw@db/app", "Bearer abc.def", "X-API-Key: k", "x_api_key='v'", "token=t0k",
    "/api/v1/users/jane", "0123456789ab.c2VjcmV0LXNl", "eyJhbGciOi.eyJzdWIi.sig", "uk.LinkedIn.com/in/x",
    "PASSWORD: p", "known-secret-value", "KNOWN-SECRET-VALUE", "3f2a9c", "request", "provider_timeout",
    # Letters the patterns' case folding matches to ASCII: 'ſ' to 's', 'İ' and 'ı' to 'i', 'K' to 'k'.
    "paſſword=hunter2", "ſecret: abc", "AUTHORİZATION: xyz", "x-api-\u212aey: v", "lınkedin.com/in/x",
]


@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=8), max_size=12).map("".join))
def test_text_passed_unchanged_by_the_quick_check_holds_nothing_the_full_redaction_would_hide(text):
    redacting = RedactingFilter(["known-secret-value"])

    assert redacting.redact(text) == redacting._redact_every_shape(text)
