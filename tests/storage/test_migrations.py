"""An existing center's database is upgraded in place, keeping its data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch_console.db import migrate
from dispatch_console.db.engine import Database, open_database
from dispatch_console.domain.enums import Role
from dispatch_console.domain.passwords import hash_password
from dispatch_console.services import operators


def test_a_database_from_the_first_release_is_upgraded_with_its_operators_kept(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(db, "0001")
    with db.write_engine.begin() as connection:  # the operators table as the first release wrote it
        connection.execute(sa.text(
            "INSERT INTO operators (username, display_name, role, password_hash, active, can_reveal_juveniles, "
            "created_at) VALUES ('old.admin', 'Old', :role, :hash, true, true, '2026-11-30 00:00:00')"
        ), {"role": Role.ADMIN.value, "hash": hash_password("correct horse")})
    assert migrate.current_revision(db) == "0001"
    assert "threats" not in sa.inspect(db.write_engine).get_table_names()

    migrate.upgrade(db)

    assert migrate.current_revision(db) == migrate.head_revision()
    assert {"threats", "notifications", "drafts"} <= set(sa.inspect(db.write_engine).get_table_names())
    with db.read() as session:
        assert [o.username for o in operators.list_operators(session)] == ["old.admin"]


def test_a_fresh_database_is_created_at_the_newest_revision(db) -> None:  # type: ignore[no-untyped-def]
    assert migrate.current_revision(db) == migrate.head_revision()
    assert not migrate.needs_upgrade(db)


def test_sqlite_is_opened_for_durability(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    with sqlite_db.write_engine.connect() as connection:
        pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in
                  ("journal_mode", "synchronous", "foreign_keys")}
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_the_migrations_build_exactly_the_schema_the_models_describe(db) -> None:  # type: ignore[no-untyped-def]
    """No drift between Alembic and the typed models (expression indexes, which differ per engine, aside)."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from dispatch_console.db.models import Base

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Skipped unsupported reflection of expression-based index"
        with db.write_engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    expression_indexes = {"ix_threats_notify_wait", "ix_threats_ack_wait"}
    differences = [d for d in differences
                   if not (d[0] == "remove_index" and d[1].name in expression_indexes)]
    assert differences == []


# --- a new console's database: the shipped snapshot of the migrated schema (issue 17) -------------------------------
def _sqlite_catalog(db: Database) -> tuple[list[tuple[str, str, str, str | None]], list[str]]:
    """Every object SQLite knows (tables, indexes, triggers, views, with their SQL) and the stamped revision."""
    with db.write_engine.connect() as connection:
        objects = [tuple(row) for row in connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")]
        stamp = list(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    return objects, stamp  # type: ignore[return-value]


def _new_sqlite(path: Path) -> Database:
    return open_database(f"sqlite:///{path}")


def test_a_new_sqlite_database_gets_exactly_the_schema_the_migrations_build(tmp_path: Path) -> None:
    migrated, created = _new_sqlite(tmp_path / "migrated.db"), _new_sqlite(tmp_path / "created.db")
    migrate.upgrade(migrated)

    assert migrate.bring_up_to_date(created) == "created"

    assert _sqlite_catalog(created) == _sqlite_catalog(migrated)
    assert _sqlite_catalog(created)[1] == [migrate.head_revision()]
    assert migrate.current_revision(created) == migrate.head_revision()
    migrated.dispose()
    created.dispose()


def test_the_shipped_snapshot_is_what_the_migrations_build_today(sqlite_db: Database) -> None:
    """Fails after a new migration until the snapshot is rewritten (the command is in the file's header)."""
    shipped = migrate.SQLITE_SNAPSHOT.read_text(encoding="utf-8")
    assert shipped == migrate.render_sqlite_snapshot(sqlite_db), (
        "dispatch_console/db/migrations/sqlite_schema.sql is out of date: rewrite it with "
        ".venv/bin/python -c 'from dispatch_console.db import migrate; migrate.write_sqlite_snapshot()'")


def test_start_up_reads_the_head_from_the_migration_files_as_alembic_does() -> None:
    assert migrate.files_head() == migrate.head_revision()
    snapshot = migrate.sqlite_snapshot()
    assert snapshot is not None and snapshot[0] == migrate.head_revision()


def test_start_up_migrates_only_what_needs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    current = _new_sqlite(tmp_path / "current.db")
    migrate.upgrade(current)
    old = _new_sqlite(tmp_path / "old.db")
    migrate.upgrade(old, "0001")
    ran: list[str] = []
    upgrade = migrate.upgrade
    monkeypatch.setattr(migrate, "upgrade", lambda db, revision="head": (ran.append(revision), upgrade(db, revision)))

    assert migrate.bring_up_to_date(current) == "current"
    assert ran == []  # nothing to migrate: Alembic is not run (nor imported, see the next test)
    assert migrate.bring_up_to_date(old) == "migrated"
    assert ran == ["head"] and migrate.current_revision(old) == migrate.head_revision()
    current.dispose()
    old.dispose()


def test_a_snapshot_behind_the_migrations_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone added a migration and has not rewritten the snapshot yet: a new database is migrated the long way."""
    monkeypatch.setattr(migrate, "sqlite_snapshot", lambda: ("0007", ("CREATE TABLE wrong (id INTEGER)",)))
    db = _new_sqlite(tmp_path / "new.db")

    assert migrate.bring_up_to_date(db) == "migrated"
    assert "wrong" not in sa.inspect(db.write_engine).get_table_names()
    assert migrate.current_revision(db) == migrate.head_revision()
    db.dispose()


def test_a_new_training_console_opens_its_database_without_importing_alembic(tmp_path: Path) -> None:
    """Alembic (with Mako and Pygments) costs a third of a second: a new or current database never imports it."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    code = (
        "import sys\n"
        "from dispatch_console.db.engine import open_database\n"
        "from dispatch_console.services import bootstrap\n"
        f"db = open_database({url!r})\n"
        "bootstrap.prepare(db, training=True)\n"
        "bootstrap.prepare(db, training=True)\n"
        "print(sorted(m for m in ('alembic', 'mako', 'pygments') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_current_database_is_recognised_with_one_query_on_both_engines(db: Database) -> None:
    assert migrate.bring_up_to_date(db) == "current"
