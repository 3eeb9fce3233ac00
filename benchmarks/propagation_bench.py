"""Propagation between consoles as a center has it: N watching consoles in their own processes, one writer in another.

Each watcher is a separate Python process with a real, shown ``QueueTab`` (offscreen) and its own live bridge; the
writer is another process saving new threats (audit entry and change row in the same transaction, as the intake
does) at about five a second with irregular gaps (60-340 ms). Every process stamps ``time.time()``: the writer just
before its COMMIT (the commit counts), each watcher right after the tab's own change handler has put the new row in
its model. The figure is the p95 of (seen - committed) over every threat and every watcher.

PostgreSQL runs with ``fsync``, ``synchronous_commit`` and full-page writes on (a throwaway server from
``tests/pgserver.py``); watchers wake on LISTEN/NOTIFY. SQLite watchers poll ``PRAGMA data_version`` every
``change_poll_ms`` (the setting's default unless ``--poll-ms``). Targets (issue 17): PostgreSQL with 10 watchers
p95 < 50 ms; SQLite with 5 watchers p95 < 100 ms.

    .venv/bin/python benchmarks/propagation_bench.py [--watchers 1,5,10] [--sqlite-watchers 5] [--threats 60]
        [--only sqlite|postgres] [--poll-ms N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WATCHER = """
import os, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
from datetime import UTC
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from dispatch_console.db.engine import open_database
from dispatch_console.domain.enums import Role
from dispatch_console.services.actor import Actor
from dispatch_console.settings import Settings
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.queue.tab import QueueTab

db = open_database(os.environ["BENCH_URL"])
poll = int(os.environ.get("BENCH_POLL_MS") or Settings().change_poll_ms)
actor = Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, f"watcher-{os.getpid()}")
ctx = ConsoleContext(settings=Settings(change_poll_ms=poll, alert_sound=False).validated(), db=db, tz=UTC,
                     training=True, actor=actor)
tab = QueueTab(ctx)
tab.resize(1900, 900)
tab.show()
known = set()

def on_rows(rows, gone):  # connected after the tab's own handler: runs once the row is in the model
    now = time.time()
    for row in rows:
        if row.threat_id not in known:
            known.add(row.threat_id)
            print(f"seen {row.threat_id} {now:.6f}", flush=True)

tab.live.rows_changed.connect(on_rows)

def ready():
    if not tab.first_load_done:
        return QTimer.singleShot(20, ready)
    print("ready", flush=True)

ready()
QTimer.singleShot(int(os.environ["BENCH_SECONDS"]) * 1000, app.quit)
app.exec()
tab.live.close()
"""

WRITER = """
import os, random, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
from dispatch_console.db.engine import open_database
from tests.queue.factories import add_threat

db = open_database(os.environ["BENCH_URL"])
rng = random.Random(17)
for _ in range(int(os.environ["BENCH_THREATS"])):
    time.sleep(rng.uniform(0.06, 0.34))  # about 5 a second, irregular
    with db.write() as session:
        threat_id = add_threat(session, priority=rng.choice(("P1", "P2", "P3")), division=rng.choice(("North", "South")))
        committed = time.time()  # just before COMMIT: the commit counts in the latency
    print(f"wrote {threat_id} {committed:.6f}", flush=True)
db.dispose()
"""


def run(url: str, watchers: int, threats: int, poll_ms: int | None) -> list[float]:
    """Start the watchers, wait until each shows its queue, run the writer; the latencies in ms."""
    seconds = int(threats * 0.2 + 60)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BENCH_ROOT": str(ROOT), "BENCH_URL": url,
           "BENCH_SECONDS": str(seconds), "BENCH_THREATS": str(threats), "BENCH_POLL_MS": str(poll_ms or "")}
    procs = [subprocess.Popen([sys.executable, "-c", WATCHER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(watchers)]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit(f"a watcher did not start: {line!r}")
    writer = subprocess.run([sys.executable, "-c", WRITER], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    wrote = {int(a): float(b) for _, a, b in (x.split() for x in writer.stdout.splitlines() if x.startswith("wrote"))}
    time.sleep(1.5)  # the last threat reaches every watcher
    latencies: list[float] = []
    for proc in procs:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        seen = {int(a): float(b) for _, a, b in (x.split() for x in out.splitlines() if x.startswith("seen"))}
        missing = [t for t in wrote if t not in seen]
        if missing:
            print(f"    a watcher never showed {len(missing)} of {len(wrote)} threats", flush=True)
        latencies.extend((seen[t] - wrote[t]) * 1000 for t in wrote if t in seen)
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def report(name: str, values: list[float]) -> str:
    return (f"{name}: p95 {p95(values):.1f} ms, median {statistics.median(values):.1f} ms, max {max(values):.1f} ms "
            f"over {len(values)} (load average {os.getloadavg()[0]:.1f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", default="1,5,10", help="PostgreSQL: comma-separated watcher counts")
    parser.add_argument("--sqlite-watchers", type=int, default=5)
    parser.add_argument("--threats", type=int, default=60, help="threats the writer saves per measurement")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--poll-ms", type=int, help="SQLite poll interval (default: the console's setting)")
    args = parser.parse_args()
    from dispatch_console.db import migrate
    from dispatch_console.db.engine import open_database
    from dispatch_console.settings import Settings

    verdicts: list[str] = []
    ok = True
    if args.only in (None, "postgres"):
        from tests import pgserver

        server = pgserver.start_server(durable=True)
        try:
            for n in (int(x) for x in args.watchers.split(",")):
                url = server.create_database()
                db = open_database(url)
                migrate.upgrade(db)
                db.dispose()
                values = run(url, n, args.threats, None)
                print("  " + report(f"PostgreSQL (fsync, synchronous_commit on), {n} watching console(s)", values),
                      flush=True)
                if n == 10:
                    ok &= p95(values) < 50
                    verdicts.append(f"PostgreSQL 10 watchers p95 {p95(values):.0f} ms (target < 50)")
        finally:
            server.stop()
    if args.only in (None, "sqlite"):
        tmp = Path(tempfile.mkdtemp(prefix="propagation-bench-"))
        try:
            url = f"sqlite+pysqlite:///{tmp / 'console.db'}"
            db = open_database(url)
            migrate.upgrade(db)
            db.dispose()
            poll = args.poll_ms or Settings().change_poll_ms
            values = run(url, args.sqlite_watchers, args.threats, poll)
            print("  " + report(f"SQLite, poll {poll} ms, {args.sqlite_watchers} watching consoles", values),
                  flush=True)
            ok &= p95(values) < 100
            verdicts.append(f"SQLite {args.sqlite_watchers} watchers p95 {p95(values):.0f} ms (target < 100)")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'PASS' if ok else 'FAIL'}: " + "; ".join(verdicts) + f" (load average {os.getloadavg()[0]:.1f})")
    return 0 if ok else 1


if __name__ == "__main__":
    random.seed(0)
    raise SystemExit(main())
