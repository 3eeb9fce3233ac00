"""Knowing cheaply that another console committed something: one interface, two databases.

A watcher only answers "did anything change?"; the caller then reads ``changes.changes_since(last_id)`` and
re-reads the threats named there. Keeping the watcher that small is what lets both databases sit behind it:

* **SQLite** has no notifications, but ``PRAGMA data_version`` changes whenever *another* connection commits to the
  file. It costs microseconds, so it can be polled every ``change_poll_ms``. It does not change for the polling
  connection's own commits and is frozen inside an open read transaction, so the watcher owns a dedicated raw
  ``sqlite3`` connection in autocommit mode that never writes.
* **PostgreSQL** sends ``NOTIFY threat_changes`` from every transaction that records a change
  (``services.changes``). The watcher ``LISTEN``s on its own autocommit psycopg connection and exposes the socket's
  ``fileno()`` so an event loop (a ``QSocketNotifier``) wakes exactly when something arrives; ``drain()`` then
  consumes it without blocking. A lost connection is reconnected, and the result says so: notifications sent
  while it was down are gone, so the caller must reload everything.

No Qt here: the UI wires these into its event loop (``ui.queue.live``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from typing import Protocol

from dispatch_console.db.engine import BUSY_TIMEOUT_MS, Database
from dispatch_console.services.changes import CHANNEL


@dataclass(frozen=True)
class Wakeup:
    """The result of one check.

    Attributes:
        changed: Something was committed since the last check: read ``changes_since``.
        reconnected: The connection was lost and is back; changes may have been missed, so reload everything.
        lost: The connection is down and could not be re-established yet; try again later.
        error: What went wrong, for the status line (never contains a password).
    """

    changed: bool = False
    reconnected: bool = False
    lost: bool = False
    error: str = ""


NOTHING = Wakeup()


class ChangeWatcher(Protocol):
    """Tells whether another console committed a change; never blocks."""

    def check(self) -> Wakeup:
        """Poll (SQLite) or drain pending notifications (PostgreSQL)."""
        ...

    def fileno(self) -> int | None:
        """A socket to wait on for readability, or None when the watcher must be polled on a timer."""
        ...

    def close(self) -> None: ...


class SqliteWatcher:
    """Polls ``PRAGMA data_version`` on a dedicated autocommit connection (≈ 7 µs a poll)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                           timeout=BUSY_TIMEOUT_MS / 1000)
        self._last = self._version()

    def _version(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def check(self) -> Wakeup:
        try:
            version = self._version()
        except sqlite3.Error as error:
            return Wakeup(lost=True, error=f"cannot read the database file: {error}")
        if version == self._last:
            return NOTHING
        self._last = version
        return Wakeup(changed=True)

    def fileno(self) -> int | None:
        return None

    def close(self) -> None:
        self._connection.close()


class PostgresWatcher:
    """``LISTEN threat_changes`` on its own autocommit connection; readable socket → ``check()`` drains."""

    def __init__(self, conninfo: str, *, connect_timeout: int = 3) -> None:
        import psycopg

        self._psycopg = psycopg
        self.conninfo = conninfo
        self.connect_timeout = connect_timeout
        self._connection: psycopg.Connection[object] | None = None
        self._connect()

    def _connect(self) -> None:
        connection = self._psycopg.connect(self.conninfo, autocommit=True, connect_timeout=self.connect_timeout)
        connection.execute(f"LISTEN {CHANNEL}")
        self._connection = connection

    def drain(self) -> Wakeup:
        """Consume whatever arrived on the socket, without blocking; reconnect if the connection is gone."""
        connection = self._connection
        if connection is None:
            return self._reconnect("the database connection is down")
        pgconn = connection.pgconn
        try:
            pgconn.consume_input()
        except self._psycopg.OperationalError as error:
            return self._reconnect(str(error).strip() or "connection lost")
        if pgconn.status != self._psycopg.pq.ConnStatus.OK:
            return self._reconnect("connection lost")
        changed = False
        while pgconn.notifies() is not None:
            changed = True
        return Wakeup(changed=True) if changed else NOTHING

    check = drain

    def _reconnect(self, reason: str) -> Wakeup:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a dead connection may fail in any way; it is gone
                self._connection.close()
            self._connection = None
        try:
            self._connect()
        except self._psycopg.Error as error:
            return Wakeup(lost=True, error=f"{reason}; reconnecting failed: {type(error).__name__}")
        return Wakeup(changed=True, reconnected=True, error=reason)

    def fileno(self) -> int | None:
        if self._connection is None:
            return None
        return int(self._connection.pgconn.socket)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def watcher_for(db: Database) -> ChangeWatcher:
    """The right watcher for ``db``: SQLite file → ``SqliteWatcher``, PostgreSQL → ``PostgresWatcher``."""
    if db.is_sqlite:
        path = db.url.database
        if not path or path == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared between consoles")
        return SqliteWatcher(path)
    return PostgresWatcher(db.conninfo())
