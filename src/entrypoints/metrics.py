"""Prometheus metrics, summed over every gunicorn worker when PROMETHEUS_MULTIPROC_DIR is set."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

blueprint = Blueprint("metrics", __name__)

# Provider lookups are bounded by UNIPILE_TIMEOUT_SECONDS (at most 60 s).
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


class Metrics:
    """This app's instruments; in multiprocess mode each worker writes its own file and a scrape sums them."""

    def __init__(self, multiprocess_directory: str | None = None) -> None:
        self._multiprocess_directory = multiprocess_directory
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by route (the URL rule), method (`other` outside RFC 9110 and PATCH) and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.check_duration = Histogram(
            "connection_check_duration_seconds",
            "Time to answer a connection-status check, from request to response.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.provider_lookups = Counter(
            "provider_lookups",
            "LinkedIn provider lookups by outcome: ok, a provider_* code, or cooling_down / "
            "budget_exhausted when the account rules answered without calling the provider.",
            ["outcome"],
            registry=self.registry,
        )
        self.provider_duration = Histogram(
            "provider_lookup_duration_seconds",
            "Time the LinkedIn provider took to answer a lookup, by outcome.",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        if self._multiprocess_directory:
            # Every worker's numbers, not only those of the worker answering this scrape.
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self._multiprocess_directory)
            return generate_latest(registry)
        return generate_latest(self.registry)


@blueprint.get("/metrics")
def metrics() -> Response:
    exposition = current_app.extensions["metrics"].exposition()
    return Response(exposition, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
