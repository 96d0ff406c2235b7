"""What only the SQL store can get wrong: statement counts, foreign rows, engine settings."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.sql_store import (
    SqlProspectStore,
    api_keys,
    connected_accounts,
    create_engine_for,
    in_transactions,
    users,
    workspaces,
)
from domain.errors import StoreNotMigrated, StoreUnavailable
from domain.model import AccountStatus, CheckContext, CheckLookup, Provider

LINKEDIN_URL = "https://www.linkedin.com/in/jane-doe"
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)
ENGINE_FIXTURES = {"sqlite": "sqlite_engine", "postgresql": "pg_engine"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request) -> sa.Engine:
    return request.getfixturevalue(ENGINE_FIXTURES[request.param])


def record_statements(engine: sa.Engine) -> list[str]:
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_a_check_reads_its_caller_and_its_prospect_in_one_statement(engine):
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    accounts = tuple(
        store.add_account(workspace.id, Provider.LINKEDIN, f"acc-{number}", AccountStatus.OK)
        for number in range(3)
    )
    prospect = store.add_prospect(workspace.id, LINKEDIN_URL)
    key = store.add_api_key(workspace.id, None, "a1b2c3d4e5f6", "hash")
    user = store.add_user(workspace.id, "ada@example.com")
    context = CheckContext(prospect=prospect, accounts=accounts)
    statements = record_statements(engine)

    assert store.check_lookup(prospect.id, api_key_prefix=key.prefix) == CheckLookup(context, api_key=key)
    assert store.check_lookup(prospect.id, user_id=user.id) == CheckLookup(context, user=user)
    assert len(statements) == 2


def test_revoking_again_keeps_the_time_of_the_first_revocation(engine):
    store = SqlProspectStore(engine)
    key = store.add_api_key(store.add_workspace("Acme").id, None, "a1b2c3d4e5f6", "hash")
    store.revoke_api_key(key.id)
    # Backdated, so a second revocation that overwrote it could not go unnoticed within a second.
    with engine.begin() as connection:
        connection.execute(
            sa.update(api_keys).where(api_keys.c.id == key.id).values(revoked_at=LONG_AGO)
        )

    store.revoke_api_key(key.id)

    with engine.connect() as connection:
        revoked_at = connection.execute(
            sa.select(api_keys.c.revoked_at).where(api_keys.c.id == key.id)
        ).scalar_one()
    assert revoked_at.replace(tzinfo=None) == LONG_AGO.replace(tzinfo=None)


def write_past_the_store(engine: sa.Engine, account_id: int, **columns: str) -> None:
    """Sets an account row's columns as a later release could, to values this one does not know."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(connected_accounts).where(connected_accounts.c.id == account_id).values(**columns)
        )


def test_an_account_status_this_release_does_not_know_makes_the_account_unusable(engine):
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, LINKEDIN_URL)
    write_past_the_store(engine, account.id, status="SOME_NEW_STATUS")

    (stored,) = store.check_lookup(prospect.id).context.accounts

    assert stored.status is AccountStatus.ERROR and not stored.can_check_linkedin


def test_an_account_of_a_provider_this_release_does_not_know_is_left_out(engine):
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    unknown = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    known = store.add_account(workspace.id, Provider.LINKEDIN, "acc-2", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, LINKEDIN_URL)
    write_past_the_store(engine, unknown.id, provider="SOME_NEW_PROVIDER")

    assert store.check_lookup(prospect.id).context.accounts == (known,)
    assert store.set_account_status(unknown.id, AccountStatus.STOPPED) is None


def test_sqlite_enforces_foreign_keys(sqlite_engine):
    with pytest.raises(sa.exc.IntegrityError), sqlite_engine.begin() as connection:
        connection.execute(sa.insert(users).values(workspace_id=999, email="ada@example.com"))


def test_sqlite_database_directory_is_created(tmp_path):
    database_path = tmp_path / "var" / "data" / "store.db"

    create_engine_for(f"sqlite:///{database_path}").dispose()

    assert database_path.parent.is_dir()


