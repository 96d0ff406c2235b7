"""Store fixtures: a SQLite file per test and PostgreSQL databases per run, built by migrations.

PostgreSQL comes from TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); its
tests are skipped with the reason shown when no server answers, and fail when REQUIRE_POSTGRES=1.
Redis likewise comes from TEST_REDIS_URL (default redis://127.0.0.1:6379/0), with REQUIRE_REDIS=1.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.sql_observations import SqlObservationStore
from adapters.sql_store import SqlProspectStore, create_engine_for, metadata, upgrade_schema
from tests.gunicorn_process import free_port

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def sqlite_database_url(tmp_path) -> str:
    """A SQLite file that does not exist yet, in a directory that does not exist yet."""
    return f"sqlite:///{tmp_path / 'var' / 'store.db'}"


@pytest.fixture(scope="session")
def sqlite_migrated_template(tmp_path_factory) -> Path:
    """A SQLite file at the head migration, migrated once per run and copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "store.db"
    upgrade_schema(f"sqlite:///{path}")
    return path


def totals_from_threads(count: Callable[[], int], *, threads: int, calls_each: int = 10) -> list[int]:
    """Every total `count` returned, called `calls_each` times from each of `threads` threads at once."""
    totals: list[int] = []
    lock = threading.Lock()

    def count_some() -> None:
        for _ in range(calls_each):
            total = count()
            with lock:
                totals.append(total)

    workers = [threading.Thread(target=count_some) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return totals


def migrated_sqlite_url(template: Path, directory: Path) -> str:
    """The URL of a copy of the migrated SQLite template in `directory`, a database of one's own."""
    path = directory / "app.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_migrated_template, tmp_path) -> Iterator[sa.Engine]:
    """An engine on this test's own SQLite file at the head migration."""
    engine = create_engine_for(migrated_sqlite_url(sqlite_migrated_template, tmp_path))
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_store(sqlite_engine) -> SqlProspectStore:
    return SqlProspectStore(sqlite_engine)


@pytest.fixture
def sqlite_observation_store(sqlite_engine) -> SqlObservationStore:
    return SqlObservationStore(sqlite_engine)


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database, able to create databases."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    engine = create_engine_for(url, pool_size=1).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {exc.orig}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database_factory(pg_admin_engine) -> Iterator[Callable[[], str]]:
    """Creates empty, uniquely named databases and drops them all at the end of the run."""
    created: list[str] = []

    def create_database() -> str:
        name = f"test_{uuid.uuid4().hex[:16]}"
        with pg_admin_engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return pg_admin_engine.url.set(database=name).render_as_string(hide_password=False)

    yield create_database
    with pg_admin_engine.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database_url(pg_database_factory) -> str:
    """A fresh, empty PostgreSQL database for this test alone."""
    return pg_database_factory()


@pytest.fixture(scope="session")
def pg_migrated_database_url(pg_database_factory) -> str:
    """One PostgreSQL database at the head migration, shared by the run."""
    url = pg_database_factory()
    upgrade_schema(url)
    return url


@pytest.fixture
def pg_engine(pg_migrated_database_url) -> Iterator[sa.Engine]:
    """An engine on the shared migrated database, its tables emptied before the test."""
    engine = create_engine_for(pg_migrated_database_url, pool_size=2)
    table_names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {table_names}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_store(pg_engine) -> SqlProspectStore:
    return SqlProspectStore(pg_engine)


@pytest.fixture
def pg_observation_store(pg_engine) -> SqlObservationStore:
    return SqlObservationStore(pg_engine)


DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """TEST_REDIS_URL when a server answers there; skipped with the reason, or failed with REQUIRE_REDIS=1."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        password = urlsplit(url).password
        shown = url.replace(f":{password}@", ":***@") if password else url
        reason = f"Redis not reachable at {shown}: {exc}"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(reason + " (REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip(reason)
    finally:
        client.close()
    return url


@pytest.fixture
def redis_key_prefix(redis_server_url) -> Iterator[str]:
    """A key prefix of this test's own on the shared Redis, its keys deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:16]}"
    yield prefix
    client = redis.Redis.from_url(redis_server_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def unused_tcp_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    return free_port()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def state_storage(request) -> dict:
    """Settings for keeping limits, budgets and cool-downs in memory, or in Redis under a prefix of this test's own."""
    if request.param == "memory":
        return {"REDIS_URL": None}
    return {
        "REDIS_URL": request.getfixturevalue("redis_server_url"),
        "REDIS_KEY_PREFIX": request.getfixturevalue("redis_key_prefix"),
    }
