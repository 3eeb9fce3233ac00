"""An existing center's database is upgraded in place, keeping its data."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from dispatch_console.db import migrate
from dispatch_console.db.engine import open_database
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