@pytest.mark.parametrize(
    "database_url", ["postgresql://app@db.internal/app", "postgres://app@db.internal/app"]
)
def test_postgresql_urls_use_the_installed_psycopg_3_driver(database_url):
    engine = create_engine_for(database_url, pool_size=3)

    assert engine.dialect.driver == "psycopg"
    assert engine.pool.size() == 3
    engine.dispose()


def test_other_database_backends_are_refused_at_start_up():
    with pytest.raises(ValueError, match="unsupported database URL scheme 'mysql'"):
        create_engine_for("mysql://app:secret@db.internal/app")


def test_a_store_whose_database_does_not_answer_is_not_ready(unused_tcp_port, caplog):
    engine = create_engine_for(f"postgresql://app:pw-0f-the-db@127.0.0.1:{unused_tcp_port}/app", pool_size=1)

    with pytest.raises(StoreUnavailable) as refused:
        SqlProspectStore(engine).check_ready()
    assert not isinstance(refused.value, StoreNotMigrated)
    assert "pw-0f-the-db" not in caplog.text
    engine.dispose()


def test_a_sqlite_store_that_cannot_open_its_file_is_not_ready(tmp_path):
    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "store.db").mkdir()
    engine = create_engine_for(f"sqlite:///{tmp_path / 'store.db'}")

    with pytest.raises(StoreUnavailable):
        SqlProspectStore(engine).check_ready()


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.check_lookup(1, api_key_prefix="a1b2c3d4e5f6"),
        lambda store: store.api_key_by_prefix("a1b2c3d4e5f6"),
        lambda store: store.user(1),
        lambda store: store.add_workspace("Acme"),
    ],
    ids=["check", "api-key", "user", "write"],
)
def test_a_database_that_cannot_be_reached_is_unavailable_not_an_error(call):
    # Nothing listens on port 1: the connection is refused at once.
    store = SqlProspectStore(create_engine_for("postgresql://postgres@127.0.0.1:1/test"))
    with pytest.raises(StoreUnavailable):
        call(store)
    with pytest.raises(StoreUnavailable):
        store.check_ready()


POOLED_CONNECTIONS = 4


@pytest.fixture
def pg_named_engine(pg_engine, pg_migrated_database_url):
    """An engine on the emptied test database whose connections carry an application_name of their own."""
    name = f"store-{uuid.uuid4().hex[:12]}"
    url = make_url(pg_migrated_database_url).update_query_dict({"application_name": name})
    engine = create_engine_for(url.render_as_string(hide_password=False), pool_size=POOLED_CONNECTIONS)
    yield engine, name
    engine.dispose()


def fill_the_pool(engine: sa.Engine) -> None:
    connections = [engine.connect() for _ in range(POOLED_CONNECTIONS)]
    for connection in connections:
        connection.close()
    assert engine.pool.checkedin() == POOLED_CONNECTIONS


def kill_backends(admin_engine: sa.Engine, application_name: str) -> None:
    """Ends every server process of application_name, as a database restart or a failover would."""
    backends = sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
    with admin_engine.connect() as connection:
        killed = connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
            ),
            {"name": application_name},
        ).scalars().all()
        assert killed == [True] * POOLED_CONNECTIONS
        deadline = time.monotonic() + 5
        while connection.execute(backends, {"name": application_name}).first() is not None:
            assert time.monotonic() < deadline, "the killed backends did not end"
            time.sleep(0.02)


def retries_logged(caplog) -> int:
    return sum("reading again on a new one" in record.getMessage() for record in caplog.records)


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["check", "api-key", "user", "ready"])
def test_lookups_answer_after_the_database_closed_every_pooled_connection(
    pg_named_engine, pg_admin_engine, caplog, first
):
    engine, application_name = pg_named_engine
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, LINKEDIN_URL)
    key = store.add_api_key(workspace.id, None, "a1b2c3d4e5f6", "hash")
    user = store.add_user(workspace.id, "ada@example.com")
    lookups = {
        "check": lambda: store.check_lookup(prospect.id, user_id=user.id)
        == CheckLookup(context=CheckContext(prospect=prospect, accounts=(account,)), user=user),
        "api-key": lambda: store.api_key_by_prefix(key.prefix) == key,
        "user": lambda: store.user(user.id) == user,
        "ready": lambda: store.check_ready() is None,
    }
    fill_the_pool(engine)
    kill_backends(pg_admin_engine, application_name)

    assert lookups[first]()
    # Every lookup from here on takes another of the pool's connections, all killed: each must be new.
    assert all(lookup() for _ in range(POOLED_CONNECTIONS) for lookup in lookups.values())
    assert retries_logged(caplog) == 1


