"""What every benchmark item stands on: processes, servers, the Unipile stand-in, the throwaway
databases and their checks, rounds taken in turn, and the figures they give.

Every process started here runs in its own process group and is killed on the way out; the
throwaway databases are dropped. Everything binds 127.0.0.1. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import select
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

import load
from entrypoints import serving
from load import LoadResult, Target

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STANDIN_API_KEY = "bench-unipile-key-0123456789"
LOOKUPS_PATH = "/bench/lookups"  # the stand-in's count of profile lookups asked for
STARTUP_SECONDS = 60
BEGAN = time.monotonic()


class BenchError(Exception):
    """The benchmark could not measure (a server did not start, a check did not answer 200)."""


@dataclass(frozen=True)
class Figure:
    item: str
    measure: str
    shown: str
    target: str
    met: bool
    detail: str


def progress(message: str) -> None:
    print(f"[{time.monotonic() - BEGAN:5.0f} s] {message}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (gunicorn's master and workers), SIGKILL if it lingers."""
    for signal_number, wait_seconds in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signal_number)
        except ProcessLookupError:
            break
        try:
            process.wait(wait_seconds)
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.wait()


@contextmanager
def process_group(command: list[str], *, log_path: Path, env: dict[str, str] | None = None,
                  stdout: int | None = None) -> Iterator[subprocess.Popen]:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=stdout or log, stderr=log, start_new_session=True
        )
        try:
            yield process
        finally:
            stop_group(process)


def log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds_of(pid: int) -> float:
    """User and system CPU the process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@dataclass(frozen=True)
class StandIn:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        return cpu_seconds_of(self.pid)

    def lookups(self) -> int:
        """Profile lookups it has been asked for so far."""
        status, body = get(self.port, LOOKUPS_PATH, {})
        if status != 200:
            raise BenchError(f"the Unipile stand-in answered {status} to GET {LOOKUPS_PATH}")
        return json.loads(body)["lookups"]


@contextmanager
def unipile_standin(latency_ms: float, logs: Path) -> Iterator[StandIn]:
    log_path = logs / f"standin-{latency_ms:g}ms.log"
    command = [sys.executable, str(REPO / "bench" / "unipile_standin.py"),
               "--latency-ms", str(latency_ms), "--api-key", STANDIN_API_KEY]
    with process_group(command, log_path=log_path, stdout=subprocess.PIPE) as process:
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_SECONDS)
        line = process.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            raise BenchError(f"the Unipile stand-in did not start:\n{log_tail(log_path)}")
        yield StandIn(port=int(line), pid=process.pid)


@dataclass(frozen=True)
class Server:
    port: int
    pid: int

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def cpu_seconds(self) -> float:
        """User and system CPU the workers have used so far."""
        return sum(cpu_seconds_of(pid) for pid in self.worker_pids())


@contextmanager
def gunicorn(app: str, *, env: dict[str, str], logs: Path, name: str, workers: int | None = None,
             threads: int | None = None) -> Iterator[Server]:
    """The one place a server is launched, as `make serve` does: gunicorn.conf.py, gthread workers.

    The floor app gets the same settings file, so both pay the same server costs (access log
    included); the positional app overrides the file's `wsgi:app`. Workers or threads left out
    are left out of the environment too, so the service's own defaults apply.
    """
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", app]
    chosen = {"WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads}
    server_env = {
        **env,
        **{name: str(value) for name, value in chosen.items() if value is not None},
        "BIND": f"127.0.0.1:{port}",
    }
    log_path = logs / f"{name}.log"
    with process_group(command, log_path=log_path, env=server_env) as process:
        server = Server(port=port, pid=process.pid)
        expected = int(server_env.get("WEB_CONCURRENCY", serving.DEFAULT_WORKERS))
        wait_until_serving(server, process, expected, log_path)
        yield server


def wait_until_serving(server: Server, process: subprocess.Popen, workers: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode}:\n{log_tail(log_path)}")
        try:
            answered = get(server.port, "/", {}) is not None
        except OSError:
            answered = False
        if answered and len(server.worker_pids()) == workers:
            return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not serve within {STARTUP_SECONDS} s:\n{log_tail(log_path)}")


def connections_per_worker(server: Server) -> list[int]:
    """Established client connections each worker holds now: how gunicorn spread them."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == server.port and fields[3] == "01":
                established.add(f"socket:[{fields[9]}]")
    spread = []
    for pid in server.worker_pids():
        held = 0
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                held += os.readlink(descriptor) in established
            except OSError:
                continue
        spread.append(held)
    return spread


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def expect_ok(port: int, target: Target, what: str) -> None:
    status, body = get(port, target.path, target.headers)
    if status != 200:
        raise BenchError(f"{what}: GET {target.path} answered {status}: {body[:500]!r}")


