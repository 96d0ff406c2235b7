"""`make bench`: the service as in production (gunicorn, gthread, PostgreSQL) against a local Unipile
stand-in, measured as ratios taken in the same run, printed as one table.

Figures, not pass/fail: the exit status is 0 whenever the figures could be measured. Every process
started here runs in its own process group and is killed on the way out, Ctrl-C included; the
throwaway databases are dropped. Everything binds 127.0.0.1. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import load
from harness import (
    BEGAN,
    STANDIN_API_KEY,
    BenchError,
    Figure,
    Round,
    alternate,
    check_path,
    check_targets,
    describe_rounds,
    describe_spread,
    errors_in,
    expect_ok,
    get,
    gunicorn,
    median_cpu,
    median_rps,
    progress,
    ratio_figure,
    seed,
    service_env,
    throwaway_database,
    unipile_standin,
    warm_up,
)
from load import LoadResult, Target
from realistic import measure_realistic

ITEMS = ("standin", "queries", "overhead", "concurrency", "growth", "memory", "realistic", "stored")


# --- the items ---------------------------------------------------------------------------------


def measure_standin(args: argparse.Namespace, logs: Path) -> list[Figure]:
    progress(f"stand-in alone at {args.latency_ms:g} ms")
    connections = 2 * args.connections
    ideal = connections / (args.latency_ms / 1000)
    with unipile_standin(args.latency_ms, logs) as standin:
        target = [Target("/api/v1/users/bench-first-degree?account_id=a&notify=false",
                         {"X-API-KEY": STANDIN_API_KEY})]
        load.drive(standin.port, target, connections=connections, seconds=1, generator=args.generator)
        result = load.drive(standin.port, target, connections=connections, seconds=args.seconds,
                            generator=args.generator)
    ratio = result.rps / ideal
    return [ratio_figure(
        "0 stand-in", f"stand-in alone: rps / ({connections} conns / {args.latency_ms:g} ms)", ratio,
        minimum=0.95, extra_ok=result.errors == 0 and result.p99_ms <= args.latency_ms * 1.1,
        extra_shown=f", p99 {result.p99_ms:.0f} ms",
        detail=f"{result.rps:.0f} rps of {ideal:.0f} ideal, p50 {result.p50_ms:.1f} ms, "
               f"{result.errors} errors; guard: ≥ 0.95 and p99 ≤ {args.latency_ms * 1.1:g} ms "
               f"at twice the connections item 2 uses",
    )]


def measure_against_floor(args: argparse.Namespace, logs: Path, database_url: str, jwt_secret: str,
                          latency_ms: float) -> dict[str, list[Round]]:
    """The service and the floor, both up, loaded in alternating rounds."""
    targets = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=1000)
    floor_target = [Target("/check", {})]
    with ExitStack() as stack:
        standin = stack.enter_context(unipile_standin(latency_ms, logs))
        env = service_env(database_url, standin.port, jwt_secret)
        settings = dict(env=env, workers=args.workers, threads=args.threads, logs=logs)
        floor = stack.enter_context(gunicorn("bench.floor_app:app", name=f"floor-{latency_ms:g}ms", **settings))
        service = stack.enter_context(gunicorn("wsgi:app", name=f"service-{latency_ms:g}ms", **settings))
        expect_ok(floor.port, floor_target[0], "the floor")
        expect_ok(service.port, targets[0], "the service")
        warm_up(floor.port, floor_target, args, args.connections)
        warm_up(service.port, targets, args, args.connections)
        return alternate({"floor": (floor, floor_target), "service": (service, targets)},
                         rounds=args.rounds, seconds=args.seconds, connections=args.connections,
                         generator=args.generator)


def measure_overhead(args: argparse.Namespace, logs: Path, database_url: str, jwt_secret: str) -> list[Figure]:
    progress(f"overhead: service vs floor, stand-in at 0 ms, {args.workers} x {args.threads}, "
             f"{args.connections} connections")
    results = measure_against_floor(args, logs, database_url, jwt_secret, latency_ms=0)
    service, floor = median_rps(results["service"]), median_rps(results["floor"])
    errors = errors_in(*results.values())
    return [ratio_figure(
        "1 overhead", "check rps / floor rps (stand-in 0 ms)", service / floor, minimum=0.85,
        extra_ok=errors == 0,
        detail=f"service {service:.0f} rps ({describe_rounds(results['service'])}), floor {floor:.0f} rps "
               f"({describe_rounds(results['floor'])}); medians of {args.rounds} x {args.seconds:g} s; "
               f"worker CPU per request: service {median_cpu(results['service']):.2f} ms, floor "
               f"{median_cpu(results['floor']):.2f} ms; {errors} errors; service connections per worker "
               f"{describe_spread(results['service'])}",
    )]


def measure_concurrency(args: argparse.Namespace, logs: Path, database_url: str, jwt_secret: str) -> list[Figure]:
    progress(f"concurrency: stand-in at {args.latency_ms:g} ms, {args.connections} connections, "
             f"{args.workers} x {args.threads} threads")
    results = measure_against_floor(args, logs, database_url, jwt_secret, latency_ms=args.latency_ms)
    ideal = args.connections / (args.latency_ms / 1000)
    figures = []
    for name in ("service", "floor"):
        rounds = results[name]
        rps = median_rps(rounds)
        p99 = max(each.result.p99_ms for each in rounds)
        errors = errors_in(rounds)
        figures.append(ratio_figure(
            "2 concurrency" if name == "service" else "2 (floor)",
            f"{name} rps / ({args.connections} / {args.latency_ms:g} ms)", rps / ideal, minimum=0.9,
            extra_ok=p99 <= args.latency_ms * 1.25 and errors == 0,
            extra_shown=f", p99 {p99:.0f} ms, {errors} errors",
            detail=f"{name} {rps:.0f} rps of {ideal:.0f} ideal ({describe_rounds(rounds)}); worst round p99 "
                   f"{p99:.1f} ms (target ≤ {args.latency_ms * 1.25:g} ms), p50 "
                   f"{statistics.median(each.result.p50_ms for each in rounds):.1f} ms; {errors} errors; "
                   f"{median_cpu(rounds):.2f} ms worker CPU per request; "
                   f"connections per worker {describe_spread(rounds)}",
        ))
    return figures


class DatabaseWork:
    """What one request asks of PostgreSQL, counted in-process three ways.

    statements: SQLAlchemy's before_cursor_execute (what the code runs); checkouts: pool
    checkouts; round trips: messages that wait for the server (a simple Query, or the Sync
    closing an extended-protocol exchange), read from libpq's own protocol trace, so a BEGIN, a
    ROLLBACK or a connection ping would be counted too.
    """

    def __init__(self, trace_file) -> None:
        self.trace_file = trace_file
        self.statements = 0
        self.reads = 0
        self.checkouts = 0
        self._trace_offset = 0

    def count_statement(self, _connection, _cursor, statement: str, *_args) -> None:
        self.statements += 1
        self.reads += statement.lstrip().upper().startswith("SELECT")

    def count_checkout(self, *_args) -> None:
        self.checkouts += 1

    def trace_connection(self, dbapi_connection, _record) -> None:
        from psycopg.pq import Trace

        dbapi_connection.pgconn.trace(self.trace_file.fileno())
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

    def start(self) -> None:
        self.statements = self.reads = self.checkouts = 0
        self._trace_offset = os.fstat(self.trace_file.fileno()).st_size

    def round_trips(self) -> int:
        self.trace_file.seek(self._trace_offset)
        sent = [line.split("\t") for line in self.trace_file.read().splitlines() if line.startswith("F\t")]
        return sum(1 for fields in sent if len(fields) > 2 and fields[2].split(" ")[0] in ("Query", "Sync"))


def measure_queries(args: argparse.Namespace, database_url: str, jwt_secret: str) -> list[Figure]:
    """In-process: the real SQL store on PostgreSQL, the sandbox provider, the database work counted."""
    progress("database work per check (in-process, PostgreSQL, sandbox provider)")
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    from entrypoints.app import create_app

    with tempfile.TemporaryFile("w+") as trace_file, ExitStack() as listeners:
        work = DatabaseWork(trace_file)
        for target, name, listener in ((Engine, "before_cursor_execute", work.count_statement),
                                       (Pool, "checkout", work.count_checkout),
                                       (Pool, "connect", work.trace_connection)):
            event.listen(target, name, listener)
            listeners.callback(event.remove, target, name, listener)
        # WARNING: one JSON request line per check would bury the report.
        app = create_app({"DATABASE_URL": database_url, "JWT_SECRET_KEY": jwt_secret,
                          "LINKEDIN_PROVIDER": "sandbox", "LOG_LEVEL": "WARNING"})
        cli = app.test_cli_runner()

        def command(*words: str) -> dict:
            outcome = cli.invoke(args=list(words))
            if outcome.exit_code != 0:
                raise BenchError(f"flask {' '.join(words)}: {outcome.output}")
            return json.loads(outcome.output)

        client = app.test_client()
        targets = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=50)
        tokens: dict[int, str] = {}

        def bearer(prospect_id: int) -> dict[str, str]:
            workspace = (prospect_id - 1) % args.small_workspaces + 1  # user ids = workspace ids
            if workspace not in tokens:
                tokens[workspace] = command("users", "token", str(workspace))["access_token"]
            return {"Authorization": f"Bearer {tokens[workspace]}"}

        def counted(path: str, headers: dict[str, str]) -> tuple[int, int, int, int, int]:
            work.start()
            status = client.get(path, headers=headers).status_code
            return status, work.reads, work.statements, work.checkouts, work.round_trips()

        figures = []
        def routes(chosen: list[Target]) -> tuple[tuple[str, list[tuple[str, dict[str, str]]]], ...]:
            return (
                ("API key route", [(t.path, t.headers) for t in chosen]),
                ("JWT route", [(t.path.replace("/public/", "/"), bearer(int(t.path.split("/")[-3])))
                               for t in chosen]),
            )

        # Other prospects for max_age, each checked twice: the first check finds no observation
        # and is live (the observation read, then the lookup), the second is answered stored.
        others = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=50,
                               seed_value=11)
        for route, requests in (
            *routes(targets),
            *((f"{route}, max_age (first and repeat checks)",
               [(f"{path}?max_age=2592000", headers) for path, headers in requests for _ in range(2)])
              for route, requests in routes(others)),
        ):
            counts = [counted(path, headers) for path, headers in requests]
            if any(status != 200 for status, *_ in counts):
                raise BenchError(f"{route} route: statuses {sorted({c[0] for c in counts})}")
            most = max(c[1] for c in counts)
            figures.append(Figure(
                "3 queries", f"SQL reads per check, {route}", f"{most}", "≤ 2", most <= 2,
                f"max over {len(counts)} checks; statements in all (the observation a live answer "
                f"records included) {max(c[2] for c in counts)} at most; pool checkouts per check "
                f"{max(c[3] for c in counts)}; round trips to PostgreSQL per check "
                f"{statistics.median(c[4] for c in counts):g} (median; max {max(c[4] for c in counts)})",
            ))

        key = command("api-keys", "create", "--workspace", "1", "--name", "bench-revocation")
        path, headers = check_path(1), {"X-API-Key": key["key"]}  # prospect 1 is in workspace 1
        before = client.get(path, headers=headers)
        command("api-keys", "revoke", str(key["id"]))
        after = client.get(path, headers=headers)
        refused = before.status_code == 200 and after.status_code == 401
        figures.append(Figure(
            "3 queries", "revoked key refused on the next request", "yes" if refused else "NO", "yes",
            refused, f"before revoking: {before.status_code}; next request: {after.status_code} "
                     f"{after.get_json()}",
        ))
        return figures


def measure_stored(args: argparse.Namespace, logs: Path, database_url: str, jwt_secret: str) -> list[Figure]:
    """Checks answered from an earlier observation (max_age) against live ones, one server, the
    stand-in at 0 ms so that only the service's own work differs; alternating rounds."""
    progress(f"stored answers: max_age vs live, stand-in at 0 ms, {args.workers} x {args.threads}, "
             f"{args.connections} connections")
    live_targets = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=200)
    stored_targets = [Target(f"{t.path}?max_age=2592000", t.headers) for t in live_targets]
    with ExitStack() as stack:
        standin = stack.enter_context(unipile_standin(0, logs))
        service = stack.enter_context(gunicorn(
            "wsgi:app", name="service-stored", env=service_env(database_url, standin.port, jwt_secret),
            workers=args.workers, threads=args.threads, logs=logs,
        ))
        # Each prospect checked live once, so that every max_age check finds its observation.
        for target in stored_targets:
            expect_ok(service.port, target, "the service")
        sources = {json.loads(get(service.port, t.path, t.headers)[1])["source"] for t in stored_targets}
        if sources != {"stored"}:
            raise BenchError(f"max_age checks answered from {sorted(sources)}, not only stored ones")
        warm_up(service.port, live_targets, args, args.connections)
        warm_up(service.port, stored_targets, args, args.connections)
        results = alternate({"stored": (service, stored_targets), "live": (service, live_targets)},
                            rounds=args.rounds, seconds=args.seconds, connections=args.connections,
                            generator=args.generator)
    stored, live = median_rps(results["stored"]), median_rps(results["live"])
    errors = errors_in(*results.values())
    return [ratio_figure(
        "7 stored", "stored rps / live rps (max_age, stand-in 0 ms)", stored / live, minimum=1.3,
        extra_ok=errors == 0,
        detail=f"stored {stored:.0f} rps ({describe_rounds(results['stored'])}), live {live:.0f} rps "
               f"({describe_rounds(results['live'])}); medians of {args.rounds} x {args.seconds:g} s over "
               f"{len(live_targets)} prospects; worker CPU per request: stored "
               f"{median_cpu(results['stored']):.2f} ms, live {median_cpu(results['live']):.2f} ms; "
               f"{errors} errors",
    )]


