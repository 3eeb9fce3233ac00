"""A console's sender in a child process, for the story where the console is killed with ``kill -9``.

Usage: ``python -m tests.notify.child_dispatcher DATABASE_URL BACKEND_URL``; the token comes from the environment
(``NOTIFY_TEST_TOKEN``), never from the command line. Prints ``ready`` once the dispatcher runs.
"""

from __future__ import annotations

import os
import sys
import time

from dispatch_console.db.engine import open_database
from dispatch_console.gateway.retry import Jitter, RetryPolicy
from dispatch_console.services.dispatcher import make_client_factory
from dispatch_console.services.outbox_sender import OutboxDispatcher


def main() -> None:
    db = open_database(sys.argv[1])
    token = os.environ["NOTIFY_TEST_TOKEN"]
    dispatcher = OutboxDispatcher(
        db, make_client_factory(sys.argv[2], lambda: token), RetryPolicy(base=0.05, max_delay=0.2, jitter=Jitter.NONE),
        console_name="doomed-console", claim_seconds=1.0, idle_poll=0.05,
    )
    dispatcher.start()
    print("ready", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
