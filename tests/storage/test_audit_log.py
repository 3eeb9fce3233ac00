"""Every write is audited in a hash chain that shows where it was tampered with."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from dispatch_console.services import audit
from dispatch_console.services.actor import Actor


def _write_entries(db, actor: Actor, count: int = 5) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        with db.write() as session:
            audit.record(session, actor=actor, action="threat.view", record_type="threat", record_id=i,
                         detail={"n": i})


def _tamper(db, sql: str) -> None:  # type: ignore[no-untyped-def]
    """Bypass the append-only triggers the way an attacker with file or superuser access could."""
    with db.write_engine.begin() as connection:
        if db.is_sqlite:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        connection.exec_driver_sql(sql)


def test_an_intact_chain_verifies(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    _write_entries(db, supervisor)
    with db.read() as session:
        assert audit.verify(session) is None
        entries = audit.search(session, audit.AuditQuery(operator="supervisor"))
    assert [e.record_id for e in entries] == ["4", "3", "2", "1", "0"]
    assert entries[0].console == "test-console" and entries[0].outcome == "success"


def test_the_log_refuses_updates_and_deletes(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    _write_entries(db, supervisor, 1)
    for statement in ("UPDATE audit_log SET operator = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.write() as session:
            session.execute(sa.text(statement))


def test_a_changed_row_is_detected_and_named(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    _write_entries(db, supervisor)
    _tamper(db, "UPDATE audit_log SET operator = 'mallory' WHERE id = 3")
    with db.read() as session:
        broken = audit.verify(session)
    assert broken is not None and broken.entry_id == 3
    assert "changed" in broken.reason


def test_a_deleted_row_is_detected(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    _write_entries(db, supervisor)
    _tamper(db, "DELETE FROM audit_log WHERE id = 2")
    with db.read() as session:
        broken = audit.verify(session)
    assert broken is not None and broken.entry_id == 3


def test_secrets_never_reach_the_audit_detail(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    with db.write() as session:
        audit.record(session, actor=supervisor, action="settings.backend", record_type="settings", record_id="x",
                     detail={"backend_token": "s3cr3t-token", "url": "https://cad"})
    with db.read() as session:
        (entry,) = audit.search(session, audit.AuditQuery())
    assert "s3cr3t-token" not in str(entry.detail) and entry.detail == {"url": "https://cad"}


def test_verify_audit_command_names_the_first_broken_entry(sqlite_db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    _write_entries(sqlite_db, supervisor)
    url = str(sqlite_db.url)
    ok = subprocess.run([sys.executable, "main.py", "verify-audit", "--database-url", url],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "intact: 5 entries" in ok.stdout
    _tamper(sqlite_db, "UPDATE audit_log SET detail = '{\"n\": 99}' WHERE id = 4")
    bad = subprocess.run([sys.executable, "main.py", "verify-audit", "--database-url", url],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "BROKEN at entry 4" in bad.stdout
