"""Render the README screenshots of the queue (dark and light theme) with a dozen varied threats.

Run from the repository root: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/queue_screenshots.py``.
Uses a temporary SQLite database; writes ``docs/screenshots/queue-dark.png`` and ``queue-light.png``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QThreadPool  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dispatch_console.db import migrate  # noqa: E402
from dispatch_console.db.engine import open_database  # noqa: E402
from dispatch_console.domain.enums import Role  # noqa: E402
from dispatch_console.services import triage  # noqa: E402
from dispatch_console.services.actor import Actor  # noqa: E402
from dispatch_console.settings import Settings  # noqa: E402
from dispatch_console.ui.context import ConsoleContext  # noqa: E402
from dispatch_console.ui.queue.tab import QueueTab  # noqa: E402
from dispatch_console.ui.theme import apply_theme  # noqa: E402
from tests.queue.factories import add_notification, add_threat  # noqa: E402

SUPERVISOR = Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, "dispatch-1", True)
THREATS = [  # priority, status, target, kind, division, threatened in, received ago, overdue, units/acks
    # Sites, divisions and unit ids of the demo city (resources/demo/sites.csv, gateway/demo_units.py).
    ("P1", "notified", "Northview High School", "school", "North", timedelta(minutes=42), timedelta(minutes=6), True,
     [("SRO-04", "acknowledged"), ("NOR-P1", "acknowledged"), ("TAC-1", "sent"), ("JUV-2", "failed")]),
    ("P1", "investigating", "Northgate Mall", "business", "North", timedelta(hours=20),
     timedelta(hours=2), False, [("NOR-P2", "acknowledged"), ("NOR-SUP", "acknowledged")]),
    ("P2", "notified", "Jefferson Elementary", "school", "South", timedelta(days=1, hours=2), timedelta(minutes=25),
     False, [("SOU-P3", "acknowledged"), ("SRO-07", "delivered"), ("CIT-1", "sent")]),
    ("P2", "new", "Westfield High School", "school", "West", None, timedelta(minutes=12), False, []),
    ("P2", "suspect_identified", "Harbor Career Academy", "school", "Harbor", timedelta(days=2), timedelta(hours=5),
     False, [("SRO-16", "acknowledged")]),
    ("P3", "investigating", "First Baptist Church of Riverton", "house_of_worship", "South", timedelta(days=4),
     timedelta(hours=9), False, [("SOU-P1", "acknowledged")]),
    ("P3", "new", "Eastlake High School", "school", "East", timedelta(days=6), timedelta(minutes=50), False, []),
    ("P3", "notified", "Riverton Civic Arena", "event_venue", "Central", timedelta(days=3, hours=4),
     timedelta(hours=1), True, [("CEN-P1", "sent"), ("CEN-SUP", "delivered")]),
    ("P4", "new", "Southwood Middle School", "school", "South", None, timedelta(hours=3), False, []),
    ("P4", "investigating", "Riverton Medical Center", "workplace", "East", timedelta(days=10), timedelta(days=1),
     False, []),
    ("P4", "new", "Sunset Elementary", "school", "West", timedelta(days=12), timedelta(hours=7), False, []),
]


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    tmp = Path(tempfile.mkdtemp(prefix="queue-shots-"))
    db = open_database(f"sqlite+pysqlite:///{tmp / 'shots.db'}")
    migrate.upgrade(db)
    ids = []
    with db.write() as s:
        for priority, status, name, kind, division, threatened, received, overdue, units in THREATS:
            tid = add_threat(s, priority=priority, status=status, target_name=name, target_kind=kind,
                             division=division, threatened_in=threatened, received_ago=received,
                             ack_overdue=overdue)
            for unit, state in units:
                add_notification(s, threat_id=tid, unit_id=unit, state=state)
            ids.append((tid, [u for u, _ in units]))
    for tid, units in ids:
        for unit in units[:3]:
            with db.write() as s:
                version = triage.load_rows(s, [tid])[0].version
                triage.assign_unit(s, actor=SUPERVISOR, threat_id=tid, expected_version=version, unit_id=unit)
    with db.write() as s:
        triage.add_note(s, actor=SUPERVISOR, threat_id=ids[0][0], text="SRO confirms both students are on campus.")
    out = ROOT / "docs" / "screenshots"
    for theme in ("dark", "light"):
        apply_theme(app, theme)
        ctx = ConsoleContext(settings=Settings(alert_sound=False).validated(), db=db, tz=UTC, training=True,
                             actor=SUPERVISOR)
        tab = QueueTab(ctx)
        tab.resize(1920, 860)  # the Queue tab of a maximised 1920×1080 window
        tab.show()
        loop = QEventLoop()
        while not tab.first_load_done:
            loop.processEvents()
        if theme == "dark":  # a P1 arriving while the queue is open: highlighted "★ NEW" (and the chime)
            with db.write() as s:
                add_threat(s, priority="P1", status="new", target_name="Lincoln Middle School", division="Central",
                           threatened_in=timedelta(hours=3, minutes=10), received_ago=timedelta(seconds=40))
        while tab.model.rowCount() < len(THREATS) + 1:
            loop.processEvents()
        tab.select_threat(ids[0][0])
        while tab.pane.detail is None:
            loop.processEvents()
        for _ in range(20):
            loop.processEvents()
        tab.grab().save(str(out / f"queue-{theme}.png"))
        tab.live.close()
        tab.close()
        tab.deleteLater()
    QThreadPool.globalInstance().waitForDone()
    db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    print("written", out / "queue-dark.png", out / "queue-light.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
