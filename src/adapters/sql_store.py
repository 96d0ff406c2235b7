"""SqlProspectStore: the ProspectStore port on SQLAlchemy Core, for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, MappingResult, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.sql import Executable

from domain.errors import (
    AccountAlreadyConnected,
    EmailAlreadyUsed,
    StoreNotMigrated,
    StoreUnavailable,
    UnknownWorkspace,
)
from domain.model import (
    MAX_ID,
    AccountStatus,
    ApiKeyRecord,
    CheckContext,
    CheckLookup,
    ConnectedAccount,
    Prospect,
    Provider,
    User,
    Workspace,
)

logger = logging.getLogger(__name__)

_Fetched = TypeVar("_Fetched")

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"

# 64-bit ids everywhere; SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
_ID = BigInteger().with_variant(Integer, "sqlite")

# How long a SQLite writer waits for the lock, and a PostgreSQL connect or pool checkout waits.
SQLITE_BUSY_TIMEOUT_SECONDS = 15
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5
POSTGRES_POOL_TIMEOUT_SECONDS = 5
POSTGRES_MAX_OVERFLOW = 5
# Below the idle timeout of the proxies and load balancers we have met.
POSTGRES_POOL_RECYCLE_SECONDS = 1800

metadata = MetaData()


def _created_at() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _workspace_id() -> Column:
    return Column("workspace_id", _ID, ForeignKey("workspaces.id"), nullable=False)


workspaces = Table(
    "workspaces",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("name", Text, nullable=False),
    _created_at(),
)

users = Table(
    "users",
    metadata,
    Column("id", _ID, primary_key=True),
    _workspace_id(),
    Column("email", Text, nullable=False),
    _created_at(),
    # Also serves as the index on workspace_id.
    UniqueConstraint("workspace_id", "email", name="uq_users_workspace_id_email"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _ID, primary_key=True),
    _workspace_id(),
    Column("name", Text, nullable=True),
    Column("prefix", String(32), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    _created_at(),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_api_keys_prefix", "prefix", unique=True),
    Index("ix_api_keys_workspace_id", "workspace_id"),
)

connected_accounts = Table(
    "connected_accounts",
    metadata,
    Column("id", _ID, primary_key=True),
    _workspace_id(),
    Column("provider", String(32), nullable=False),
    Column("provider_account_id", Text, nullable=False),
    Column("status", String(32), nullable=False),
    _created_at(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_connected_accounts_workspace_id", "workspace_id"),
    # The account status webhook names accounts by the provider's id.
    Index("ix_connected_accounts_provider_account_id", "provider_account_id"),
    # One row per provider account and workspace, even when a callback is delivered twice at once.
    Index(
        "ix_connected_accounts_workspace_id_provider_account_id",
        "workspace_id",
        "provider_account_id",
        unique=True,
    ),
)

prospects = Table(
    "prospects",
    metadata,
    Column("id", _ID, primary_key=True),
    _workspace_id(),
    Column("linkedin_profile_url", Text, nullable=True),
    _created_at(),
    Index("ix_prospects_workspace_id", "workspace_id"),
)

# What each connected account observed about LinkedIn members (SqlObservationStore). No foreign key
# to connected_accounts: observations outlive nothing but their retention, and the purge removes them.
observations = Table(
    "observations",
    metadata,
    Column("id", _ID, primary_key=True),
    Column("account_id", _ID, nullable=False),
    Column("identifier", Text, nullable=False),
    Column("provider_id", Text, nullable=True),
    Column("public_identifier", Text, nullable=True),
    # public_identifier decoded and case-folded: the slug as a prospect's URL is compared with it.
    Column("slug_key", Text, nullable=True),
    Column("network_distance", Text, nullable=True),
    Column("is_relationship", Boolean, nullable=True),
    Column("is_self", Boolean, nullable=True),
    Column("invitation_type", String(16), nullable=True),
    Column("invitation_status", String(16), nullable=True),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    # A prospect is found by its member id or by its slug: each is one seek, newest first.
    Index("ix_observations_account_id_provider_id_observed_at", "account_id", "provider_id", "observed_at"),
    Index("ix_observations_account_id_slug_key_observed_at", "account_id", "slug_key", "observed_at"),
    # The purge deletes by age alone.
    Index("ix_observations_observed_at", "observed_at"),
)

# A row whose provider this release does not know (written by a newer release or by hand) cannot be
# represented as a ConnectedAccount; the store leaves it out rather than fail every check of its
# workspace. It could never run a LinkedIn check anyway. The known providers go into the SQL as
# constants (enum values, capital letters only): a list of bound values would be re-rendered into
# the statement on every execution.
_HAS_KNOWN_PROVIDER = connected_accounts.c.provider.in_(
    [literal_column(f"'{provider.value}'") for provider in Provider]
)

# A check's one statement: its caller's key or user, its prospect, the accounts of the prospect's
# workspace. Each part is a LEFT JOIN from a one-row anchor, so each is found or absent on its own;
# the parameters not asked for are NULL and match nothing. Built once: building a statement and its
# cache key anew on every check cost as much CPU as running it (bench/RESULTS.md).
_CHECK_ANCHOR = select(literal_column("1").label("anchor")).subquery("check_anchor")
_CHECK_LOOKUP = (
    select(
        api_keys.c.id, api_keys.c.workspace_id, api_keys.c.name, api_keys.c.prefix,
        api_keys.c.secret_hash, api_keys.c.revoked_at,
        users.c.id, users.c.workspace_id, users.c.email,
        prospects.c.id, prospects.c.workspace_id, prospects.c.linkedin_profile_url,
        connected_accounts.c.id, connected_accounts.c.workspace_id, connected_accounts.c.provider,
        connected_accounts.c.provider_account_id, connected_accounts.c.status,
    )
    .select_from(
        _CHECK_ANCHOR.outerjoin(api_keys, api_keys.c.prefix == bindparam("prefix", type_=String))
        .outerjoin(users, users.c.id == bindparam("user_id", type_=_ID))
        .outerjoin(prospects, prospects.c.id == bindparam("prospect_id", type_=_ID))
        .outerjoin(
            connected_accounts,
            and_(connected_accounts.c.workspace_id == prospects.c.workspace_id, _HAS_KNOWN_PROVIDER),
        )
    )
    .order_by(connected_accounts.c.id)
)


class SqlDatabase:
    """How every SQL store talks to its Engine: lookups on its connections as they are, writes in
    transactions, a database that cannot answer as StoreUnavailable."""

    def __init__(self, engine: Engine) -> None:
        """`engine` from create_engine_for."""
        self.engine = engine
        self._writes = in_transactions(engine)

    def read(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        fetch: Callable[[MappingResult], _Fetched],
    ) -> _Fetched:
        """What fetch takes from one SELECT's rows; a database that cannot be reached is StoreUnavailable."""
        with _unavailable_as_store_error():
            return self.fetch(statement, parameters, fetch)

    def fetch(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        fetch: Callable[[MappingResult], _Fetched],
    ) -> _Fetched:
        """Runs one SELECT, and once more on a new connection if its pooled one was found closed.

        Connections are not pinged before use, which would cost a round trip per lookup. A dead one
        (database restarted, proxy idle timeout) fails its first statement; SQLAlchemy then also
        discards the pool's older connections. A lone SELECT in autocommit changes nothing, so
        running it again is safe. A failure to connect is not retried: it would only double the
        wait on a database that does not answer.
        """
        try:
            return self._fetch_once(statement, parameters, fetch)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # The class only: driver messages can name hosts, users and databases.
            logger.warning(
                "Database connection was closed; reading again on a new one (%s)", type(exc).__name__
            )
        return self._fetch_once(statement, parameters, fetch)

    def _fetch_once(
        self,
        statement: Executable,
        parameters: Mapping[str, Any],
        fetch: Callable[[MappingResult], _Fetched],
    ) -> _Fetched:
        # Reads are single SELECTs, consistent on their own: on PostgreSQL they run in the
        # connections' autocommit, which spares a BEGIN and a ROLLBACK (see create_engine_for).
        with self.engine.connect() as connection:
            return fetch(connection.execute(statement, parameters).mappings())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction; a database that cannot be reached is StoreUnavailable.

        Never retried: a write whose COMMIT was lost with its connection may have been applied.
        A write that finds its pooled connection closed fails, and the next one gets a new one.
        """
        # Outermost, so that a failed COMMIT is StoreUnavailable too.
        with _unavailable_as_store_error(), self._writes.begin() as connection:
            yield connection


class SqlProspectStore:
    """ProspectStore on an Engine; each method is one transaction, each lookup one statement."""

    def __init__(self, engine: Engine) -> None:
        """`engine` from create_engine_for."""
        self._database = SqlDatabase(engine)

    def check_ready(self) -> None:
        # The check's own statement, matching nothing: it needs every table and column a check reads.
        nothing = {"prospect_id": None, "prefix": None, "user_id": None}
        try:
            self._database.read(_CHECK_LOOKUP, nothing, MappingResult.all)
        except SQLAlchemyError as exc:
            raise StoreUnavailable() from exc

    def check_lookup(
        self, prospect_id: int, *, api_key_prefix: str | None = None, user_id: int | None = None
    ) -> CheckLookup:
        # What no row can hold matches nothing, as NULL does.
        parameters = {
            "prospect_id": prospect_id if is_storable_id(prospect_id) else None,
            "prefix": api_key_prefix if is_storable_text(api_key_prefix) else None,
            "user_id": user_id if is_storable_id(user_id) else None,
        }
        rows = self._database.read(_CHECK_LOOKUP, parameters, MappingResult.all)
        first = rows[0]  # the anchor's row is always there
        context = None
        if first[prospects.c.id] is not None:
            context = CheckContext(
                prospect=_prospect_from(first),
                accounts=tuple(
                    _account_from(row) for row in rows if row[connected_accounts.c.id] is not None
                ),
            )
        return CheckLookup(
            context=context,
            api_key=None if first[api_keys.c.id] is None else _api_key_from(first),
            user=None if first[users.c.id] is None else _user_from(first),
        )

    def api_key_by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        if not is_storable_text(prefix):
            return None
        statement = select(api_keys).where(api_keys.c.prefix == prefix)
        row = self._database.read(statement, {}, MappingResult.one_or_none)
        return None if row is None else _api_key_from(row)

    def user(self, user_id: int) -> User | None:
        if not is_storable_id(user_id):
            return None
        statement = select(users).where(users.c.id == user_id)
        row = self._database.read(statement, {}, MappingResult.one_or_none)
        return None if row is None else _user_from(row)

    def workspace(self, workspace_id: int) -> Workspace | None:
        if not is_storable_id(workspace_id):
            return None
        statement = select(workspaces).where(workspaces.c.id == workspace_id)
        row = self._database.read(statement, {}, MappingResult.one_or_none)
        return None if row is None else Workspace(id=row[workspaces.c.id], name=row[workspaces.c.name])

    def accounts_of_workspace(self, workspace_id: int) -> tuple[ConnectedAccount, ...]:
        if not is_storable_id(workspace_id):
            return ()
        return self._accounts_where(connected_accounts.c.workspace_id == workspace_id)

    def accounts_with_provider_account_id(
        self, provider_account_id: str
    ) -> tuple[ConnectedAccount, ...]:
        if not is_storable_text(provider_account_id):
            return ()
        return self._accounts_where(connected_accounts.c.provider_account_id == provider_account_id)

    def account(self, account_id: int) -> ConnectedAccount | None:
        if not is_storable_id(account_id):
            return None
        found = self._accounts_where(connected_accounts.c.id == account_id)
        return found[0] if found else None

    def add_workspace(self, name: str) -> Workspace:
        statement = insert(workspaces).values(name=name).returning(workspaces)
        with self._database.transaction() as connection:
            row = connection.execute(statement).one()
        return Workspace(id=row.id, name=row.name)

    def add_api_key(
        self, workspace_id: int, name: str | None, prefix: str, secret_hash: str
    ) -> ApiKeyRecord:
        row = self._insert_for_workspace(
            api_keys, workspace_id, name=name, prefix=prefix, secret_hash=secret_hash
        )
        return _api_key_from(row)

    def revoke_api_key(self, api_key_id: int) -> ApiKeyRecord | None:
        if not is_storable_id(api_key_id):
            return None
        statement = (
            update(api_keys)
            .where(api_keys.c.id == api_key_id)
            # Revoking again keeps the time of the first revocation.
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
            .returning(api_keys)
        )
        with self._database.transaction() as connection:
            row = connection.execute(statement).one_or_none()
        return None if row is None else _api_key_from(row._mapping)

    def add_user(self, workspace_id: int, email: str) -> User:
        try:
            return _user_from(self._insert_for_workspace(users, workspace_id, email=email))
        except IntegrityError as exc:
            # The only unique key a valid workspace's user can break is (workspace_id, email).
            raise EmailAlreadyUsed() from exc

    def add_account(
        self,
        workspace_id: int,
        provider: Provider,
        provider_account_id: str,
        status: AccountStatus,
    ) -> ConnectedAccount:
        try:
            row = self._insert_for_workspace(
                connected_accounts,
                workspace_id,
                provider=provider.value,
                provider_account_id=provider_account_id,
                status=status.value,
            )
        except IntegrityError as exc:
            # The insert selects the workspace, so the one constraint it can break is uniqueness.
            raise AccountAlreadyConnected() from exc
        return _account_from(row)

    def set_account_status(self, account_id: int, status: AccountStatus) -> ConnectedAccount | None:
        if not is_storable_id(account_id):
            return None
        statement = (
            update(connected_accounts)
            .where(connected_accounts.c.id == account_id, _HAS_KNOWN_PROVIDER)
            .values(status=status.value, updated_at=func.now())
            .returning(connected_accounts)
        )
        with self._database.transaction() as connection:
            row = connection.execute(statement).one_or_none()
        return None if row is None else _account_from(row._mapping)

    def add_prospect(self, workspace_id: int, linkedin_profile_url: str | None) -> Prospect:
        row = self._insert_for_workspace(
            prospects, workspace_id, linkedin_profile_url=linkedin_profile_url
        )
        return _prospect_from(row)

    def _accounts_where(self, condition: Any) -> tuple[ConnectedAccount, ...]:
        statement = (
            select(connected_accounts)
            .where(condition, _HAS_KNOWN_PROVIDER)
            .order_by(connected_accounts.c.id)
        )
        return tuple(_account_from(row) for row in self._database.read(statement, {}, MappingResult.all))

    def _insert_for_workspace(
        self, table: Table, workspace_id: int, **values: Any
    ) -> Mapping[Any, Any]:
        """INSERT ... SELECT FROM workspaces: no row comes back when the workspace does not exist.

        This needs no foreign-key enforcement and no error-text parsing to tell an unknown
        workspace from any other integrity error.
        """
        if not is_storable_id(workspace_id):
            raise UnknownWorkspace()
        source = select(
            workspaces.c.id,
            *(literal(value, table.c[column].type) for column, value in values.items()),
        ).where(workspaces.c.id == workspace_id)
        statement = (
            insert(table)
            .from_select(["workspace_id", *values], source)
            .returning(table)
        )
        with self._database.transaction() as connection:
            row = connection.execute(statement).one_or_none()
        if row is None:
            raise UnknownWorkspace()
        return row._mapping


@contextmanager
def _unavailable_as_store_error() -> Iterator[None]:
    """A database that cannot be reached, or a pool with no connection to spare, is StoreUnavailable;
    one without this release's tables or columns is StoreNotMigrated. The edge reports either: the
    server in its log, a command in its one line of error."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        if _is_missing_schema(exc):
            raise StoreNotMigrated() from exc
        if isinstance(exc, ProgrammingError):
            raise
        raise StoreUnavailable() from exc
    except PoolTimeoutError as exc:
        raise StoreUnavailable() from exc


