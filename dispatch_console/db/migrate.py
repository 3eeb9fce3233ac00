"""Creating and upgrading the schema with Alembic, from the console itself.

A center's existing database is upgraded in place at start-up (and by ``python main.py migrate``); there is no
``create_all`` anywhere, so a fresh database and an upgraded one have exactly the same schema.

Start-up does not import Alembic when there is nothing to migrate (issue 17: Alembic and what it brings, Mako and
Pygments, cost a third of a second): ``bring_up_to_date`` reads the stamped revision with one query and compares it
with the head named in the migration files. A *new* SQLite file gets the schema from ``sqlite_schema.sql``: the
statements a full migration leaves in ``sqlite_master``, written by ``write_sqlite_snapshot`` and checked against the
migrations by tests/storage/test_migrations.py, so it is the migrated schema, never a second description of it. When
the snapshot does not name the head (a new migration, snapshot not yet rewritten) the full migration runs instead.
"""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from dispatch_console.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_SNAPSHOT = MIGRATIONS / "sqlite_schema.sql"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(None|['\"]([^'\"]+)['\"])", re.MULTILINE)
_SNAPSHOT_HEADER = (
    "-- The schema a new SQLite database gets: what the migrations leave in sqlite_master at revision {revision}.\n"
    "-- Written by db/migrate.py (write_sqlite_snapshot), never by hand; tests/storage/test_migrations.py fails\n"
    "-- when it no longer matches the migrations. Rewrite it with:\n"
    "--     .venv/bin/python -c 'from dispatch_console.db import migrate; migrate.write_sqlite_snapshot()'\n"
)


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.write_engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    from alembic import command

    config = _config()
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def needs_upgrade(db: Database) -> bool:
    return current_revision(db) != head_revision()


@cache
def files_head() -> str | None:
    """The newest revision as the migration files name it, read without Alembic; None unless it is one plain chain.

    Only for the start-up shortcut: anything unusual (a branch, a merge, an unreadable file) answers None, and the
    caller then lets Alembic decide. A test checks that it agrees with Alembic's head.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        if down[2] is not None:
            parents.add(down[2])
        elif down[1] != "None":
            return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 and parents <= revisions else None


def _stamped(connection: Any) -> str | None:
    """The revision recorded in ``alembic_version``, None when the table is missing or empty (one cheap query)."""
    table = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'" if
        connection.dialect.name == "sqlite" else "SELECT to_regclass('alembic_version')::text"
    ).scalar()
    if table is None:
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


@cache
def sqlite_snapshot() -> tuple[str, tuple[str, ...]] | None:
    """(revision, statements) of the shipped SQLite schema, or None when it is missing or unreadable."""
    try:
        source = SQLITE_SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return None
    statements: list[str] = []
    pending = ""
    for line in source.splitlines(keepends=True):
        if not pending and (line.startswith("--") or not line.strip()):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";"))
            pending = ""
    stamp = re.fullmatch(r"INSERT INTO alembic_version \(version_num\) VALUES \('([^']+)'\)", statements[-1]) if \
        statements and not pending.strip() else None
    return (stamp[1], tuple(statements)) if stamp else None


def bring_up_to_date(db: Database) -> str:
    """Make the schema current, the cheapest correct way; says which: "current", "created" or "migrated".

    "current": stamped with the head already (one query, no Alembic). "created": a new SQLite file, given the
    shipped snapshot in one transaction (on SQLite ``BEGIN IMMEDIATE``: a second console starting on the same new
    file waits, then finds it current). "migrated": everything else, through Alembic as before.
    """
    head = files_head()
    snapshot = sqlite_snapshot() if db.is_sqlite else None
    if head is not None:
        with db.write_engine.begin() as connection:
            stamped = _stamped(connection)
            if stamped == head:
                return "current"
            empty = stamped is None and not connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").scalar() if db.is_sqlite \
                else False
            if empty and snapshot is not None and snapshot[0] == head:
                for statement in snapshot[1]:
                    connection.exec_driver_sql(statement)
                return "created"
    upgrade(db)
    return "migrated"


def sqlite_schema_statements(db: Database) -> list[str]:
    """What ``sqlite_master`` holds, as statements that rebuild it (tables, then indexes, triggers, views), and the
    stamp: the snapshot's content."""
    order = "CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, rowid"
    with db.write_engine.connect() as connection:
        statements = list(connection.exec_driver_sql(
            f"SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY {order}"
        ).scalars())
        (revision,) = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return [*statements, f"INSERT INTO alembic_version (version_num) VALUES ('{revision}')"]


def render_sqlite_snapshot(db: Database) -> str:
    """The snapshot file's text for the migrated SQLite database ``db``."""
    statements = sqlite_schema_statements(db)
    revision = statements[-1].split("'")[1]
    return _SNAPSHOT_HEADER.format(revision=revision) + "".join(f"\n{statement};\n" for statement in statements)


def write_sqlite_snapshot(path: Path = SQLITE_SNAPSHOT) -> None:
    """Migrate a throwaway SQLite file to the head and write its schema to ``path`` (after adding a migration)."""
    import tempfile

    from dispatch_console.db.engine import open_database, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(sqlite_url(Path(folder) / "snapshot.db"))
        try:
            upgrade(db)
            path.write_text(render_sqlite_snapshot(db), encoding="utf-8")
        finally:
            db.dispose()
    sqlite_snapshot.cache_clear()
