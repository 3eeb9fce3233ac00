"""One console, in its own process, saving and triaging reports through a failover (run by the failover test).

Each report is a call-taker's typing: it is kept until the database confirms it. ``DatabaseUnavailable`` (no
writable server, nothing committed) → keep the text and try again; ``CommitInDoubt`` → report it, never resend.
Every line written to the journal is something an operator was told: ``saved``, ``doubt``, or ``recovered``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from dispatch_console.db.engine import CommitInDoubt, Database, DatabaseUnavailable, open_database
from dispatch_console.domain.enums import Role, TargetKind
from dispatch_console.domain.threat import ThreatInput
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.services import intake, outbox, queue, triage
from dispatch_console.services.actor import Actor
from dispatch_console.services.dispatcher import OutboxDispatcher, make_client_factory
from dispatch_console.services.livefeed import watcher_for

T = TypeVar("T")
UNITS = ["SRO-04", "NOR-P1"]
_outage = {"since": False}


def _until_written(journal: TextIO, db: Database, work: Callable[[Session], T]) -> T | None:
    """Write, keeping the work while no server is writable; ``None`` if the COMMIT is in doubt."""
    while True:
        try:
            result = db.write_retrying(work)
        except DatabaseUnavailable:
            if not _outage["since"]:
                journal.write(f"unavailable {time.time()}\n")
            _outage["since"] = True
            time.sleep(0.1)
            continue
        except CommitInDoubt:
            return None
        if _outage["since"]:
            journal.write(f"recovered {time.time()}\n")
            _outage["since"] = False
        return result


class _Queue:
    """The live queue as a console keeps it: LISTEN wakes it, a reconnect reloads it; snapshot written to a file."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self.watcher = watcher_for(db)
        self.reload()

    def reload(self) -> None:
        try:
            with self.db.read() as session:
                numbers = sorted(row.case_number for row in queue.load_open(session))
        except DBAPIError:
            return  # no server: the queue keeps what it showed, the next wake-up reloads
        with open(self.path + ".tmp", "w", encoding="utf-8") as snapshot:
            snapshot.write("\n".join(numbers))
        os.replace(self.path + ".tmp", self.path)

    def follow(self, journal: TextIO) -> None:
        wake = self.watcher.drain()
        if wake.reconnected:
            journal.write("reconnected: queue refreshed\n")
        if wake.changed or wake.reconnected:
            self.reload()


def main(url: str, name: str, count: int, journal_path: str, backend_url: str) -> int:
    db = open_database(url)
    actor = Actor(name, name.title(), Role.SUPERVISOR, f"{name}-console", True)
    token = os.environ["NOTIFY_TEST_TOKEN"]
    sender = OutboxDispatcher(
        db, make_client_factory(backend_url, lambda: token), RetryPolicy(base=0.05, max_delay=0.2, jitter=Jitter.NONE),
        console_name=f"{name}-console", claim_seconds=5.0, idle_poll=0.05,
    )
    sender.start()
    feed = _Queue(db, journal_path + ".queue")
    with open(journal_path, "a", encoding="utf-8", buffering=1) as journal:
        for i in range(count):
            statement = f"{name} report {i}: said they will bring a gun after school"
            data = ThreatInput(target_kind=TargetKind.SCHOOL, target_name=f"School {i % 7}",
                               target_address="1 Main St", division="Central", statement=statement)
            saved = _until_written(journal, db, lambda s, d=data: intake.save_threat(
                s, actor=actor, data=d, now=datetime.now(UTC), tz=UTC))
            if saved is None:
                journal.write(f"doubt {statement}\n")
                continue
            journal.write(f"saved {saved.case_number} {statement}\n")
            _until_written(journal, db, lambda s, t=saved.threat_id: triage.add_note(
                s, actor=actor, threat_id=t, text="caller called back"))
            if i % 4 == 0:  # the supervisor pages two units about every fourth report
                _until_written(journal, db, lambda s, t=saved.threat_id: outbox.notify_designated_units(
                    s, actor=actor, threat_id=t, unit_ids=UNITS, now=datetime.now(UTC)))
                sender.wake()
            feed.follow(journal)
        journal.write("done\n")
        while True:  # keep sending and following until the test ends this process
            feed.follow(journal)
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]))
