"""/metrics in Prometheus text format, moving with the requests the app answers."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from domain.errors import ProviderFailure, ProviderFailureCode

PUBLIC = "/api/v1/public/prospects/{}/connection-status/"
PUBLIC_RULE = "/api/v1/public/prospects/<prospect_id>/connection-status/"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_checks_and_provider_lookups_are_counted(client, world):
    get = lambda: client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})  # noqa: E731
    before = scrape(client)

    for _ in range(3):
        get()
    world.provider.fail_with(ProviderFailure(ProviderFailureCode.TIMEOUT))
    get()
    client.get(PUBLIC.format(world.prospect_id))
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("http_requests_total", route=PUBLIC_RULE, method="GET", status="200") == 3
    assert moved("http_requests_total", route=PUBLIC_RULE, method="GET", status="502") == 1
    assert moved("http_requests_total", route=PUBLIC_RULE, method="GET", status="401") == 1
    assert moved("http_requests_total", route="/metrics", method="GET", status="200") == 1
    assert moved("connection_check_duration_seconds_count", route=PUBLIC_RULE) == 5
    assert moved("provider_lookups_total", outcome="ok") == 3
    assert moved("provider_lookups_total", outcome="provider_timeout") == 1
    assert moved("provider_lookup_duration_seconds_count", outcome="ok") == 3
    assert moved("provider_lookup_duration_seconds_count", outcome="provider_timeout") == 1


def test_refusals_by_the_account_rules_are_counted_apart_and_not_timed(make_app, world):
    client = make_app({"LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT": "1"}).test_client()
    for _ in range(3):
        client.get(PUBLIC.format(world.prospect_id), headers={"X-API-Key": world.api_key})

    samples = scrape(client)

    assert value(samples, "provider_lookups_total", outcome="ok") == 1
    assert value(samples, "provider_lookups_total", outcome="budget_exhausted") == 2
    assert value(samples, "provider_lookup_duration_seconds_count", outcome="budget_exhausted") == 0


def test_unmatched_paths_share_one_label(client):
    for path in ("/nothing/here", "/api/v1/public/prospects/1/x", "/favicon.ico"):
        client.get(path)

    samples = scrape(client)

    assert value(samples, "http_requests_total", route="unmatched", method="GET", status="404") == 3
    assert not any("nothing" in str(labels) for _name, labels in samples)


def test_metrics_need_no_credentials_and_are_not_cached(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
