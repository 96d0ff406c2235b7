"""CPU of one request in one thread, in-process: the check against the floor, and the check's parts.

    .venv/bin/python bench/check_cpu.py [--postgres-url URL] [--calls N] [--rounds R]

What a worker spends on a request when nothing competes with it: no gunicorn, no threads, no load
generator. Both apps are called through Flask's test client, against PostgreSQL (a throwaway
database seeded as `make bench` seeds it) and the Unipile stand-in answering at once, every
production feature on (JSON request log, metrics, request limits, account limits). Batches
alternate, and each figure is the median of the batches' `time.process_time()` per call in this
process: PostgreSQL's and the stand-in's own work are not counted. Under load (item 1 of
`make bench`) each app spends more per request, for GIL hand-offs between 16 threads; this script
shows how much of the gap to the floor is the check's own work.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
from collections.abc import Callable
from typing import Any
from itertools import cycle
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "bench"), str(REPO)]

from harness import (  # noqa: E402
    check_targets,
    cpu_per_call_in_rounds,
    seed,
    service_env,
    throwaway_database,
    unipile_standin,
)

WORKSPACES, PROSPECTS = 10, 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--calls", type=int, default=300, help="calls per batch")
    parser.add_argument("--rounds", type=int, default=15, help="batches of each path")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="check-cpu-"))
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(throwaway_database(args.postgres_url, "cpu"))
        seed(database_url, workspaces=WORKSPACES, prospects=PROSPECTS)
        standin = stack.enter_context(unipile_standin(0, logs))
        environment = service_env(database_url, standin.port, secrets.token_urlsafe(32))
        # The environment `make bench` gives its servers: create_app and the floor read it.
        os.environ.clear()
        os.environ.update(environment)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="check-cpu-metrics-")
        measure(args)
    return 0


def measure(args: argparse.Namespace) -> None:
    from flask import Flask

    from domain.model import select_account
    from domain.profile_url import profile_identifier
    from entrypoints.app import create_app
    from floor_app import create_floor_app

    service = create_app()
    floor = create_floor_app().test_client()
    check = service.test_client()
    in_memory_check = in_memory_check_of(create_app)
    bare = Flask("bare")
    bare.get("/")(lambda: {"success": True})
    bare_client = bare.test_client()

    targets = cycle(check_targets(workspaces=WORKSPACES, prospects=PROSPECTS, count=PROSPECTS))
    services = service.extensions["services"]
    first = next(targets)
    prefix = first.headers["X-API-Key"].split(".")[0]
    prospect_id = int(first.path.split("/")[-3])
    context = services.store.check_lookup(prospect_id, api_key_prefix=prefix).context
    account = select_account(context.accounts, None)
    profile = profile_identifier(context.prospect.linkedin_profile_url)

    def checked() -> int:
        target = next(targets)
        return check.get(target.path, headers=target.headers).status_code

    paths: dict[str, Callable[[], object]] = {
        "a bare Flask route returning JSON (the test client's own share)": lambda: bare_client.get("/"),
        "the floor: its route, the Unipile call through requests, its JSON": lambda: floor.get("/check"),
        "the check, public route: all it does": checked,
        "  the same request on an in-memory store and the sandbox provider": in_memory_check,
        "  its lookup (SqlProspectStore.check_lookup: key, prospect, accounts)": lambda: (
            services.store.check_lookup(prospect_id, api_key_prefix=prefix)
        ),
        "  its provider call (account limits, metrics, the Unipile adapter)": lambda: (
            services.provider.profile_relationship(account, profile)
        ),
    }
    # The request log goes to stderr in production; here it is written, then dropped.
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        if checked() != 200 or in_memory_check() != 200 or floor.get("/check").status_code != 200:
            raise SystemExit("a first request did not answer 200")
        figures = cpu_per_call_in_rounds(paths, rounds=args.rounds, calls=args.calls)

    milliseconds = {name: [value * 1000 for value in values] for name, values in figures.items()}
    medians = {name: statistics.median(values) for name, values in milliseconds.items()}
    for name, value in medians.items():
        low, high = min(milliseconds[name]), max(milliseconds[name])
        print(f"{value:6.3f} ms CPU per call (batches {low:.3f}-{high:.3f})  {name}")
    floor_ms = medians["the floor: its route, the Unipile call through requests, its JSON"]
    check_ms = medians["the check, public route: all it does"]
    print(f"floor / check: {floor_ms / check_ms:.2f} (one thread; item 1 of make bench compares requests/s under load)")


def in_memory_check_of(create_app: Callable[..., Any]) -> Callable[[], int]:
    """A check through the same app, its store a dict and its provider the sandbox's: what the
    service spends around its two calls (routing, authentication, limits, request log, metrics)."""
    from adapters.sandbox import SandboxLinkedInProvider
    from domain.model import AccountStatus, Provider
    from domain.services import issue_api_key
    from entrypoints.bootstrap import Services
    from tests.fakes import FakeObservationStore, FakeProspectStore

    store = FakeProspectStore()
    workspace = store.add_workspace("bench")
    store.add_account(workspace.id, Provider.LINKEDIN, "bench-account", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/bench-first-degree-1")
    _, key = issue_api_key(workspace.id, "bench", store=store)
    client = create_app(services=Services(
        store=store, provider=SandboxLinkedInProvider(), observations=FakeObservationStore()
    )).test_client()
    path = f"/api/v1/public/prospects/{prospect.id}/connection-status/"

    def checked() -> int:
        return client.get(path, headers={"X-API-Key": key}).status_code

    return checked


if __name__ == "__main__":
    sys.exit(main())
