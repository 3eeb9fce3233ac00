"""Stories across processes: the console killed with a pending outbox, and the backend run as its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from dispatch_console.db.engine import Database
from dispatch_console.db.models import ThreatRow
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services.actor import Actor
from tests.notify.conftest import TOKEN, Stack, all_in, click, exactly_once, states, wait_until
from tests.notify.factories import make_threat

ROOT = Path(__file__).resolve().parents[2]
UNITS = ["SRO-04", "NOR-P1", "NOR-P2", "NOR-P3", "JUV-1", "NOR-SUP"]
DONE = {"accepted", "delivered"}


def case_of(db: Database, threat_id: int) -> str:
    with db.read() as session:
        return session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]


def test_console_killed_with_a_pending_outbox_and_restarted_resumes_sending(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    db = sqlite_db
    backend.set_faults(latency_ms=800)
    threat_id = make_threat(db, call_taker)
    click(db, supervisor, threat_id, UNITS)
    env = {**os.environ, "NOTIFY_TEST_TOKEN": TOKEN}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.notify.child_dispatcher", str(db.url), backend.url],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        wait_until(lambda: backend.in_progress_keys())  # the doomed console is in the middle of its fan-out
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert set(states(db, threat_id).values()) <= {"queued", "sent"}  # pending, not lost
    backend.set_faults(latency_ms=0)
    stack = Stack(db, backend.url, lambda: TOKEN)
    try:
        stack.start(console_name="restarted-console")
        wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)), timeout=15)
        exactly_once(backend, case_of(db, threat_id), UNITS)
    finally:
        stack.stop()


def start_backend_process(port: str, db_file: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "DISPATCH_GATEWAY_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_console.gateway", "--host", "127.0.0.1", "--port", port, "--db",
         str(db_file), "--latency-ms", "300", "--ack-after", "-1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "ready at http://" in line, line
    return proc, line.rsplit(" ", 1)[-1].strip()


def test_backend_process_killed_mid_fan_out_and_restarted_on_the_same_port_and_file(
    sqlite_db: Database, tmp_path: Path, supervisor: Actor, call_taker: Actor
) -> None:
    db = sqlite_db
    db_file = tmp_path / "gateway.sqlite3"
    proc, url = start_backend_process("0", db_file)
    stack = Stack(db, url, lambda: TOKEN)
    try:
        threat_id = make_threat(db, call_taker)
        services = stack.start()
        click(db, supervisor, threat_id, UNITS, services)
        # every page is on the wire (claimed and POSTed; the backend takes 300 ms to answer) when it dies
        wait_until(lambda: set(states(db, threat_id).values()) == {"sent"})
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc, url2 = start_backend_process(url.rsplit(":", 1)[-1], db_file)
        assert url2 == url
        wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)), timeout=20)
    finally:
        stack.stop()
        proc.terminate()
        proc.wait(10)
    # read the backend's own file once it is stopped (opening it drops in-progress claims of a live process)
    exactly_once(ReferenceBackend(TOKEN, db_path=db_file), case_of(db, threat_id), UNITS)
