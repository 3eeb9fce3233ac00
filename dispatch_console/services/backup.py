"""Backing up and restoring the whole database, audit chain included.

SQLite uses its online backup API: the copy is one consistent snapshot even while consoles keep writing (a file copy
of a WAL database taken mid-write can be torn). PostgreSQL uses ``pg_dump`` in custom format (one consistent
snapshot too, restorable with ``pg_restore``). A restore never overwrites a database that holds threats or audit
entries unless the admin says ``force``: restoring yesterday's backup over today's work would lose calls.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text

from dispatch_console.db.engine import Database, libpq_conninfo

PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and is safe to print (no password)."""


@dataclass(frozen=True)
class Contents:
    threats: int
    audit_entries: int

    @property
    def empty(self) -> bool:
        return self.threats == 0 and self.audit_entries == 0


def contents(db: Database) -> Contents:
    """How many threats and audit entries ``db`` holds (0 and 0 for a database without the tables yet)."""
    with db.read() as session:
        tables = set(inspect(session.connection()).get_table_names())
        threats = session.execute(text("SELECT count(*) FROM threats")).scalar_one() if "threats" in tables else 0
        audit = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() if "audit_log" in tables else 0
    return Contents(int(threats), int(audit))


def backup(db: Database, destination: Path) -> None:
    """Write a consistent snapshot of ``db`` to ``destination`` (refuses to overwrite an existing file)."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    if db.is_sqlite:
        _sqlite_copy(Path(_sqlite_path(db)), destination)
        return
    _run_pg("pg_dump", db, ["--format=custom", "--no-owner", f"--file={destination}"])


def restore(db: Database, source: Path, *, force: bool = False) -> None:
    """Replace the contents of ``db`` with the backup in ``source``.

    Refuses when ``db`` already holds threats or audit entries, unless ``force``: the admin must say it twice.
    """
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    found = contents(db)
    if not found.empty and not force:
        raise BackupError(
            f"the database is not empty ({found.threats} threats, {found.audit_entries} audit entries); "
            "restoring would replace them. Restore into a new database, or add --force")
    if db.is_sqlite:
        target = Path(_sqlite_path(db))
        db.dispose()
        _check_sqlite_backup(source)
        _sqlite_copy(source, target)
        return
    db.dispose()
    _run_pg("pg_restore", db, ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)])


def _sqlite_path(db: Database) -> str:
    path = db.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return path


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not an SQLite backup: {error}") from None
    if result is None or result[0] != "ok":
        raise BackupError(f"{source} is damaged: {result[0] if result else 'no answer'}")


def _sqlite_copy(source: Path, destination: Path) -> None:
    """The online backup API, page by page; the source stays readable and writable by every console meanwhile."""
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(destination)
    try:
        with dst:
            src.backup(dst, pages=1024)
    finally:
        dst.close()
        src.close()


def _pg_program(name: str) -> str:
    for directory in PG_BIN_DIRS:
        candidate = Path(directory, name)
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (postgresql-client)")
    return found


def _run_pg(program: str, db: Database, arguments: list[str]) -> None:
    """Run a PostgreSQL client program; the password goes through the environment, never the command line."""
    environment = dict(os.environ)
    if db.url.password:
        environment["PGPASSWORD"] = str(db.url.password)
    dbname = f"--dbname={libpq_conninfo(db.url.set(password=None))}"
    result = subprocess.run([_pg_program(program), dbname, *arguments], env=environment, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")
