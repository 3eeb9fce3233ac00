"""The live bridge: wakes on another console's commit and hands the queue only the rows that changed.

SQLite is polled on the GUI thread every ``settings.change_poll_ms``: ``PRAGMA data_version`` on the watcher's own
connection costs microseconds (see ``benchmarks/queue_bench.py``), less than a background hand-off would.
PostgreSQL wakes a ``QSocketNotifier`` on the listening connection's socket, so nothing is polled at all. Either way
the follow-up read (``changes_since`` and ``load_rows``) runs on a worker thread and comes back as one
``rows_changed`` signal. After a reconnect the queue reloads everything (notifications sent while the connection
was down are lost) and says so.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from dispatch_console.db.engine import Database
from dispatch_console.services import changes, queue
from dispatch_console.services.livefeed import ChangeWatcher, Wakeup, watcher_for
from dispatch_console.ui.worker import run_in_background

RETRY_MS = 2000


class LiveBridge(QObject):
    """Signals:
        loaded(list): every open row (first load, and after a reconnect).
        rows_changed(list, list): fresh ``QueueRow`` values and the ids of threats that no longer exist.
        status(str, bool): text for the status line; ``False`` when the feed is down.
        reconnected(): the connection came back and the queue was fully refreshed.
    """

    loaded = Signal(list)
    rows_changed = Signal(list, list)
    status = Signal(str, bool)
    reconnected = Signal()

    def __init__(self, db: Database, *, poll_ms: int, watcher: ChangeWatcher | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.watcher = watcher or watcher_for(db)
        self.last_change_id = 0
        self._busy = False
        self._again = False
        self._full_pending = False
        self._closed = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.notifier: QSocketNotifier | None = None
        self.poll_ms = poll_ms
        self._arm()

    def _arm(self) -> None:
        """Wait on the socket when there is one, else poll on the timer (also used to retry a lost connection)."""
        if self.notifier is not None:
            self.notifier.setEnabled(False)
            self.notifier.deleteLater()
            self.notifier = None
        fileno = self.watcher.fileno()
        if fileno is not None:
            self.notifier = QSocketNotifier(fileno, QSocketNotifier.Type.Read, self)
            self.notifier.activated.connect(self.poll)
            self.timer.stop()
        else:
            self.timer.start(self.poll_ms if self.db.is_sqlite else RETRY_MS)

    # --- loading -------------------------------------------------------------------------------------------------
    def load_all(self) -> None:
        """Read every open threat in the background; ``loaded`` delivers them."""
        if self._busy:
            self._full_pending = True
            return
        self._busy = True

        def work() -> tuple[int, list[queue.QueueRow]]:
            with self.db.read() as session:
                last = changes.latest_change_id(session)  # first: a change after it is re-read, never missed
                return last, queue.load_open(session)

        run_in_background(work, self._on_loaded, self._on_failed)

    def _on_loaded(self, result: tuple[int, list[queue.QueueRow]]) -> None:
        self._busy = False
        if self._closed or not shiboken6.isValid(self):
            return
        self.last_change_id, rows = result
        self.loaded.emit(rows)
        self._continue()

    def poll(self) -> None:
        """Ask the watcher; on a change, fetch the changed rows in the background."""
        if self._closed:
            return
        wake: Wakeup = self.watcher.check()
        if wake.lost:
            self.status.emit(f"Live updates interrupted ({wake.error}); retrying …", False)
            self._arm()
            return
        if wake.reconnected:
            self._arm()
            self._full_pending = True
            self._reconnect_pending = True
        if wake.changed:
            self.fetch()

    _reconnect_pending = False

    def fetch(self) -> None:
        if self._busy:
            self._again = True
            return
        if self._full_pending:
            self._full_pending = False
            self.load_all()
            return
        self._busy = True
        since = self.last_change_id

        def work() -> tuple[int, list[queue.QueueRow], list[int]]:
            with self.db.read() as session:
                found = changes.changes_since(session, since)
                ids = sorted({c.threat_id for c in found})
                rows = queue.load_rows(session, ids)
            present = {r.threat_id for r in rows}
            last = found[-1].id if found else since
            return last, rows, [i for i in ids if i not in present]

        run_in_background(work, self._on_fetched, self._on_failed)

    def _on_fetched(self, result: tuple[int, list[queue.QueueRow], list[int]]) -> None:
        self._busy = False
        if self._closed or not shiboken6.isValid(self):
            return
        last, rows, gone = result
        self.last_change_id = max(self.last_change_id, last)
        if rows or gone:
            self.rows_changed.emit(rows, gone)
        self._continue()

    def _continue(self) -> None:
        if self._reconnect_pending and not self._full_pending:
            self._reconnect_pending = False
            self.status.emit("Reconnected to the database — queue refreshed", True)
            self.reconnected.emit()
        if self._full_pending:
            self._full_pending = False
            self.load_all()
        elif self._again:
            self._again = False
            self.fetch()

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        if self._closed or not shiboken6.isValid(self):
            return
        self._full_pending = True  # whatever was missed is re-read in full on the next wake-up
        self.status.emit(f"Reading the queue failed ({type(error).__name__}); retrying …", False)
        QTimer.singleShot(RETRY_MS, self.poll_or_reload)

    def poll_or_reload(self) -> None:
        if not self._closed:
            self.fetch()

    def close(self) -> None:
        self._closed = True
        self.timer.stop()
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        self.watcher.close()

    def debug_state(self) -> dict[str, Any]:
        return {"last": self.last_change_id, "busy": self._busy}
