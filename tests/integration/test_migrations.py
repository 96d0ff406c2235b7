"""The migrations build, remove and rebuild the schema the store queries, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from adapters.sql_store import (
    MIGRATIONS_DIRECTORY,
    create_engine_for,
    current_revision,
    downgrade_schema,
    metadata,
    upgrade_schema,
)

HEAD = ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_current_head()
EMPTY_DATABASE_FIXTURES = {"sqlite": "sqlite_database_url", "postgresql": "pg_database_url"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request) -> str:
    return request.getfixturevalue(EMPTY_DATABASE_FIXTURES[request.param])


def table_names(database_url: str) -> set[str]:
    engine = create_engine_for(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_upgrade_again(empty_database_url):
    assert current_revision(empty_database_url) is None

    upgrade_schema(empty_database_url)
    assert current_revision(empty_database_url) == HEAD
    assert table_names(empty_database_url) == {*metadata.tables, "alembic_version"}

    downgrade_schema(empty_database_url, "base")
    assert current_revision(empty_database_url) is None
    assert table_names(empty_database_url) == {"alembic_version"}

    upgrade_schema(empty_database_url)
    assert current_revision(empty_database_url) == HEAD


def test_schema_indexes_what_the_request_path_looks_up(empty_database_url):
    upgrade_schema(empty_database_url)
    engine = create_engine_for(empty_database_url)
    inspector = sa.inspect(engine)
    indexes = {
        (table, tuple(index["column_names"]), bool(index["unique"]))
        for table in metadata.tables
        for index in inspector.get_indexes(table)
    }
    unique_constraints = {
        (table, tuple(constraint["column_names"]))
        for table in metadata.tables
        for constraint in inspector.get_unique_constraints(table)
    }
    primary_keys = {
        table: inspector.get_pk_constraint(table)["constrained_columns"]
        for table in metadata.tables
    }
    engine.dispose()

    assert ("api_keys", ("prefix",), True) in indexes
    assert ("connected_accounts", ("workspace_id",), False) in indexes
    assert ("connected_accounts", ("provider_account_id",), False) in indexes
    assert ("connected_accounts", ("workspace_id", "provider_account_id"), True) in indexes
    assert ("prospects", ("workspace_id",), False) in indexes
    assert ("observations", ("account_id", "provider_id", "observed_at"), False) in indexes
    assert ("observations", ("account_id", "slug_key", "observed_at"), False) in indexes
    assert ("observations", ("observed_at",), False) in indexes
    assert ("users", ("workspace_id", "email")) in unique_constraints
    assert primary_keys == {table: ["id"] for table in metadata.tables}


def test_migrated_schema_matches_the_tables_the_store_queries(empty_database_url):
    upgrade_schema(empty_database_url)
    engine = create_engine_for(empty_database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()

    assert differences == []


def test_a_percent_sign_in_the_url_reaches_the_database_intact(tmp_path):
    # Alembic's config interpolates '%'; an unescaped one would fail or name another file.
    database_path = tmp_path / "100%" / "store.db"

    upgrade_schema(f"sqlite:///{database_path}")

    assert database_path.exists()
    assert current_revision(f"sqlite:///{database_path}") == HEAD


def test_upgrade_refuses_to_guess_which_duplicate_account_to_keep(empty_database_url):
    upgrade_schema(empty_database_url, "0001")
    engine = create_engine_for(empty_database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO workspaces (id, name) VALUES (1, 'Acme')")
        for _ in range(2):
            connection.exec_driver_sql(
                "INSERT INTO connected_accounts (workspace_id, provider, provider_account_id, status)"
                " VALUES (1, 'LINKEDIN', 'acc-1', 'OK')"
            )
    engine.dispose()

    with pytest.raises(RuntimeError, match="workspace 1 / 'acc-1'"):
        upgrade_schema(empty_database_url)

    assert current_revision(empty_database_url) == "0001"
