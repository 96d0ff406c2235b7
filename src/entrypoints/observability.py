"""What each request leaves behind: a request id, one JSON log line and its metrics."""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from domain.errors import AccountCoolingDown, DailyLookupBudgetExhausted, ProviderFailure
from domain.model import ConnectedAccount, ProfileRelationship
from domain.ports import LinkedInProvider
from domain.profile_url import ProfileIdentifier
from entrypoints.metrics import Metrics

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it cannot smuggle anything into a log line or a header.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
CHECK_ENDPOINTS = frozenset(
    {"connection_status.check_with_api_key", "connection_status.check_with_token"}
)
# The methods of RFC 9110 and PATCH; any other name is counted as `other`, so that clients inventing
# method names cannot add a metrics series each.
_METRIC_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
# Probed every few seconds by load balancers and scrapers: logged only when something is wrong.
_QUIET_ENDPOINTS = frozenset({"health.livez", "health.readyz", "metrics.metrics"})

request_log = logging.getLogger("connection_status.requests")


def init_observability(app: Flask, metrics: Metrics) -> None:
    """Register first, so that the log line is written after every other hook has shaped the response."""
    app.extensions["metrics"] = metrics
    app.before_request(_start_request)
    app.after_request(functools.partial(_finish_request, metrics))


def note(**fields: Any) -> None:
    """Add fields to the current request's log line; outside a request it does nothing."""
    if has_request_context():
        g.setdefault("log_fields", {}).update(fields)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    presented = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = presented if _ACCEPTABLE_REQUEST_ID.fullmatch(presented) else uuid.uuid4().hex


def _finish_request(metrics: Metrics, response: Response) -> Response:
    duration = time.perf_counter() - g.request_started
    request_id = g.request_id  # set with request_started, by the first before-request hook
    response.headers[REQUEST_ID_HEADER] = request_id
    # The URL rule, never the raw path: ids stay out of metric labels and paths out of logs.
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    method = request.method if request.method in _METRIC_METHODS else "other"
    metrics.requests.labels(route, method, str(response.status_code)).inc()
    if request.endpoint in CHECK_ENDPOINTS:
        metrics.check_duration.labels(route).observe(duration)

    fields = {
        "request_id": request_id,
        "method": request.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 1),
        "workspace_id": None,
        "prospect_id": None,
        "account_id": None,
        "provider_outcome": None,
        "provider_latency_ms": None,
        **g.get("log_fields", {}),
    }
    quiet = request.endpoint in _QUIET_ENDPOINTS and response.status_code < 400
    request_log.log(logging.DEBUG if quiet else logging.INFO, "request", extra={"fields": fields})
    return response


class ObservedLinkedInProvider:
    """Times each lookup and records its outcome in the metrics and the request's log line."""

    def __init__(self, inner: LinkedInProvider, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def profile_relationship(
        self, account: ConnectedAccount, profile: ProfileIdentifier
    ) -> ProfileRelationship:
        started = time.perf_counter()
        latency: float | None = None
        outcome = "unexpected_error"
        try:
            relationship = self._inner.profile_relationship(account, profile)
            outcome = "ok"
            latency = time.perf_counter() - started
            return relationship
        except AccountCoolingDown:
            outcome = "cooling_down"
            raise
        except DailyLookupBudgetExhausted:
            outcome = "budget_exhausted"
            raise
        except ProviderFailure as failure:
            outcome = failure.code.value
            latency = time.perf_counter() - started
            raise
        finally:
            self._metrics.provider_lookups.labels(outcome).inc()
            if latency is not None:
                self._metrics.provider_duration.labels(outcome).observe(latency)
            note(
                account_id=account.id,
                provider_outcome=outcome,
                provider_latency_ms=None if latency is None else round(latency * 1000, 1),
            )