# PostgreSQL's SQLSTATEs for an undefined table and column; SQLite has only its message to tell.
_UNDEFINED_TABLE_OR_COLUMN = ("42P01", "42703")
_SQLITE_MISSING_SCHEMA = ("no such table", "no such column", "has no column named")


def _is_missing_schema(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in _UNDEFINED_TABLE_OR_COLUMN:
        return True
    return isinstance(exc, OperationalError) and any(text in str(exc.orig) for text in _SQLITE_MISSING_SCHEMA)


def is_storable_id(value: int | None) -> bool:
    # Drivers raise OverflowError (SQLite) or a range error (PostgreSQL) beyond 64 bits.
    return value is not None and -MAX_ID - 1 <= value <= MAX_ID


def is_storable_text(value: str | None) -> bool:
    # PostgreSQL refuses NUL characters and no driver encodes lone surrogates: neither is stored.
    if value is None:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _prospect_from(row: Mapping[Any, Any]) -> Prospect:
    return Prospect(
        id=row[prospects.c.id],
        workspace_id=row[prospects.c.workspace_id],
        linkedin_profile_url=row[prospects.c.linkedin_profile_url],
    )


def _account_from(row: Mapping[Any, Any]) -> ConnectedAccount:
    return ConnectedAccount(
        id=row[connected_accounts.c.id],
        workspace_id=row[connected_accounts.c.workspace_id],
        provider=Provider(row[connected_accounts.c.provider]),
        provider_account_id=row[connected_accounts.c.provider_account_id],
        status=_status_from(row[connected_accounts.c.status]),
    )


def _status_from(text: str) -> AccountStatus:
    try:
        return AccountStatus(text)
    except ValueError:
        # A status this release does not know (the provider added one) must not fail the check of
        # a whole workspace: the account is just unusable.
        return AccountStatus.ERROR


def _api_key_from(row: Mapping[Any, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row[api_keys.c.id],
        workspace_id=row[api_keys.c.workspace_id],
        name=row[api_keys.c.name],
        prefix=row[api_keys.c.prefix],
        secret_hash=row[api_keys.c.secret_hash],
        revoked=row[api_keys.c.revoked_at] is not None,
    )


def _user_from(row: Mapping[Any, Any]) -> User:
    return User(
        id=row[users.c.id], workspace_id=row[users.c.workspace_id], email=row[users.c.email]
    )


def create_engine_for(database_url: str, *, pool_size: int = 10) -> Engine:
    """An Engine tuned for SQLite (pool_size unused) or PostgreSQL; raises ValueError for any other URL."""
    try:
        url = _with_installed_driver(make_url(database_url))
    except ArgumentError as exc:
        raise ValueError("not a database URL") from exc
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() == "postgresql":
        # No pool_pre_ping: reads replace a dead connection themselves (SqlDatabase.fetch).
        # Connections stay in autocommit, where a lone SELECT is one round trip; what needs a
        # transaction asks for one through in_transactions(). Switching each checkout to autocommit
        # and back instead cost about a third of a lookup's CPU (bench/lookup_layers.py).
        return create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=pool_size,
            max_overflow=POSTGRES_MAX_OVERFLOW,
            pool_timeout=POSTGRES_POOL_TIMEOUT_SECONDS,
            pool_recycle=POSTGRES_POOL_RECYCLE_SECONDS,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS},
        )
    raise ValueError(
        f"unsupported database URL scheme {url.drivername!r}: use sqlite:// or postgresql://"
    )


