"""Start-up refuses missing or unsafe settings with a message that names the variable."""

import pytest

from entrypoints.app import create_app
from entrypoints.bootstrap import ConfigurationError, Services
from tests.e2e.conftest import JWT_SECRET
from tests.fakes import FakeLinkedInProvider, FakeObservationStore, FakeProspectStore


def fakes():
    return Services(
        store=FakeProspectStore(), provider=FakeLinkedInProvider(), observations=FakeObservationStore()
    )


def test_missing_jwt_secret_is_named_even_when_flask_has_a_secret_key():
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        create_app({"SECRET_KEY": "x" * 64}, services=fakes())


def test_short_jwt_secret_is_refused():
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY must be at least 32 bytes"):
        create_app({"JWT_SECRET_KEY": "x" * 31}, services=fakes())


def test_environment_is_read_at_start_up(monkeypatch):
    monkeypatch.setenv("JWT_SECRET_KEY", JWT_SECRET)
    monkeypatch.setenv("UNIPILE_TIMEOUT_SECONDS", "4.5")
    app = create_app(services=fakes())
    assert app.config["UNIPILE_TIMEOUT_SECONDS"] == "4.5"


@pytest.mark.parametrize("timeout", ["0", "-1", "abc", "nan", "inf", "61"])
def test_unusable_provider_timeout_is_refused(timeout):
    with pytest.raises(ConfigurationError, match="UNIPILE_TIMEOUT_SECONDS .* above 0 and at most 60$"):
        create_app({"JWT_SECRET_KEY": JWT_SECRET, "UNIPILE_TIMEOUT_SECONDS": timeout}, services=fakes())


@pytest.mark.parametrize("missing", ["UNIPILE_DSN", "UNIPILE_API_KEY"])
def test_unipile_provider_needs_its_settings(missing, tmp_path):
    config = {
        "JWT_SECRET_KEY": JWT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
        "UNIPILE_DSN": "api8.unipile.com:13851",
        "UNIPILE_API_KEY": "key",
    }
    del config[missing]
    with pytest.raises(ConfigurationError, match=missing):
        create_app(config)


def test_unknown_provider_kind_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="LINKEDIN_PROVIDER"):
        create_app(
            {"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite", "LINKEDIN_PROVIDER": "magic"}
        )


@pytest.mark.parametrize(
    "name, value",
    [
        ("API_RATE_LIMIT", "fifty a minute"),
        ("API_RATE_LIMIT", ""),
        ("LOG_LEVEL", "LOUD"),
        ("DATABASE_POOL_SIZE", "0"),
        ("DATABASE_POOL_SIZE", "eight"),
        ("DATABASE_POOL_SIZE", "101"),
        ("LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT", "-5"),
        ("OBSERVATION_RETENTION_DAYS", "0"),
        ("OBSERVATION_RETENTION_DAYS", "thirty"),
        ("OBSERVATION_RETENTION_DAYS", "1.5"),
        ("OBSERVATION_RETENTION_DAYS", "3651"),
        ("OBSERVATION_RETENTION_DAYS", ""),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
    ],
)
def test_unusable_operational_settings_are_refused_by_name(name, value):
    with pytest.raises(ConfigurationError, match=name):
        create_app({"JWT_SECRET_KEY": JWT_SECRET, name: value}, services=fakes())


def test_operational_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("JWT_SECRET_KEY", JWT_SECRET)
    monkeypatch.setenv("API_RATE_LIMIT", "7/second")
    monkeypatch.setenv("LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT", "80")
    monkeypatch.setenv("LOG_LEVEL", "debug")

    config = create_app(services=fakes()).config

    assert (config["API_RATE_LIMIT"], config["LINKEDIN_DAILY_LOOKUPS_PER_ACCOUNT"], config["LOG_LEVEL"]) == (
        "7/second",
        "80",
        "debug",
    )


@pytest.mark.parametrize(
    "database_url",
    ["postgresql://app:s3cret-pw@db:port/app", "mysql://app:s3cret-pw@db/app", "not a url", "://"],
)
def test_unusable_database_url_is_named_without_repeating_it(database_url):
    with pytest.raises(ConfigurationError, match="DATABASE_URL") as refused:
        create_app({"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": database_url, "LINKEDIN_PROVIDER": "sandbox"})
    assert "s3cret-pw" not in str(refused.value)


@pytest.mark.parametrize(
    "setting, value, named",
    [
        ("UNIPILE_DSN", "https://api8.unipile.com:13851/api/v1", "UNIPILE_DSN is not usable"),
        ("UNIPILE_DSN", "https://☃.example:13851", "UNIPILE_DSN is not usable"),
        ("UNIPILE_API_KEY", "key ", "UNIPILE_API_KEY"),
        ("UNIPILE_API_KEY", " key", "UNIPILE_API_KEY"),
        ("UNIPILE_API_KEY", "ke\x01y", "UNIPILE_API_KEY"),
    ],
)
def test_an_unusable_unipile_setting_is_named(setting, value, named, tmp_path):
    config = {
        "JWT_SECRET_KEY": JWT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
        "UNIPILE_DSN": "api8.unipile.com:13851",
        "UNIPILE_API_KEY": "key",
        setting: value,
    }
    with pytest.raises(ConfigurationError, match=named):
        create_app(config)


@pytest.mark.parametrize(
    "environment, pool_size",
    [({}, 8), ({"GUNICORN_THREADS": "12"}, 8), ({"GUNICORN_THREADS": "12", "DATABASE_POOL_SIZE": "5"}, 5)],
    ids=["default", "whatever-the-threads", "set-on-purpose"],
)
def test_the_postgresql_pool_is_sized_on_its_own(monkeypatch, environment, pool_size):
    # A check holds a connection only for its reads and its write, not while LinkedIn answers:
    # 128 threads must not mean 128 connections per worker.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        {"JWT_SECRET_KEY": JWT_SECRET, "LINKEDIN_PROVIDER": "sandbox",
         "DATABASE_URL": "postgresql://app@127.0.0.1:5432/app"}  # no connection is opened
    )
    engine = app.extensions["services"].store._database.engine
    assert (engine.pool.size(), engine.pool.timeout(), engine.dialect.name) == (pool_size, 5, "postgresql")


@pytest.mark.parametrize(
    "environment, connections", [({}, 128), ({"GUNICORN_THREADS": "12", "DATABASE_POOL_SIZE": "5"}, 12)],
    ids=["default", "set"],
)
def test_the_unipile_connection_pool_holds_one_connection_per_worker_thread(monkeypatch, tmp_path, environment, connections):
    # Each thread waiting on LinkedIn holds a connection to Unipile; a smaller pool would make the
    # others open a new TLS connection per lookup and discard it.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        {"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
         "UNIPILE_DSN": "api8.unipile.com:13851", "UNIPILE_API_KEY": "key"}
    )
    client = app.extensions["services"].directory._client
    assert client._session.get_adapter("https://api8.unipile.com:13851")._pool_maxsize == connections