# --- the database ------------------------------------------------------------------------------


@contextmanager
def throwaway_database(admin_url: str, label: str) -> Iterator[str]:
    name = f"bench_{secrets.token_hex(5)}_{label}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SEED_STATEMENTS = (
    "INSERT INTO workspaces (name) SELECT 'Workspace ' || w FROM generate_series(1, %(workspaces)s) AS w",
    "INSERT INTO connected_accounts (workspace_id, provider, provider_account_id, status)"
    " SELECT id, 'LINKEDIN', 'bench-account-' || id, 'OK' FROM workspaces ORDER BY id",
    # Keys whose text the benchmark can rebuild: prefix = the workspace id in hex, a known secret.
    "INSERT INTO api_keys (workspace_id, name, prefix, secret_hash)"
    " SELECT id, 'bench', lpad(to_hex(id), 12, '0'),"
    " encode(sha256(convert_to('bench-secret-' || id, 'UTF8')), 'hex') FROM workspaces ORDER BY id",
    "INSERT INTO users (workspace_id, email)"
    " SELECT id, 'user-' || id || '@bench.invalid' FROM workspaces ORDER BY id",
    # Prospects dealt round-robin to the workspaces, so any sample spans the whole table.
    "INSERT INTO prospects (workspace_id, linkedin_profile_url)"
    " SELECT (p - 1) %% %(workspaces)s + 1, 'https://www.linkedin.com/in/bench-first-degree-' || p"
    " FROM generate_series(1, %(prospects)s) AS p",
)


def seed(database_url: str, *, workspaces: int, prospects: int) -> None:
    from adapters.sql_store import upgrade_schema

    upgrade_schema(database_url)
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        for statement in SEED_STATEMENTS:
            connection.execute(statement, {"workspaces": workspaces, "prospects": prospects})
        ids = connection.execute("SELECT min(id), max(id), count(*) FROM workspaces").fetchone()
        if tuple(ids) != (1, workspaces, workspaces):
            raise BenchError(f"workspace ids are not 1..{workspaces}: {ids}")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def api_key_of(workspace_id: int) -> str:
    return f"{workspace_id:012x}.bench-secret-{workspace_id}"


def check_path(prospect_id: int, *, public: bool = True) -> str:
    route = "/api/v1/public/prospects" if public else "/api/v1/prospects"
    return f"{route}/{prospect_id}/connection-status/"


def check_targets(*, workspaces: int, prospects: int, count: int, seed_value: int = 7) -> list[Target]:
    """Checks of `count` prospects drawn across the whole table, each with its workspace's key."""
    chosen = random.Random(seed_value).sample(range(1, prospects + 1), min(count, prospects))
    return [
        Target(check_path(p), {"X-API-Key": api_key_of((p - 1) % workspaces + 1)}) for p in chosen
    ]


# --- rounds and figures ------------------------------------------------------------------------


def ratio_figure(item: str, measure: str, value: float, minimum: float | None = None,
                 maximum: float | None = None, detail: str = "", extra_ok: bool = True,
                 extra_shown: str = "") -> Figure:
    met = extra_ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    target = f"≥ {minimum:g}" if minimum is not None else f"≤ {maximum:g}"
    return Figure(item, measure, f"{value:.2f}{extra_shown}", target, met, detail)