def in_transactions(engine: Engine) -> Engine:
    """`engine` with each connection in a transaction until it commits or rolls back.

    On PostgreSQL at READ COMMITTED, its default level; SQLite's driver opens a transaction before
    the first write by itself.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="READ COMMITTED")
    return engine


def _with_installed_driver(url: URL) -> URL:
    # Plain postgresql:// (and Heroku-style postgres://) would pick psycopg2, not installed here.
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def enforce_foreign_keys(dbapi_connection: Any, _connection_record: Any) -> None:
        # SQLite ignores foreign keys unless each connection asks for them.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def upgrade_schema(database_url: str, revision: str = "head") -> None:
    _run_migration_command(command.upgrade, database_url, revision)


def downgrade_schema(database_url: str, revision: str) -> None:
    _run_migration_command(command.downgrade, database_url, revision)


def current_revision(database_url: str) -> str | None:
    """The migration the database is at; None for a database never migrated."""
    engine = create_engine_for(database_url, pool_size=1)
    try:
        with _unavailable_as_store_error(), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _run_migration_command(migration_command: Any, database_url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    url = _with_installed_driver(make_url(database_url)).render_as_string(hide_password=False)
    # Config values go through ConfigParser interpolation: a '%' in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        with _unavailable_as_store_error():
            migration_command(config, revision)
    except CommandError as exc:
        # An unknown or ambiguous revision: Alembic's message names the revision, not the database.
        raise ValueError(str(exc)) from exc
