"""Shared fixtures: an isolated home, an in-memory keyring, and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend

from dispatch_console.db import migrate
from dispatch_console.db.engine import Database, open_database
from dispatch_console.domain.enums import Role
from dispatch_console.services.actor import Actor
from tests import pgserver


class MemoryKeyring(KeyringBackend):
    """A real keyring backend, kept in memory, so tests never touch the developer's own keyring."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def console_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DISPATCH_CONSOLE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    server = pgserver.start_server()
    yield server
    server.stop()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite+pysqlite:///{tmp_path / 'console.db'}")
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_server: pgserver.PgServer) -> Iterator[Database]:
    db = open_database(pg_server.create_database())
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The storage suite runs once on SQLite and once on a real PostgreSQL server."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def admin() -> Actor:
    return Actor("admin", "Alex Admin", Role.ADMIN, "test-console", True)


@pytest.fixture
def supervisor() -> Actor:
    return Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, "test-console", True)


@pytest.fixture
def call_taker() -> Actor:
    return Actor("calltaker", "Casey Call-Taker", Role.CALL_TAKER, "test-console", False)
