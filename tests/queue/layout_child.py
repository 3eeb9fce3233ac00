"""Child process of the queue layout test: a supervisor's console on one real screen, the queue and its pane measured.

Run as ``python -m tests.queue.layout_child WIDTH HEIGHT [THEME] [PNG]`` through :func:`tests.screen_child.run_child`
(the screen and ``QT_SCALE_FACTOR`` come from the environment it sets). The queue holds the demo city's longest site
names (``resources/demo/sites.csv``), two Eastlake schools and every alert word: "★ NEW" (a P1 arriving while the
queue is open), "NOT NOTIFIED …", "⚠ ACK OVERDUE · ✖ FAILED", "⏰ follow-up overdue", a "⚠ in … min" countdown and
the widest one ("in 1 day 23 h"). The threat at the longest school is selected, so the detail pane is open, with
units whose reasons and failure read as long as the real ones. Prints one JSON object: what is cut off and where.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from datetime import timedelta

os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="queue-layout-"))

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dispatch_console.app import Console
from dispatch_console.db.models import FollowUp, Notification
from dispatch_console.domain.enums import Role, UnitKind
from dispatch_console.services import triage
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from dispatch_console.settings import Settings
from dispatch_console.ui.queue.columns import ALWAYS
from dispatch_console.ui.queue.model import COL_ALERTS, COL_TARGET, COLUMNS, ROW_ROLE
from dispatch_console.ui.queue.tab import QueueTab
from dispatch_console.ui.theme import apply_theme
from dispatch_console.ui.units.full_text import REASON_COLUMN, STATE_COLUMN
from tests.queue.factories import add_notification, add_threat
from tests.screen_child import ROOT, cut_cells, elided_cells, maximize, sign_in, text_rect, wait

SUPERVISOR = Actor("supervisor", "Sam Supervisor", Role.SUPERVISOR, "geometry", True)
LONGEST = 6  # the demo city's longest site names
FAILURE = "the backend could not deliver it: the unit's device did not answer within 90 s (no route to host)"


def demo_sites() -> list[tuple[str, str, str, str]]:
    """(name, kind, division, SRO unit) of every demo site, longest name first."""
    with (ROOT / "resources" / "demo" / "sites.csv").open(encoding="utf-8") as handle:
        sites = [(r["name"], r["kind"], r["division"], r["sro_unit"]) for r in csv.DictReader(handle)]
    return sorted(sites, key=lambda site: -len(site[0]))


def seed(console: Console) -> tuple[int, list[str]]:
    """Save the threats; return the id of the one to select and the site names (as stored)."""
    sites = demo_sites()[:LONGEST]
    school = next(site for site in sites if site[1] == "school")
    names = []
    with console.db.write() as s:
        chosen = add_threat(s, priority="P1", target_name=school[0], target_kind="school", division=school[2],
                            threatened_in=timedelta(minutes=42), received_ago=timedelta(minutes=9),
                            ack_overdue=True)
        for priority, (name, kind, division, _sro) in zip(("P1", "P2", "P2", "P3", "P4", "P4"), sites, strict=False):
            if name == school[0]:
                continue
            add_threat(s, priority=priority, target_name=name, target_kind=kind, division=division,
                       threatened_in=timedelta(days=1, hours=23, minutes=30), received_ago=timedelta(minutes=50))
        names = [site[0] for site in sites]
        for name, priority in (("Eastlake High School", "P2"), ("Eastlake Middle School", "P2")):
            add_threat(s, priority=priority, target_name=name, division="East", received_ago=timedelta(minutes=3))
            names.append(name)
        overdue = add_threat(s, priority="P3", target_name="Riverton Medical Center", target_kind="workplace",
                             division="East", threatened_in=None)
        s.add(FollowUp(threat_id=overdue, due_at=utcnow() - timedelta(hours=1), owner="CIT", text="check-in",
                       created_by="supervisor", created_at=utcnow()))
        names.append("Riverton Medical Center")
    reasons = ((school[3], UnitKind.SRO, f"proposed: school resource officer for {school[0]}"),
               (f"{school[2][:3].upper()}-P1", UnitKind.PATROL, f"proposed: patrol, {school[2]} division (P1: all "
                                                               "available)"),
               ("JUV-1", UnitKind.JUVENILE, "proposed: juvenile suspect: juvenile detectives"))
    for unit, kind, reason in reasons:
        with console.db.write() as s:
            version = triage.load_rows(s, [chosen])[0].version
            triage.assign_unit(s, actor=SUPERVISOR, threat_id=chosen, expected_version=version, unit_id=unit,
                               kind=kind, division=school[2], reason=reason)
    with console.db.write() as s:
        add_notification(s, threat_id=chosen, unit_id=reasons[0][0], state="acknowledged")
        add_notification(s, threat_id=chosen, unit_id=reasons[1][0], state="failed")
        add_notification(s, threat_id=chosen, unit_id=reasons[2][0], state="delivered")
        failed = s.get(Notification, f"{chosen}-{reasons[1][0]}")
        assert failed is not None
        failed.last_error = FAILURE
    return chosen, names


def main() -> int:
    theme = sys.argv[3] if len(sys.argv) > 3 else "dark"
    png = sys.argv[4] if len(sys.argv) > 4 else ""
    app = QApplication(sys.argv)
    apply_theme(app, theme)
    console = Console(settings=Settings(timezone="America/Chicago", console_name="geometry",
                                        alert_sound=False).validated())
    maximize(console.window)
    console.window.show()
    wait(lambda: console.ready)
    chosen, names = seed(console)
    sign_in(console, "supervisor", "training-sv")
    assert wait(lambda: console.workspace.complete), "the workspace was never built"
    tabs = console.window.tabs
    tab = next(tabs.widget(i) for i in range(tabs.count()) if isinstance(tabs.widget(i), QueueTab))
    tabs.setCurrentWidget(tab)
    assert wait(lambda: tab.model.rowCount() == len(names)), "the queue never loaded"
    with console.db.write() as s:  # a P1 arriving while the queue is open: "★ NEW"
        add_threat(s, priority="P1", target_name="Northview High School", division="North",
                   threatened_in=timedelta(hours=3, minutes=10), received_ago=timedelta(seconds=20))
    assert wait(lambda: tab.model.rowCount() == len(names) + 1), "the new P1 never arrived"
    tab.select_threat(chosen)
    panel = tab.pane.units_panel
    assert panel is not None
    assert wait(lambda: any(r.failed for r in panel.model.rows) and all(
        r.unit_status != "unknown (not on the roster)" for r in panel.model.rows)), "the units never loaded"
    QTest.qWait(400)  # the columns and rows settle after the last re-read

    view = tab.view
    shown = {str(tab.proxy.index(r, COL_TARGET).data(ROW_ROLE).target_name): r for r in range(tab.proxy.rowCount())}
    names_cut = []
    displayed = {}
    for name, row in shown.items():
        index = tab.proxy.index(row, COL_TARGET)
        rect, option = text_rect(view, index, view.columnWidth(COL_TARGET), view.rowHeight(row))
        metrics = QFontMetricsF(option.font)
        seen = metrics.elidedText(option.text, view.textElideMode(), rect.width())
        displayed[name] = seen
        if not seen.startswith(name):
            names_cut.append(seen)
    alerts = sorted({str(tab.proxy.index(r, COL_ALERTS).data()) for r in range(tab.proxy.rowCount())} - {""})
    units = panel.table
    result = {
        "screen": [app.primaryScreen().geometry().width(), app.primaryScreen().geometry().height()],
        "window": [console.window.width(), console.window.height()],
        "splitter": tab.splitter.sizes(),
        "pane_minimum": tab.pane.minimumSizeHint().width(),
        "viewport": view.viewport().width(),
        "header": view.horizontalHeader().length(),
        "horizontal_scrollbar": view.horizontalScrollBar().isVisible(),
        "hidden": [COLUMNS[c] for c in range(len(COLUMNS)) if view.isColumnHidden(c)],
        "widths": {COLUMNS[c]: view.columnWidth(c) for c in range(len(COLUMNS)) if not view.isColumnHidden(c)},
        "elided": elided_cells(view, [c for c in ALWAYS if c != COL_TARGET]),
        "names_cut": names_cut,
        "targets": displayed,
        "alerts": alerts,
        "units_cut": cut_cells(units, [REASON_COLUMN, STATE_COLUMN]),
        "units_horizontal_scrollbar": units.horizontalScrollBar().isVisible(),
        "units_rows_in_view": sum(units.rowViewportPosition(r) >= 0 and units.rowViewportPosition(r)
                                  + units.rowHeight(r) <= units.viewport().height()
                                  for r in range(units.model().rowCount())),
        "units_widths": [units.columnWidth(c) for c in range(units.model().columnCount())],
        "units_reasons": [str(units.model().index(r, REASON_COLUMN).data()) for r in range(units.model().rowCount())],
        "units_states": [str(units.model().index(r, STATE_COLUMN).data()) for r in range(units.model().rowCount())],
    }
    if png:
        console.window.grab().save(png)
    print(json.dumps(result))
    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
