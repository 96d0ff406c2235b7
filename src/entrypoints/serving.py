"""gunicorn's settings and hooks, read from the environment; gunicorn.conf.py applies them.

This module imports nothing that imports prometheus_client: that library chooses between one
process and many when it is imported, from PROMETHEUS_MULTIPROC_DIR, which is set here first.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_WORKERS = 2
# A check spends about a second waiting on LinkedIn (through Unipile) and little CPU: 2 x 128
# threads keep 256 checks in flight, which two cores serve (docs/deployment.md, bench item 6).
DEFAULT_THREADS = 128
# Far above what one process's CPU can use; a typo such as 10000 would only waste memory.
MAX_THREADS = 1024
DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_GRACEFUL_TIMEOUT_SECONDS = 30
METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Set when this module chose the metrics directory, so that only such a directory is removed.
_OWN_METRICS_DIRECTORY_VARIABLE = "CONNECTION_STATUS_OWN_METRICS_DIR"


class ServerConfigurationError(Exception):
    """A server setting is missing, malformed or unsafe; the message names the variable."""


@dataclass(frozen=True)
class ServerSettings:
    bind: str
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int


def server_settings(environ: Mapping[str, str], app_defaults: Mapping[str, Any]) -> ServerSettings:
    """The server's settings, refusing combinations that would fail in production."""
    workers = _positive_integer(environ, "WEB_CONCURRENCY", DEFAULT_WORKERS)
    threads = threads_per_worker(environ)
    timeout = _positive_integer(environ, "GUNICORN_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
    graceful_timeout = _positive_integer(environ, "GUNICORN_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT_SECONDS)

    database_url = environ.get("DATABASE_URL") or str(app_defaults["DATABASE_URL"])
    if database_url.lower().startswith("sqlite") and workers > 1:
        raise ServerConfigurationError(
            f"DATABASE_URL is SQLite, which takes one writer at a time and cannot be shared by "
            f"WEB_CONCURRENCY={workers} workers: use PostgreSQL (DATABASE_URL=postgresql://...), "
            f"or WEB_CONCURRENCY=1 for a trial"
        )

    deadline = _provider_deadline(environ, app_defaults)
    # The provider deadline bounds the longest request. Well under the worker timeout, a worker
    # waiting on the provider is never taken for a hung one; under the graceful timeout, checks in
    # flight at SIGTERM finish instead of being cut off.
    if deadline * 2 > timeout:
        raise ServerConfigurationError(
            f"UNIPILE_TIMEOUT_SECONDS ({deadline:g} s) must be at most half of GUNICORN_TIMEOUT ({timeout} s)"
        )
    if deadline >= graceful_timeout:
        raise ServerConfigurationError(
            f"UNIPILE_TIMEOUT_SECONDS ({deadline:g} s) must be below GUNICORN_GRACEFUL_TIMEOUT "
            f"({graceful_timeout} s), so that checks in flight at shutdown can finish"
        )

    bind = environ.get("BIND") or (f"127.0.0.1:{_port(environ)}" if environ.get("PORT") else DEFAULT_BIND)
    return ServerSettings(bind, workers, threads, timeout, graceful_timeout)


def threads_per_worker(environ: Mapping[str, str]) -> int:
    threads = _positive_integer(environ, "GUNICORN_THREADS", DEFAULT_THREADS)
    if threads > MAX_THREADS:
        raise ServerConfigurationError(f"GUNICORN_THREADS must be at most {MAX_THREADS}, not {threads}")
    return threads


def choose_metrics_directory(environ: MutableMapping[str, str]) -> str:
    """The directory where workers write their metrics, named in the environment they inherit.

    An operator's PROMETHEUS_MULTIPROC_DIR is kept; otherwise a private one under the temporary
    directory is named after this (master) process and removed when it exits.
    """
    if environ.get(METRICS_DIRECTORY_VARIABLE):
        return environ[METRICS_DIRECTORY_VARIABLE]
    directory = os.path.join(tempfile.gettempdir(), f"connection-status-metrics-{os.getpid()}")
    environ[METRICS_DIRECTORY_VARIABLE] = directory
    environ[_OWN_METRICS_DIRECTORY_VARIABLE] = directory
    return directory


def on_starting(_server: Any) -> None:
    """Start from empty metrics: files left by an earlier run would be summed into this one's."""
    directory = os.environ[METRICS_DIRECTORY_VARIABLE]
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for leftover in glob.glob(os.path.join(directory, "*.db")):
        os.remove(leftover)


def child_exit(_server: Any, worker: Any) -> None:
    """A worker has gone: its live gauges stop counting (its counters still add up)."""
    from prometheus_client import multiprocess  # here, not at the top: see the module docstring

    multiprocess.mark_process_dead(worker.pid, os.environ[METRICS_DIRECTORY_VARIABLE])


def on_exit(_server: Any) -> None:
    own_directory = os.environ.get(_OWN_METRICS_DIRECTORY_VARIABLE)
    if own_directory:
        shutil.rmtree(own_directory, ignore_errors=True)


def _positive_integer(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise ServerConfigurationError(f"{name} must be a whole number above 0, not {text!r}")
    return int(text)


def _port(environ: Mapping[str, str]) -> int:
    port = _positive_integer(environ, "PORT", 8000)
    if port > 65535:
        raise ServerConfigurationError(f"PORT must be at most 65535, not {port}")
    return port


def _provider_deadline(environ: Mapping[str, str], app_defaults: Mapping[str, Any]) -> float:
    text = environ.get("UNIPILE_TIMEOUT_SECONDS") or str(app_defaults["UNIPILE_TIMEOUT_SECONDS"])
    try:
        deadline = float(text)
    except ValueError:
        deadline = 0.0
    if not 0 < deadline <= 60:
        raise ServerConfigurationError("UNIPILE_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 60")
    return deadline


def main() -> None:
    """`make serve`: gunicorn with gunicorn.conf.py, once WEB_CONCURRENCY is known to be usable.

    gunicorn reads WEB_CONCURRENCY itself, with int(), while importing its settings and before
    reading gunicorn.conf.py: a malformed value would end in a traceback instead of a line naming
    it. The process then becomes gunicorn (same pid), so a supervisor's signals reach it.
    """
    try:
        _positive_integer(os.environ, "WEB_CONCURRENCY", DEFAULT_WORKERS)
    except ServerConfigurationError as error:
        raise SystemExit(f"Configuration error: {error}") from None
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, [gunicorn, "--config", "gunicorn.conf.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