def measure_growth(args: argparse.Namespace, logs: Path, small_url: str, large_url: str,
                   jwt_secret: str) -> list[Figure]:
    progress(f"growth: p50 with {args.small_prospects} vs {args.growth_prospects} prospects, one connection")
    small_targets = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=1000)
    large_targets = check_targets(workspaces=args.growth_workspaces, prospects=args.growth_prospects, count=1000)
    with ExitStack() as stack:
        standin = stack.enter_context(unipile_standin(0, logs))
        settings = dict(workers=args.workers, threads=args.threads, logs=logs)
        small = stack.enter_context(gunicorn(
            "wsgi:app", env=service_env(small_url, standin.port, jwt_secret), name="growth-small", **settings))
        large = stack.enter_context(gunicorn(
            "wsgi:app", env=service_env(large_url, standin.port, jwt_secret), name="growth-large", **settings))
        for server, targets in ((small, small_targets), (large, large_targets)):
            expect_ok(server.port, targets[0], "growth")
            # Every sampled check once, so both databases answer from warm caches.
            load.drive(server.port, targets, connections=1, seconds=60, max_requests=len(targets),
                       generator=args.generator)
        results = alternate({"1k": (small, small_targets), "1M": (large, large_targets)},
                            rounds=args.rounds, seconds=args.seconds, connections=1, generator=args.generator)
    p50_small = statistics.median(each.result.p50_ms for each in results["1k"])
    p50_large = statistics.median(each.result.p50_ms for each in results["1M"])
    errors = errors_in(*results.values())
    return [ratio_figure(
        "4 growth", f"p50 with {args.growth_prospects:,} prospects / with {args.small_prospects:,}",
        p50_large / p50_small, maximum=1.1, extra_ok=errors == 0,
        detail=f"p50 {p50_large:.2f} ms ({args.growth_workspaces:,} workspaces) vs {p50_small:.2f} ms "
               f"({args.small_workspaces} workspaces); rounds "
               f"{'/'.join(f'{each.result.p50_ms:.2f}' for each in results['1M'])} vs "
               f"{'/'.join(f'{each.result.p50_ms:.2f}' for each in results['1k'])} ms; 1 connection, "
               f"{args.rounds} x {args.seconds:g} s each; {errors} errors",
    )]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


