"""Take a screenshot of the console's main window after a demo sign-in (run under Xvfb for a real X window).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/make_screenshot.py OUT.png \
        [--user supervisor --password training-sv --tab Queue --theme dark]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--user", default="supervisor")
    parser.add_argument("--password", default="training-sv")
    parser.add_argument("--tab", default="")
    parser.add_argument("--theme", default="dark")
    parser.add_argument("--signed-out", action="store_true")
    parser.add_argument("--seed", action="store_true", help="save a few demo threats first (through the services)")
    parser.add_argument("--notify", action="store_true",
                        help="Queue tab: notify the selected threat's units and wait for the acknowledgements")
    parser.add_argument("--sort", default="", help="Queue tab: sort by this column title (as a header click does)")
    parser.add_argument("--size", default="1920x1040", help="window size, WIDTHxHEIGHT (the guide uses 1366x768)")
    parser.add_argument("--first-run", action="store_true", help="the first-run dialog on its live page instead")
    args = parser.parse_args()
    os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="dc-shot-"))

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from dispatch_console.app import Console
    from dispatch_console.settings import Settings
    from dispatch_console.ui.theme import app_icon, apply_theme

    app = QApplication(sys.argv)
    app.setWindowIcon(app_icon())
    apply_theme(app, args.theme)
    if args.first_run:
        from dispatch_console.ui.first_run import FirstRunDialog

        dialog = FirstRunDialog(Settings(theme=args.theme, console_name="dispatch-07").validated())
        dialog.live.setChecked(True)
        dialog.show()
        QTimer.singleShot(800, lambda: (dialog.grab().save(args.output), print(f"saved {args.output}"), app.quit()))
        return app.exec()
    console = Console(settings=Settings(theme=args.theme, console_name="dispatch-07").validated())
    width, height = (int(n) for n in args.size.split("x"))
    console.window.resize(width, height)
    console.window.show()

    def wait(condition, then, budget=400):  # type: ignore[no-untyped-def]
        if condition() or budget <= 0:
            then()
        else:
            QTimer.singleShot(50, lambda: wait(condition, then, budget - 1))

    def seed() -> None:
        from datetime import datetime, timedelta

        from dispatch_console.domain.enums import CallerRelation, Indicator, LearnedHow, Role, TargetKind, Weapon
        from dispatch_console.domain.threat import SuspectInput, ThreatInput
        from dispatch_console.services import intake, sites
        from dispatch_console.services.actor import Actor

        call_taker = Actor("calltaker", "Casey Call-Taker", Role.CALL_TAKER, "dispatch-02")

        tz = console.ctx.tz
        now = datetime.now(tz)
        with console.db.read() as session:
            by_name = {s.name: s for s in sites.all_sites(session)}
        calls = [
            ("Northview High School", [Weapon.FIREARM], [Indicator.SPECIFIC_TARGET, Indicator.SPECIFIC_TIME],
             "They said they will bring a gun after school and shoot up the commons.", timedelta(hours=3, minutes=10),
             "after school", [SuspectInput(age=15, grade="9", description="male student, red hoodie"),
                              SuspectInput(age=15, grade="9", description="male student")]),
            ("Harbor High School", [Weapon.EXPLOSIVE], [Indicator.PLAN_OR_PREPARATION, Indicator.SPECIFIC_TARGET],
             "Post says a pipe bomb will go off in the gym on Friday.", timedelta(days=2), "Friday",
             [SuspectInput(description="unknown account @hhs_revenge")]),
            ("Eastlake High School", [Weapon.KNIFE], [Indicator.SPECIFIC_TARGET], "Student said he'd stab people at lunch.",
             timedelta(hours=26), "tomorrow lunch", [SuspectInput(age=16, grade="10")]),
            ("Riverton Civic Arena", [Weapon.NONE_STATED], [Indicator.REPEATED_SPREADING],
             "Rumour on group chat that something will happen at the concert.", timedelta(days=5), "at the concert",
             []),
            ("Sunset Elementary", [], [Indicator.MENTAL_HEALTH], "Parent overheard an older sibling talking about hurting kids.",
             None, "", [SuspectInput(age=19, description="older sibling")]),
            # two of the demo city's longest names: the Target column must show them whole (or, at 150 %, shortened
            # by their generic words, never cut in the distinguishing part)
            ("Western Heights Middle School", [Weapon.NONE_STATED], [Indicator.SPECIFIC_TARGET],
             "Anonymous note in a locker names the school and 'next week'.", timedelta(days=6), "next week", []),
            ("First Baptist Church of Riverton", [Weapon.NONE_STATED], [Indicator.REPEATED_SPREADING],
             "Caller heard a threat against Sunday service repeated at a bus stop.", timedelta(days=3, hours=20),
             "Sunday", []),
        ]
        with console.db.write() as session:
            for name, weapons, indicators, statement, when, said, suspects in calls:
                site = by_name[name]
                intake.save_threat(session, actor=call_taker, now=now, tz=tz, data=ThreatInput(
                    caller_relation=CallerRelation.PARENT, learned_how=LearnedHow.SOCIAL_MEDIA,
                    target_kind=site.kind or TargetKind.SCHOOL, site_id=site.site_id, target_name=site.name,
                    target_address=site.address, division=site.division, statement=statement,
                    threatened_text=said, threatened_at=None if when is None else now + when, weapons=frozenset(weapons),
                    indicators=frozenset(indicators), suspects=suspects))

    def sign_in() -> None:
        if args.seed:
            seed()
        if args.signed_out:
            QTimer.singleShot(300, shoot)
            return
        console.sign_in.username.setText(args.user)
        console.sign_in.password.setText(args.password)
        console.sign_in.button.click()
        wait(lambda: console.ctx.actor is not None and console.ctx.backend_url != "", choose_tab)

    def choose_tab() -> None:
        for index in range(console.window.tabs.count()):
            if console.window.tabs.tabText(index).startswith(args.tab or "\0"):
                console.window.tabs.setCurrentIndex(index)
                widget = console.window.tabs.widget(index)
                if hasattr(widget, "verify") and hasattr(widget, "search"):  # the Audit tab: show its entries
                    widget.search()
                    widget.verify()
                if hasattr(widget, "select_threat"):
                    wait(lambda w=widget: w.model.rowCount() > 0, lambda w=widget: select_first(w))
                    return
        QTimer.singleShot(1500, shoot)

    def select_first(tab) -> None:  # type: ignore[no-untyped-def]
        if args.sort:
            from dispatch_console.ui.queue.model import COLUMNS

            tab.view.sortByColumn(COLUMNS.index(args.sort), Qt.SortOrder.AscendingOrder)
        tab.select_threat(tab.model.row_at(0).threat_id)
        panel = tab.pane.units_panel
        if not args.notify or panel is None:
            QTimer.singleShot(2500, shoot)
            return
        wait(lambda: bool(panel.model.rows) and panel.notify_button.isEnabled(),
             lambda: (panel.notify(), wait(lambda: "ack" in tab.model.row_at(0).notification_text
                                           and tab.model.row_at(0).acknowledged >= 2,
                                           lambda: QTimer.singleShot(1500, shoot))))

    def shoot() -> None:
        console.window.grab().save(args.output)
        print(f"saved {args.output}")
        app.quit()

    wait(lambda: console.ready, sign_in)
    app.exec()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
