"""An admin backs the database up and restores it; the audit chain survives, and nothing ever prunes the audit log."""

from __future__ import annotations

import ast
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch_console import cli
from dispatch_console.db import migrate
from dispatch_console.db.engine import Database, open_database
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.bootstrap import prepare
from tests import pgserver
from tests.reports.factory import Threat, add_threat

TEN_THOUSAND = 10_000


def _fill(db: Database, actor: Actor, count: int, batch: int = 1000) -> None:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for first in range(0, count, batch):
        with db.write() as session:
            for i in range(first, min(first + batch, count)):
                add_threat(session, actor, Threat(received_at=start + timedelta(minutes=i), target_name=f"School {i}"))


def _empty_twin(db: Database, tmp_path: Path, pg_server: pgserver.PgServer | None) -> str:
    """A second, empty database of the same kind, to restore into."""
    if db.is_sqlite:
        return f"sqlite+pysqlite:///{tmp_path / 'restored.db'}"
    assert pg_server is not None
    return pg_server.create_database()


def _url(db: Database) -> str:
    return db.url.render_as_string(hide_password=False)


def _counts(url: str) -> tuple[int, int, str]:
    restored = open_database(url)
    try:
        with restored.read() as session:
            threats = session.execute(sa.text("SELECT count(*) FROM threats")).scalar_one()
            last = session.execute(sa.text("SELECT max(case_number) FROM threats")).scalar_one()
            broken = audit.verify(session)
            entries = audit.entry_count(session)
        assert broken is None
        return int(threats), int(entries), str(last)
    finally:
        restored.dispose()


@pytest.fixture
def maybe_pg(request: pytest.FixtureRequest, db: Database) -> pgserver.PgServer | None:
    return request.getfixturevalue("pg_server") if db.is_postgres else None  # type: ignore[no-any-return]


@pytest.mark.slow
def test_ten_thousand_threats_round_trip_with_their_audit_chain(
    db: Database, supervisor: Actor, tmp_path: Path, maybe_pg: pgserver.PgServer | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fill(db, supervisor, TEN_THOUSAND)
    with db.read() as session:
        before_entries = audit.entry_count(session)
        before_last = session.execute(sa.text("SELECT max(case_number) FROM threats")).scalar_one()
    backup_file = tmp_path / "nightly.backup"

    started = time.monotonic()
    assert cli.main(["backup", str(backup_file), "--database-url", _url(db)]) == 0
    backed_up = time.monotonic()
    assert capsys.readouterr().out == f"Backup written to {backup_file}.\n"

    target = _empty_twin(db, tmp_path, maybe_pg)
    restore_started = time.monotonic()
    assert cli.main(["restore", str(backup_file), "--database-url", target]) == 0
    restored = time.monotonic()
    assert capsys.readouterr().out == (
        f"Restored from {backup_file}: {before_entries} audit entries, hash chain verified.\n")
    assert _counts(target) == (TEN_THOUSAND, before_entries, before_last)
    assert cli.main(["verify-audit", "--database-url", target]) == 0
    assert capsys.readouterr().out == f"Audit log intact: {before_entries} entries, hash chain verified.\n"
    with capsys.disabled():
        print(f"\n{db.url.get_backend_name()}: backup of {TEN_THOUSAND} threats {backed_up - started:.2f} s, "
              f"restore + chain check {restored - restore_started:.2f} s")


def test_restore_refuses_a_database_that_holds_threats_unless_forced(
    db: Database, supervisor: Actor, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    _fill(db, supervisor, 3)
    backup_file = tmp_path / "monday.backup"
    assert cli.main(["backup", str(backup_file), "--database-url", _url(db)]) == 0
    _fill(db, supervisor, 2)  # Tuesday's calls, which a careless restore would wipe out
    capsys.readouterr()

    assert cli.main(["restore", str(backup_file), "--database-url", _url(db)]) == 2
    assert capsys.readouterr().err == (
        "Nothing restored: the database is not empty (5 threats, 5 audit entries); restoring would replace them. "
        "Restore into a new database, or add --force\n")
    assert _counts(_url(db))[:2] == (5, 5)

    assert cli.main(["restore", str(backup_file), "--force", "--database-url", _url(db)]) == 0
    assert _counts(_url(db))[:2] == (3, 3)


def test_backup_refuses_to_overwrite_a_file(sqlite_db: Database, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "keep.backup"
    existing.write_bytes(b"last week's backup")
    assert cli.main(["backup", str(existing), "--database-url", _url(sqlite_db)]) == 2
    assert capsys.readouterr().err == f"No backup written: {existing} already exists; choose a new file name\n"
    assert existing.read_bytes() == b"last week's backup"


def test_an_sqlite_backup_taken_while_a_console_saves_is_consistent(
    sqlite_db: Database, supervisor: Actor, tmp_path: Path,
) -> None:
    """The online backup API copies one snapshot: every threat in the copy has its audit entry, the chain holds."""
    stop = threading.Event()

    def keep_saving() -> None:
        while not stop.is_set():
            _fill(sqlite_db, supervisor, 20, batch=5)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        _fill(sqlite_db, supervisor, 50)
        backup_file = tmp_path / "mid-shift.db"
        assert cli.main(["backup", str(backup_file), "--database-url", _url(sqlite_db)]) == 0
    finally:
        stop.set()
        writer.join()
    threats, entries, _ = _counts(f"sqlite+pysqlite:///{backup_file}")
    assert threats >= 50 and threats == entries


def test_nothing_prunes_the_audit_log(db: Database, supervisor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """CJIS AU-11: entries older than a year survive start-up in both modes; no code deletes from the audit log."""
    two_years_ago = datetime.now(UTC) - timedelta(days=730)
    monkeypatch.setattr("dispatch_console.services.audit.utcnow", lambda: two_years_ago)
    with db.write() as session:
        audit.record(session, actor=supervisor, action="threat.view", record_type="threat", record_id="1",
                     detail={})
    monkeypatch.undo()
    prepare(db, training=True)
    prepare(db, training=False)
    migrate.upgrade(db)
    with db.read() as session:
        oldest = session.execute(sa.text("SELECT min(at) FROM audit_log")).scalar_one()
        assert audit.verify(session) is None
    oldest_at = oldest if isinstance(oldest, datetime) else datetime.fromisoformat(str(oldest))
    assert oldest_at.replace(tzinfo=UTC) == two_years_ago.replace(tzinfo=UTC)

    package = Path(cli.__file__).parent
    deleting = []
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = " ".join(node.value.lower().split())
                if "delete from audit_log" in text or "truncate audit_log" in text:
                    deleting.append(str(source))
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "delete"
                    and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "AuditEntry"):
                deleting.append(str(source))
    assert deleting == []