def measure_memory(args: argparse.Namespace, logs: Path, database_url: str, jwt_secret: str) -> list[Figure]:
    first, last = args.memory_checks // 10, args.memory_checks
    progress(f"memory: RSS of one worker after {first:,} and {last:,} checks")
    targets = check_targets(workspaces=args.small_workspaces, prospects=args.small_prospects, count=1000)
    with ExitStack() as stack:
        standin = stack.enter_context(unipile_standin(0, logs))
        server = stack.enter_context(gunicorn(
            "wsgi:app", env=service_env(database_url, standin.port, jwt_secret), workers=1,
            threads=args.threads, logs=logs, name="memory"))
        [worker] = server.worker_pids()
        expect_ok(server.port, targets[0], "memory")

        def run(checks: int) -> LoadResult:
            result = load.drive(server.port, targets, connections=args.connections, seconds=args.memory_seconds,
                                max_requests=checks, generator=args.generator)
            if server.worker_pids() != [worker]:
                raise BenchError("the gunicorn worker was replaced during the memory run")
            return result

        warm = run(args.memory_warmup)
        rss_warm = rss_kib(worker)
        to_first = run(first)
        rss_first = rss_kib(worker)
        to_last = run(last - to_first.requests)
        rss_last = rss_kib(worker)
    served = to_first.requests + to_last.requests
    errors = warm.errors + to_first.errors + to_last.errors
    progress(f"  RSS {rss_warm} KiB after warm-up, {rss_first} after {to_first.requests}, {rss_last} after {served}")
    return [ratio_figure(
        "5 memory", f"worker RSS after {last:,} checks / after {first:,}", rss_last / rss_first, maximum=1.1,
        extra_ok=errors == 0 and served >= last,
        detail=f"{rss_first / 1024:.1f} MiB after {to_first.requests:,}, {rss_last / 1024:.1f} MiB after "
               f"{served:,} ({rss_warm / 1024:.1f} MiB after {warm.requests:,} warm-up checks); "
               f"1 worker x {args.threads} threads; {errors} errors",
    )]