@pytest.mark.postgres
def test_a_write_on_a_closed_connection_fails_once_and_is_not_applied(
    pg_named_engine, pg_admin_engine, caplog
):
    engine, application_name = pg_named_engine
    store = SqlProspectStore(engine)
    fill_the_pool(engine)
    kill_backends(pg_admin_engine, application_name)

    # Not retried: a write whose COMMIT was lost with its connection may have been applied.
    with pytest.raises(StoreUnavailable):
        store.add_workspace("Lost")
    written = store.add_workspace("Acme")

    assert store.workspace(written.id) == written
    with engine.connect() as connection:
        names = connection.execute(sa.select(workspaces.c.name)).scalars().all()
    assert names == ["Acme"]
    # The failed write renewed the whole pool: no read after it met a closed connection.
    assert retries_logged(caplog) == 0


@pytest.mark.postgres
def test_lookups_leave_no_transaction_open_on_the_server(pg_named_engine, pg_admin_engine):
    engine, application_name = pg_named_engine
    store = SqlProspectStore(engine)
    workspace = store.add_workspace("Acme")
    prospect = store.add_prospect(workspace.id, LINKEDIN_URL)
    key = store.add_api_key(workspace.id, None, "a1b2c3d4e5f6", "hash")

    # Held open, as a pooled connection sits between checks.
    with engine.connect() as held:
        store.check_lookup(prospect.id, api_key_prefix=key.prefix)
        store.api_key_by_prefix(key.prefix)
        held.execute(sa.select(workspaces.c.id)).all()
        with pg_admin_engine.connect() as admin:
            states = admin.execute(
                sa.text("SELECT state FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            ).scalars().all()

    # 'idle in transaction' would hold a snapshot and locks until the connection's next use.
    assert states and set(states) == {"idle"}


@pytest.mark.postgres
def test_what_runs_in_transactions_is_undone_as_a_whole(pg_engine):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), in_transactions(pg_engine).begin() as connection:
        connection.execute(sa.insert(workspaces).values(name="First"))
        connection.execute(sa.insert(workspaces).values(name="Second"))
        raise Abandoned()

    with pg_engine.connect() as connection:
        assert connection.execute(sa.select(workspaces.c.name)).scalars().all() == []


def test_a_lookup_on_a_database_that_does_not_answer_tries_to_connect_once(unused_tcp_port):
    engine = create_engine_for(f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/test", pool_size=1)
    attempts: list[object] = []
    sa.event.listen(engine, "do_connect", lambda *args: attempts.append(args))
    store = SqlProspectStore(engine)
    started = time.monotonic()

    with pytest.raises(StoreUnavailable):
        store.check_lookup(1)

    # One attempt: a database that does not answer at all costs one connect timeout, not two.
    assert len(attempts) == 1
    assert time.monotonic() - started < 1
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def never_migrated_store(request, tmp_path) -> SqlProspectStore:
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        engine = create_engine_for(request.getfixturevalue("pg_database_url"), pool_size=1)
    yield SqlProspectStore(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.check_ready(),
        lambda store: store.check_lookup(1, api_key_prefix="a1b2c3d4e5f6"),
        lambda store: store.user(1),
        lambda store: store.accounts_with_provider_account_id("acc-1"),
        lambda store: store.add_workspace("Acme"),
        lambda store: store.add_prospect(1, None),
        lambda store: store.set_account_status(1, AccountStatus.OK),
    ],
    ids=["ready", "check", "user", "accounts", "write", "insert-for-workspace", "update"],
)
def test_a_database_never_migrated_is_not_migrated_rather_than_an_error(never_migrated_store, call):
    with pytest.raises(StoreNotMigrated):
        call(never_migrated_store)
