"""Start-up as an operator meets it: `make serve` and `gunicorn --config gunicorn.conf.py` either
serve, or stop within seconds with one line naming the setting, never booting workers in a loop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import JWT_SECRET
from tests.gunicorn_process import GUNICORN, REPO_ROOT

PYTHON = Path(sys.executable)
REFUSED_WITHIN_SECONDS = 10
# The ways to start the server the docs give: what `make serve` runs, and gunicorn itself.
SERVE = [str(PYTHON), "-m", "entrypoints.serving"]
GUNICORN_ITSELF = [str(GUNICORN), "--config", "gunicorn.conf.py"]


def start(command: list[str], tmp_path: Path, **settings: str) -> tuple[subprocess.CompletedProcess, float]:
    """Runs a server command that is expected to stop by itself; its result and how long it ran."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "JWT_SECRET_KEY": JWT_SECRET,
        "LINKEDIN_PROVIDER": "sandbox",
        **settings,
    }
    began = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True,
            timeout=REFUSED_WITHIN_SECONDS * 3, start_new_session=True,
        )
    except subprocess.TimeoutExpired as still_running:
        pytest.fail(f"still running after {still_running.timeout} s:\n{still_running.stderr}")
    return result, time.monotonic() - began


def the_only_line(result: subprocess.CompletedProcess) -> str:
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


REFUSED_SETTINGS = [
    ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be a whole number between 1 and 100"),
    ({"GUNICORN_THREADS": "lots"}, "GUNICORN_THREADS must be a whole number above 0, not 'lots'"),
    ({"GUNICORN_THREADS": "5000"}, "GUNICORN_THREADS must be at most 1024, not 5000"),
    ({"JWT_SECRET_KEY": ""}, "JWT_SECRET_KEY is required (at least 32 bytes)"),
    ({"JWT_SECRET_KEY": "short"}, "JWT_SECRET_KEY must be at least 32 bytes long"),
    ({"LINKEDIN_PROVIDER": "unipile"}, "UNIPILE_DSN is required when LINKEDIN_PROVIDER is 'unipile'"),
    ({"LINKEDIN_PROVIDER": "unipile", "UNIPILE_DSN": "api1.unipile.com:13111", "UNIPILE_API_KEY": " k "},
     "UNIPILE_API_KEY has surrounding spaces or control characters"),
    ({"LINKEDIN_PROVIDER": "unipile", "UNIPILE_DSN": "ftp://x", "UNIPILE_API_KEY": "k"}, "UNIPILE_DSN is not usable"),
    ({"UNIPILE_TIMEOUT_SECONDS": "0"}, "UNIPILE_TIMEOUT_SECONDS must be a number of seconds above 0 and at most 60"),
    ({"API_RATE_LIMIT": "fast"}, "API_RATE_LIMIT must be a rate such as '50/minute'"),
    ({"REDIS_URL": "http://cache"}, "REDIS_URL must be a redis://, rediss:// or unix:// URL"),
    ({"REDIS_URL": "redis://:hunter2@cache:port"}, "REDIS_URL is not a usable Redis URL"),
    ({"DATABASE_URL": "mysql://db/app"}, "DATABASE_URL is not a usable database URL"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ({"OBSERVATION_RETENTION_DAYS": "-1"}, "OBSERVATION_RETENTION_DAYS must be a whole number between 1 and 3650"),
]


@pytest.mark.parametrize("command", [SERVE, GUNICORN_ITSELF], ids=["make-serve", "gunicorn"])
@pytest.mark.parametrize(("settings", "message"), REFUSED_SETTINGS, ids=[next(iter(s)) + "=" + s[next(iter(s))] for s, _ in REFUSED_SETTINGS])
def test_a_setting_a_worker_would_refuse_stops_the_master_before_any_worker(command, settings, message, tmp_path):
    result, seconds = start(command, tmp_path, **settings)

    assert result.returncode != 0
    assert seconds < REFUSED_WITHIN_SECONDS
    line = the_only_line(result)
    assert line.startswith("Configuration error: ") and message in line
    assert "hunter2" not in line


def test_a_malformed_worker_count_is_one_line_naming_it(tmp_path):
    # gunicorn itself reads WEB_CONCURRENCY with int() before any configuration file: what
    # `make serve` runs checks it first.
    result, seconds = start(SERVE, tmp_path, WEB_CONCURRENCY="abc")

    assert result.returncode != 0 and seconds < REFUSED_WITHIN_SECONDS
    assert the_only_line(result) == "Configuration error: WEB_CONCURRENCY must be a whole number above 0, not 'abc'"


def test_make_serve_stops_on_a_bad_setting(tmp_path):
    if subprocess.run(["make", "-q", "install"], cwd=REPO_ROOT, capture_output=True).returncode != 0:
        pytest.skip("the virtualenv is not the one `make install` keeps: `make serve` would reinstall it")
    result, seconds = start(["make", "--no-print-directory", "serve"], tmp_path, DATABASE_POOL_SIZE="0")

    assert result.returncode != 0 and seconds < REFUSED_WITHIN_SECONDS
    assert "Configuration error: DATABASE_POOL_SIZE must be a whole number between 1 and 100" in result.stderr
    assert "Booting worker" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "refusal",
    ['raise SystemExit("Configuration error: the worker cannot start")', 'raise RuntimeError("the worker cannot start")'],
    ids=["exit", "exception"],
)
def test_a_worker_that_cannot_boot_ends_the_master_after_one_try(refusal, tmp_path):
    (tmp_path / "refusing_app.py").write_text(refusal + "\n")

    result, seconds = start(
        [*SERVE, "refusing_app:app"], tmp_path, PYTHONPATH=str(tmp_path), GUNICORN_THREADS="2"
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0 and seconds < REFUSED_WITHIN_SECONDS
    assert output.count("Booting worker") == 1
    assert "the worker cannot start" in output
