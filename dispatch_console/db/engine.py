"""Opening the database: SQLite on one machine, PostgreSQL in a dispatch center.

SQLite is tuned for durability and many processes: WAL (readers never block the writer), ``synchronous=FULL`` (WAL
with NORMAL can lose the last commits on power loss, and a lost threat is the one failure we cannot have), foreign
keys on, and write transactions that start with ``BEGIN IMMEDIATE`` so that two consoles saving at once queue for the
lock instead of failing half-way with "database is locked".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 15_000
T = TypeVar("T")


class AuditedRefusal(Exception):
    """An action refused on purpose, after the refusal itself was written (audited) in the same transaction.

    ``Database.write`` commits before letting it propagate: a denied action leaves its audit entry and nothing else,
    because the service records the refusal before changing anything.
    """


class CommitInDoubt(Exception):
    """The connection broke while COMMIT was on its way: the write may or may not be in the database.

    Never retried automatically (it could be applied twice); the operator is told, with their text kept, and checks.
    """


class DatabaseUnavailable(Exception):
    """No writable server answered, and the write provably did not commit (it never reached COMMIT)."""


def _connection_lost(error: BaseException) -> bool:
    """Whether ``error`` is the connection failing (server gone, failover), not the statement being refused."""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def _sqlite_engine(url: URL, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Database:
    """The two ways into the database: short write transactions and read sessions.

    They are separate because on SQLite a write transaction takes the write lock at once (``BEGIN IMMEDIATE``); reads
    must not, or a long report would hold up every console's save.
    """

    url: URL
    write_engine: Engine
    read_engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def describe(self) -> str:
        """A display string for the status bar: never contains a password, never touches the network.

        With several PostgreSQL hosts it lists them; ``current_server`` (a round trip, for a worker thread) names
        the one the console is on now, e.g. the new primary after a failover.
        """
        if self.is_sqlite:
            return f"SQLite {self.url.database}"
        return f"PostgreSQL {','.join(server_list(self.url)) or 'localhost'}/{self.url.database}"

    def current_server(self) -> str:
        """``host:port`` of the server a pooled connection is on, or the configured host list if none is reachable."""
        return self.writable_server() or ",".join(server_list(self.url)) or "localhost"

    def writable_server(self) -> str | None:
        """``host:port`` of the writable server this console reaches now; ``None`` while none is (a round trip)."""
        if self.is_sqlite:
            return str(self.url.database)
        try:
            with self.write_engine.connect() as connection:
                info = connection.connection.dbapi_connection.info  # type: ignore[union-attr]
                return f"{info.host}:{info.port}"
        except DBAPIError:
            self.write_engine.dispose()
            return None

    def conninfo(self) -> str:
        """A libpq connection string (with the password, for child processes and LISTEN); multi-host aware."""
        return libpq_conninfo(self.url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self._write_factory() as session:
            session.begin()
            try:
                yield session
            except AuditedRefusal:
                session.commit()
                raise
            except BaseException:
                session.rollback()
                raise
            try:
                session.commit()
            except DBAPIError as error:
                if _connection_lost(error):
                    raise CommitInDoubt(str(error.orig).strip() or "connection lost during COMMIT") from error
                raise

    def write_retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a write transaction; if the connection was lost before COMMIT, run it once more.

        A failover kills every pooled connection: the first attempt after it fails before anything could commit,
        so one retry on a fresh connection (the pool pre-pings, libpq picks the writable host) is safe. A second
        failure raises ``DatabaseUnavailable``; a failure during COMMIT raises ``CommitInDoubt`` and is not retried.
        """
        for attempt in (1, 2):
            try:
                with self.write() as session:
                    return work(session)
            except CommitInDoubt:
                raise
            except DBAPIError as error:
                if not _connection_lost(error):
                    raise
                self.write_engine.dispose()  # every pooled connection went to the dead server
                if attempt == 2:
                    raise DatabaseUnavailable(str(error.orig).strip() or "no writable database server") from error
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_factory() as session, session.begin():
            yield session

    def __post_init__(self) -> None:
        self._write_factory = sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_factory = sessionmaker(self.read_engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def parse_database_url(text: str) -> URL:
    """Parse a URL, accepting libpq's multi-host form ``user@hostA:5432,hostB:5432/db``.

    SQLAlchemy's URL parser reads one host only; it takes several as repeated ``host=`` query parameters, which the
    psycopg dialect turns into libpq's ``host=a,b port=p,q``. The comma form is rewritten into that one.
    """
    match = re.match(r"^(?P<scheme>[^:]+://)(?P<user>[^@/]*@)?(?P<hosts>[^/@?]*,[^/?]*)(?P<rest>/.*)?$", text)
    if match is None:
        return make_url(text)
    rest = match["rest"] or "/"
    path, _, query = rest.partition("?")
    hosts = "&".join(f"host={host.strip()}" for host in match["hosts"].split(",") if host.strip())
    joined = "&".join(part for part in (hosts, query) if part)
    return make_url(f"{match['scheme']}{match['user'] or ''}{path}?{joined}")


def server_list(url: URL) -> list[str]:
    """Every ``host[:port]`` the URL names, in the order libpq tries them."""
    hosts = url.query.get("host")
    if hosts:
        return [hosts] if isinstance(hosts, str) else list(hosts)
    if url.host is None:
        return []
    return [f"{url.host}:{url.port}" if url.port else url.host]


def password_host(url: URL) -> str:
    """The host part of the keyring key for the database password: the host, or the comma-joined host list."""
    return url.host or ",".join(server_list(url))


def libpq_conninfo(url: URL) -> str:
    """``url`` as a libpq URI (``postgresql://user:pw@a:5432,b:5433/db?target_session_attrs=...``)."""
    userinfo = ""
    if url.username:
        userinfo = quote(url.username, safe="")
        if url.password:
            userinfo += ":" + quote(str(url.password), safe="")
        userinfo += "@"
    params = {key: value for key, value in url.query.items() if key != "host"}
    query = "&".join(f"{key}={quote(str(value), safe='')}" for key, value in params.items())
    hosts = ",".join(server_list(url))
    return f"postgresql://{userinfo}{hosts}/{quote(url.database or '', safe='')}" + (f"?{query}" if query else "")


def open_database(url: str | URL, *, password: Callable[[], str | None] | None = None) -> Database:
    """Open (not migrate) the database at ``url``.

    Args:
        url: an SQLAlchemy URL. For PostgreSQL it carries no password: ``password`` fetches it from the keyring so
            that it never sits in a settings file or a command line.
        password: called once for PostgreSQL URLs without a password.
    """
    parsed = parse_database_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return Database(parsed, _sqlite_engine(parsed, immediate=True), _sqlite_engine(parsed, immediate=False))
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.password is None and password is not None:
            secret = password()
            if secret:
                parsed = parsed.set(password=secret)
        # pre-ping: a connection to a server that died (failover) is noticed and replaced before use, not mid-save.
        engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10,
                               connect_args={"connect_timeout": 3})
        return Database(parsed, engine, engine)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:///path or postgresql://user@host/dbname")
