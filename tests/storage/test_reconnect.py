"""A write whose connection dies is retried once, only when it provably did not commit; multi-host URLs parse."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dispatch_console.db.engine import (
    CommitInDoubt,
    Database,
    libpq_conninfo,
    parse_database_url,
    password_host,
    server_list,
)

pytestmark = pytest.mark.postgres


def _kill_my_connection(session: sa.orm.Session) -> None:
    """What a failover does to every pooled connection: the server end goes away."""
    pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    with sa.create_engine(session.get_bind().url, poolclass=sa.pool.NullPool).connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_write_cut_off_before_commit_is_retried_once_and_applied_once(pg_db: Database) -> None:
    with pg_db.write() as session:
        session.execute(sa.text("CREATE TABLE calls (n int)"))
    attempts = []

    def work(session: sa.orm.Session) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            _kill_my_connection(session)
        session.execute(sa.text("INSERT INTO calls VALUES (1)"))

    pg_db.write_retrying(work)
    assert len(attempts) == 2
    with pg_db.read() as session:
        assert session.execute(sa.text("SELECT count(*) FROM calls")).scalar_one() == 1


def test_a_write_cut_off_during_commit_is_reported_not_retried(pg_db: Database) -> None:
    with pg_db.write() as session:
        session.execute(sa.text("CREATE TABLE calls (n int)"))
    attempts = []

    def work(session: sa.orm.Session) -> None:
        attempts.append(1)
        session.execute(sa.text("INSERT INTO calls VALUES (1)"))
        sa.event.listen(session, "before_commit", lambda s: _kill_my_connection(s), once=True)

    with pytest.raises(CommitInDoubt):
        pg_db.write_retrying(work)
    assert len(attempts) == 1


def test_a_multi_host_url_lists_every_server_and_keeps_the_session_attribute() -> None:
    url = parse_database_url("postgresql+psycopg://dispatch@db-a:5432,db-b:5433/console"
                             "?target_session_attrs=read-write")
    assert server_list(url) == ["db-a:5432", "db-b:5433"]
    assert url.username == "dispatch" and url.database == "console"
    assert password_host(url) == "db-a:5432,db-b:5433"  # keyring key: database:dispatch@db-a:5432,db-b:5433/console
    assert libpq_conninfo(url.set(password="s3cret")) == (
        "postgresql://dispatch:s3cret@db-a:5432,db-b:5433/console?target_session_attrs=read-write")
    assert Database(url, sa.create_engine(url), sa.create_engine(url)).describe() == (
        "PostgreSQL db-a:5432,db-b:5433/console")
