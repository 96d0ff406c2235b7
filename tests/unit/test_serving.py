"""gunicorn's settings from the environment, and the combinations refused before any worker starts."""

import os

import pytest

from entrypoints.app import DEFAULTS
from entrypoints.serving import (
    ServerConfigurationError,
    ServerSettings,
    choose_metrics_directory,
    server_settings,
)

POSTGRES = {"DATABASE_URL": "postgresql://app@db/app"}


def test_defaults_hold_256_checks_in_flight_on_loopback():
    # A lookup waits about a second on LinkedIn: 2 workers x 128 threads keep 256 of them going.
    assert server_settings(POSTGRES, DEFAULTS) == ServerSettings(
        bind="127.0.0.1:8000", workers=2, threads=128, timeout=30, graceful_timeout=30
    )


def test_every_setting_comes_from_the_environment():
    environ = {
        **POSTGRES,
        "WEB_CONCURRENCY": "4",
        "GUNICORN_THREADS": "16",
        "GUNICORN_TIMEOUT": "40",
        "GUNICORN_GRACEFUL_TIMEOUT": "25",
        "BIND": "0.0.0.0:9000",
    }

    assert server_settings(environ, DEFAULTS) == ServerSettings("0.0.0.0:9000", 4, 16, 40, 25)


def test_port_alone_moves_the_loopback_port_and_bind_wins_over_it():
    assert server_settings({**POSTGRES, "PORT": "9100"}, DEFAULTS).bind == "127.0.0.1:9100"
    assert server_settings({**POSTGRES, "PORT": "9100", "BIND": "unix:/run/app.sock"}, DEFAULTS).bind == (
        "unix:/run/app.sock"
    )


@pytest.mark.parametrize("database_url", [None, "sqlite:///var/app.db", "SQLite:////tmp/x.db"])
def test_sqlite_with_several_workers_is_refused_naming_postgresql(database_url):
    environ = {"WEB_CONCURRENCY": "2"} if database_url is None else {"WEB_CONCURRENCY": "2", "DATABASE_URL": database_url}

    with pytest.raises(ServerConfigurationError, match="DATABASE_URL is SQLite.*PostgreSQL"):
        server_settings(environ, DEFAULTS)


def test_sqlite_with_one_worker_is_served():
    assert server_settings({"WEB_CONCURRENCY": "1"}, DEFAULTS).workers == 1


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"UNIPILE_TIMEOUT_SECONDS": "20"}, "at most half of GUNICORN_TIMEOUT"),
        ({"UNIPILE_TIMEOUT_SECONDS": "10", "GUNICORN_TIMEOUT": "19"}, "at most half of GUNICORN_TIMEOUT"),
        ({"UNIPILE_TIMEOUT_SECONDS": "10", "GUNICORN_GRACEFUL_TIMEOUT": "10"}, "below GUNICORN_GRACEFUL_TIMEOUT"),
        ({"UNIPILE_TIMEOUT_SECONDS": "nan"}, "above 0 and at most 60"),
        ({"UNIPILE_TIMEOUT_SECONDS": "61", "GUNICORN_TIMEOUT": "200"}, "above 0 and at most 60"),
    ],
)
def test_a_provider_deadline_not_well_under_the_worker_timeouts_is_refused(environ, message):
    with pytest.raises(ServerConfigurationError, match=f"UNIPILE_TIMEOUT_SECONDS.*{message}"):
        server_settings({**POSTGRES, **environ}, DEFAULTS)


def test_a_longer_deadline_is_served_with_longer_timeouts():
    environ = {**POSTGRES, "UNIPILE_TIMEOUT_SECONDS": "20", "GUNICORN_TIMEOUT": "60", "GUNICORN_GRACEFUL_TIMEOUT": "25"}

    assert server_settings(environ, DEFAULTS).timeout == 60


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT", "PORT"])
@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_malformed_numbers_are_refused_by_name(name, value):
    with pytest.raises(ServerConfigurationError, match=name):
        server_settings({**POSTGRES, name: value}, DEFAULTS)


def test_an_operators_metrics_directory_is_kept():
    environ = {"PROMETHEUS_MULTIPROC_DIR": "/srv/metrics"}

    assert choose_metrics_directory(environ) == "/srv/metrics"
    assert environ == {"PROMETHEUS_MULTIPROC_DIR": "/srv/metrics"}


def test_without_one_a_private_metrics_directory_is_named_for_the_workers():
    environ: dict[str, str] = {}

    directory = choose_metrics_directory(environ)

    assert environ["PROMETHEUS_MULTIPROC_DIR"] == directory
    assert directory.endswith(f"connection-status-metrics-{os.getpid()}")
