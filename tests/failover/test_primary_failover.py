"""The database server dies mid-shift; the standby is promoted; two consoles ride through without losing a call.

Two consoles (separate processes) save and triage reports against a multi-host URL. The primary is killed with
``pg_ctl stop -m immediate`` while they work, and the synchronous standby is promoted. Afterwards every save that was
confirmed to an operator is on the new primary, nothing is doubled, and the audit chain verifies. The time from the
kill to the first successful write is measured and printed (docs/deployment.md quotes it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch_console.db import migrate
from dispatch_console.db.engine import open_database
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import audit
from tests import pgcluster
from tests.notify.conftest import TOKEN
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
REPORTS_PER_CONSOLE = 60
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster() -> Iterator[pgcluster.Cluster]:
    started = pgcluster.start_cluster()
    yield started
    started.stop()


def _journal(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _saved(lines: list[str]) -> dict[str, str]:
    """Confirmed saves: statement → case number."""
    return {line.split(" ", 2)[2]: line.split(" ", 2)[1] for line in lines if line.startswith("saved ")}


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ReferenceBackend]:
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "backend.sqlite3", deliver_after=0.05, ack_after=None)
    server.start()
    yield server
    server.close()


def _pages(url: str) -> list[tuple[str, str, str]]:
    """(case number, unit, state) of every notification row on the server."""
    db = open_database(url)
    try:
        with db.read() as session:
            rows = session.execute(sa.text(
                "SELECT t.case_number, n.unit_id, n.state FROM notifications n JOIN threats t ON t.id = n.threat_id"
            )).all()
        return [(str(c), str(u), str(s)) for c, u, s in rows]
    finally:
        db.dispose()


def _open_cases(url: str) -> list[str]:
    db = open_database(url)
    try:
        with db.read() as session:
            return sorted(str(n) for n in session.execute(
                sa.text("SELECT case_number FROM threats WHERE status <> 'closed'")).scalars())
    finally:
        db.dispose()


def _queue_of(journal: Path) -> list[str]:
    path = Path(f"{journal}.queue")
    return path.read_text(encoding="utf-8").split("\n") if path.exists() else []


def test_two_consoles_ride_through_a_primary_failover(
    cluster: pgcluster.Cluster, backend: ReferenceBackend, tmp_path: Path,
) -> None:
    pgcluster.create_database(cluster, "dispatch")
    url = cluster.url("dispatch")
    setup = open_database(url)
    migrate.upgrade(setup)
    setup.dispose()
    journals = {name: tmp_path / f"{name}.journal" for name in ("north", "south")}
    consoles = [
        subprocess.Popen([sys.executable, "-m", "tests.failover.console_worker", url, name,
                          str(REPORTS_PER_CONSOLE), str(journal), backend.url], cwd=ROOT, stderr=subprocess.PIPE,
                         text=True, env={**os.environ, "NOTIFY_TEST_TOKEN": TOKEN})
        for name, journal in journals.items()
    ]
    try:
        wait_until(lambda: all(len(_saved(_journal(j))) >= 15 for j in journals.values()), timeout=120)
        killed_at = time.time()
        cluster.kill_primary()
        cluster.promote_standby()
        wait_until(lambda: all("done" in _journal(j) for j in journals.values()), timeout=300)
        sent = {"accepted", "delivered", "acknowledged"}
        pages = wait_until(lambda: (p := _pages(url)) and all(state in sent for *_, state in p) and p, timeout=60)
        open_cases = _open_cases(url)
        for journal in journals.values():  # each console's live queue, kept by LISTEN, matches the database
            wait_until(lambda j=journal: _queue_of(j) == open_cases, timeout=30)
    finally:
        for console in consoles:
            console.kill()
            _, errors = console.communicate(timeout=30)
            assert "Traceback" not in errors, errors

    lines = {name: _journal(journal) for name, journal in journals.items()}
    confirmed = {statement: number for name in lines for statement, number in _saved(lines[name]).items()}
    in_doubt = [line.removeprefix("doubt ") for name in lines for line in lines[name] if line.startswith("doubt ")]
    recovered = [float(line.split()[1]) for name in lines for line in lines[name] if line.startswith("recovered ")]

    survivor = open_database(url)
    try:
        assert survivor.current_server() == f"127.0.0.1:{cluster.standby.port}"
        with survivor.read() as session:
            rows = session.execute(sa.text("SELECT statement, case_number FROM threats")).all()
            notes = session.execute(sa.text("SELECT threat_id, count(*) FROM notes GROUP BY threat_id")).all()
            assert audit.verify(session) is None
    finally:
        survivor.dispose()
    stored = {statement: number for statement, number in rows}
    assert len(rows) == len(stored), "a report was saved twice"
    assert {s: stored.get(s) for s in confirmed} == confirmed, "a confirmed save is missing on the new primary"
    assert set(stored) - set(confirmed) <= set(in_doubt), "a report nobody was told about is in the database"
    assert len(confirmed) + len(in_doubt) == 2 * REPORTS_PER_CONSOLE
    assert all(count == 1 for _, count in notes), "a note was applied twice"
    assert recovered, "no console saw the outage: the kill came too late"
    assert all("reconnected: queue refreshed" in lines[name] for name in lines), "LISTEN was not re-established"
    counts = backend.delivery_counts()
    assert {(case, unit): counts.get((case, unit)) for case, unit, _ in pages} == {
        (case, unit): 1 for case, unit, _ in pages}, "a unit was paged twice, or not at all"
    assert len(pages) == 2 * len({case for case, *_ in pages})
    print(f"\nfailover: kill -> first successful write {min(recovered) - killed_at:.2f} s; "
          f"{len(confirmed)} confirmed, {len(in_doubt)} in doubt")