# --- the report --------------------------------------------------------------------------------


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {platform.system()}"


def load_tool_version(generator: str) -> str:
    if generator == "python":
        return "Python load generator (bench/load.py)"
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" [")[0]
    return version or "wrk"


def print_report(figures: list[Figure], args: argparse.Namespace, load_before: float) -> None:
    print()
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {machine()}; "
          f"1-min load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"command: {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}; load: "
          f"{load_tool_version(args.generator)}; gunicorn gthread {args.workers} workers x {args.threads} "
          f"threads (item 6: its own, in its detail); took {time.monotonic() - BEGAN:.0f} s")
    print()
    print("| item | figure | measured | target | met |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(f"| {figure.item} | {figure.measure} | {figure.shown} | {figure.target} | "
              f"{'yes' if figure.met else '**no**'} |")
    print()
    for figure in figures:
        print(f"- {figure.item}, {figure.measure}: {figure.detail}")


def environment_setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not name or not equals:
        raise argparse.ArgumentTypeError(f"not NAME=VALUE: {text!r}")
    return name, value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", default=",".join(ITEMS), help=f"comma-separated, from {', '.join(ITEMS)}")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (memory uses 1)")
    parser.add_argument("--threads", type=int, default=16, help="gthread threads per worker")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--latency-ms", type=float, default=100, help="stand-in latency for concurrency")
    parser.add_argument("--seconds", type=float, default=6, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per compared pair")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--small-workspaces", type=int, default=10)
    parser.add_argument("--small-prospects", type=int, default=1000)
    parser.add_argument("--growth-workspaces", type=int, default=10_000)
    parser.add_argument("--growth-prospects", type=int, default=1_000_000)
    parser.add_argument("--memory-checks", type=int, default=100_000, help="RSS compared after N/10 and N")
    parser.add_argument("--memory-warmup", type=int, default=2_000, help="checks before the first reading")
    parser.add_argument("--memory-seconds", type=float, default=600, help="time limit of each memory leg")
    parser.add_argument("--realistic-env", action="append", default=[], type=environment_setting,
                        metavar="NAME=VALUE", help="a setting for item 6's service and floor, to try other "
                        "than the service's defaults (WEB_CONCURRENCY and GUNICORN_THREADS apply to the floor too)")
    parser.add_argument("--load-generator", dest="generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a database on the server to create the throwaway ones from (env BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    args.only = [item.strip() for item in args.only.split(",") if item.strip()]
    unknown = set(args.only) - set(ITEMS)
    if unknown:
        parser.error(f"unknown items: {', '.join(sorted(unknown))}")
    args.generator = load.tool(args.generator)
    return args


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so every finally below runs and every process group is killed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    jwt_secret = secrets.token_urlsafe(48)
    load_before = os.getloadavg()[0]
    figures: list[Figure] = []
    selected = set(args.only)
    with ExitStack() as stack:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-logs-")))
        small_url = large_url = ""
        if selected - {"standin"}:
            small_url = stack.enter_context(throwaway_database(args.postgres_url, "small"))
            progress(f"seeding {args.small_prospects:,} prospects in {args.small_workspaces} workspaces")
            seed(small_url, workspaces=args.small_workspaces, prospects=args.small_prospects)
        if "growth" in selected:
            large_url = stack.enter_context(throwaway_database(args.postgres_url, "large"))
            progress(f"seeding {args.growth_prospects:,} prospects in {args.growth_workspaces:,} workspaces")
            seed(large_url, workspaces=args.growth_workspaces, prospects=args.growth_prospects)
        steps: dict[str, Callable[[], list[Figure]]] = {
            "standin": lambda: measure_standin(args, logs),
            "queries": lambda: measure_queries(args, small_url, jwt_secret),
            "overhead": lambda: measure_overhead(args, logs, small_url, jwt_secret),
            "concurrency": lambda: measure_concurrency(args, logs, small_url, jwt_secret),
            "growth": lambda: measure_growth(args, logs, small_url, large_url, jwt_secret),
            "memory": lambda: measure_memory(args, logs, small_url, jwt_secret),
            "realistic": lambda: measure_realistic(args, logs, small_url, jwt_secret),
            "stored": lambda: measure_stored(args, logs, small_url, jwt_secret),
        }
        stack.callback(load.stop_all)
        for item in ITEMS:
            if item in selected:
                figures += steps[item]()
    print_report(figures, args, load_before)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("bench: interrupted; every process it started is stopped", file=sys.stderr)
        sys.exit(130)