@dataclass(frozen=True)
class Round:
    result: LoadResult
    spread: list[int]  # connections held by each worker, sampled mid-round
    cpu_ms_per_request: float  # CPU the workers used, per request answered


def cpu_per_call_in_rounds(paths: dict[str, Callable[[], object]], *, rounds: int,
                           calls: int) -> dict[str, list[float]]:
    """Seconds of this process's CPU per call of each path, one figure per round of `calls` calls.

    Each path is warmed first (connections, caches, prepared statements); rounds alternate between
    the paths, so that a noisy neighbour hits them alike. For the in-process scripts beside this one.
    """
    def cpu_per_call(call: Callable[[], object], count: int) -> float:
        started = time.process_time()
        for _ in range(count):
            call()
        return (time.process_time() - started) / count

    for call in paths.values():
        cpu_per_call(call, 50)
    figures: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, call in paths.items():
            figures[name].append(cpu_per_call(call, calls))
    return figures


def alternate(servers: dict[str, tuple[Server, list[Target]]], *, rounds: int, seconds: float,
              connections: int, generator: str) -> dict[str, list[Round]]:
    """Rounds taken in turn (A B A B ...), so a noisy neighbour hits both sides alike."""
    results: dict[str, list[Round]] = {name: [] for name in servers}
    for round_number in range(1, rounds + 1):
        for name, (server, targets) in servers.items():
            cpu_before = server.cpu_seconds()
            with ThreadPoolExecutor(max_workers=1) as pool:
                running = pool.submit(load.drive, server.port, targets, connections=connections,
                                      seconds=seconds, generator=generator)
                try:
                    time.sleep(min(2.0, seconds / 2))
                    spread = connections_per_worker(server)
                    result = running.result()
                except BaseException:
                    load.stop_all()  # or leaving the pool would wait for the load to end
                    raise
            cpu_ms = 1000 * (server.cpu_seconds() - cpu_before) / max(result.requests, 1)
            results[name].append(Round(result, spread, cpu_ms))
            progress(f"  round {round_number} {name}: {result.rps:.0f} rps, p50 {result.p50_ms:.1f} ms, "
                     f"p99 {result.p99_ms:.1f} ms, {result.errors} errors of {result.requests}; "
                     f"{cpu_ms:.2f} ms worker CPU per request; "
                     f"connections per worker {'/'.join(map(str, spread))}")
    return results


def warm_up(port: int, targets: list[Target], args: argparse.Namespace, connections: int) -> None:
    load.drive(port, targets, connections=connections, seconds=args.warmup_seconds, generator=args.generator)


def median_rps(rounds: list[Round]) -> float:
    return statistics.median(each.result.rps for each in rounds)


def describe_rounds(rounds: list[Round]) -> str:
    return "/".join(f"{each.result.rps:.0f}" for each in rounds)


def median_cpu(rounds: list[Round]) -> float:
    return statistics.median(each.cpu_ms_per_request for each in rounds)


def describe_spread(rounds: list[Round]) -> str:
    return ", ".join("/".join(map(str, each.spread)) for each in rounds)


def errors_in(*round_lists: list[Round]) -> int:
    return sum(each.result.errors for rounds in round_lists for each in rounds)


def service_env(database_url: str, standin_port: int, jwt_secret: str) -> dict[str, str]:
    """The environment every server gets; the caller's own server settings are not inherited."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("UNIPILE_", "DATABASE_", "JWT_", "LINKEDIN_", "API_RATE", "WEB_CONCURRENCY",
                                   "GUNICORN_"))}
    return {
        **env,
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": jwt_secret,
        "LINKEDIN_PROVIDER": "unipile",
        "UNIPILE_DSN": f"http://127.0.0.1:{standin_port}",
        "UNIPILE_API_KEY": STANDIN_API_KEY,
        # The service's own rate limit would otherwise be what is measured.
        "API_RATE_LIMIT": "1000000/minute",
    }
