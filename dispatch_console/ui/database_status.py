"""Which database server the console is on, and a banner while none is writable (failover, outage).

A check every few seconds on a worker thread (a dead host can take the 3 s connect timeout): the status bar names
the server in use (after a failover, the new primary) and the banner tells the operator that nothing typed is lost.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel

from dispatch_console.db.engine import Database
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

UNAVAILABLE = "Database unavailable — your typing is kept; retrying"


class DatabaseStatus(QObject):
    """Keeps ``label`` (status bar) and ``banner`` in step with the server the console can write to.

    Signals:
        changed(str): the server now in use, or ``""`` while none is writable.
    """

    changed = Signal(str)

    def __init__(self, db: Database, label: QLabel, banner: QLabel, *, interval_ms: int = 3000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.label = label
        self.banner = banner
        self.banner.setText(UNAVAILABLE)
        self.banner.setAccessibleName("Database status")
        set_role(self.banner, "error")
        self.banner.hide()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._busy = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        if self._busy:
            return
        self._busy = True
        run_in_background(self.db.writable_server, self._show, lambda _e: self._show(None), pool=self._pool)

    def _show(self, server: str | None) -> None:
        if not (shiboken6.isValid(self) and shiboken6.isValid(self.banner) and shiboken6.isValid(self.label)):
            return  # the window closed while a check was waiting on a dead host (up to the 3 s connect timeout)
        self._busy = False
        if server is None:
            self.banner.show()
            self.changed.emit("")
            return
        self.banner.hide()
        name = "SQLite" if self.db.is_sqlite else "PostgreSQL"
        self.label.setText(f"{name} {server}/{self.db.url.database}" if self.db.is_postgres else f"{name} {server}")
        self.changed.emit(server)
