"""The "units not reached" banner of a supervisor console: visible, with a chime, for as long as pages are owed.

Why a widget of its own, on top of the main window rather than in a tab: the alarm concerns a threat the supervisor
may not be looking at, on a console that may be showing Reports. It reads the alarms the escalation step recorded
(:mod:`dispatch_console.services.units_alarm`) once a second in the background, chimes once per new alarm, and
hides by itself when every alarmed threat's pages have reached the backend (or the threat was closed).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.queue.alerts import AlertSound
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

POLL_MS = 1000


class UnitsAlarmBanner(QLabel):
    """Shows the open "units not reached" alarms to a signed-in supervisor (nobody else sees or hears them).

    Args:
        ctx: The console context (database, operator, settings).
        parent: Where the banner lives (the main window's central widget).
    """

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.ctx = ctx
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("Units not reached")
        set_role(self, "error")
        self.hide()
        self.sound = AlertSound(muted=not ctx.settings.alert_sound, parent=self)
        self._last_id = 0
        self._known: list[Any] = []
        self._shown: set[int] = set()
        self._loading = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def refresh(self) -> None:
        """Read new alarms and which are still open, in the background."""
        actor = self.ctx.actor
        if self._loading or self.ctx.db is None or actor is None or not actor.is_supervisor:
            if actor is None or not actor.is_supervisor:
                self.hide()
            return
        self._loading = True
        db, after, known = self.ctx.db, self._last_id, list(self._known)

        def work() -> tuple[list[Any], list[Any]]:
            from dispatch_console.services import units_alarm

            with db.read() as session:
                fresh = units_alarm.alarms_after(session, after_id=after)
                return fresh, units_alarm.still_unreached(session, known + fresh)

        run_in_background(work, self._loaded, self._failed)

    def _failed(self, _error: BaseException) -> None:
        self._loading = False

    def _loaded(self, result: tuple[list[Any], list[Any]]) -> None:
        self._loading = False
        fresh, open_alarms = result
        if fresh:
            self._last_id = fresh[-1].entry_id
        latest: dict[int, Any] = {}
        for alarm in open_alarms:
            latest[alarm.threat_id] = alarm  # the newest alarm of a threat says how long it has been
        self._known = list(latest.values())
        new = [a for a in self._known if a.entry_id not in self._shown]
        if not self._known:
            self.hide()
            return
        self.setText("⚠ " + "\n⚠ ".join(a.text for a in self._known)
                     + "\nThe backend has not taken these pages; reach the units by radio or phone.")
        self.show()
        if new:
            self.sound.play()
            self._record_shown(new)

    def _record_shown(self, alarms: list[Any]) -> None:
        self._shown.update(a.entry_id for a in alarms)
        db, actor = self.ctx.db, self.ctx.actor
        if db is None or actor is None:
            return

        def work() -> None:
            from dispatch_console.services import units_alarm

            with db.write() as session:
                for alarm in alarms:
                    units_alarm.record_shown(session, actor=actor, alarm=alarm)

        run_in_background(work, None, lambda _error: None)


def install_alarm_banner(ctx: ConsoleContext, window: Any) -> UnitsAlarmBanner:
    """Put the banner at the top of the window's central column (under the backend-mode banner)."""
    central = window.centralWidget()
    banner = UnitsAlarmBanner(ctx, central)
    layout = central.layout()
    layout.insertWidget(1, banner)
    return banner
