"""Render the README screenshots of the Reports tab (dark theme) and of the first page of its PDF.

Run from the repository root: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/reports_screenshots.py``.
Uses a temporary SQLite database with the seed's ten weeks (tests/reports/factory.py); writes
``docs/screenshots/reports.png`` and ``docs/screenshots/report-pdf.png`` (``pdftoppm -png -r 60``, poppler-utils).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QDate, QEventLoop, QThreadPool  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dispatch_console.db import migrate  # noqa: E402
from dispatch_console.db.engine import open_database  # noqa: E402
from dispatch_console.domain.enums import Role  # noqa: E402
from dispatch_console.services import followups  # noqa: E402
from dispatch_console.services.actor import Actor  # noqa: E402
from dispatch_console.settings import Settings  # noqa: E402
from dispatch_console.ui.context import ConsoleContext  # noqa: E402
from dispatch_console.ui.reports.tab import ReportsTab  # noqa: E402
from dispatch_console.ui.theme import apply_theme  # noqa: E402
from tests.reports.factory import SEED_SINCE, SEED_UNTIL, at, seed_case_file  # noqa: E402

SUPERVISOR = Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, "dispatch-1", True)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    tmp = Path(tempfile.mkdtemp(prefix="reports-shots-"))
    db = open_database(f"sqlite+pysqlite:///{tmp / 'shots.db'}")
    migrate.upgrade(db)
    seeded = seed_case_file(db, SUPERVISOR)
    with db.write() as s:
        for i, (owner, text) in enumerate((("Crisis Intervention Team", "CIT check-in with the family"),
                                           ("Social worker", "Social-worker check-in"),
                                           ("Juvenile unit", "Check the juvenile office referral"))):
            followups.add(s, actor=SUPERVISOR, threat_id=seeded["originals"][i * 5 + 1],
                          due_at=at(date.today()) + timedelta(days=i * 3 - 2), owner=owner, text=text)
    ctx = ConsoleContext(settings=Settings().validated(), db=db, tz=UTC, training=True, actor=SUPERVISOR)
    tab = ReportsTab(ctx)
    tab.resize(1500, 820)
    tab.show()
    loop = QEventLoop()
    reports_seen: list[object] = []
    tab.report_ready.connect(reports_seen.append)
    tab.since.setDate(QDate(SEED_SINCE))
    tab.until.setDate(QDate(SEED_UNTIL))
    tab.refresh()
    while not reports_seen or tab.report is None or tab.report.since != SEED_SINCE:
        loop.processEvents()
    tab.tables.setCurrentIndex(4)  # the follow-ups list
    for _ in range(30):
        loop.processEvents()
    out = ROOT / "docs" / "screenshots"
    tab.grab().save(str(out / "reports.png"))
    written: list[object] = []
    tab.exported.connect(written.append)
    pdf = tmp / "report.pdf"
    tab.export_pdf(pdf)
    while not written:
        loop.processEvents()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(out / "report-pdf")], check=True)
    QThreadPool.globalInstance().waitForDone()
    db.dispose()
    print("written", out / "reports.png", out / "report-pdf.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
