"""The call's answered time on the form: stamped at the first keystroke, ticking, corrected by keyboard.

Why a module of its own: the answered time is where every response-time figure starts (Reports: call → first
notification, call → first acknowledgement), so it has its own small state - the automatic stamp, the time in force
(the stamp or the call-taker's correction) - and its own widgets in the pinned bar: "answered 14:03:12 (2 min ago)"
ticking every second, and the correction field (``Alt+W``; "14:01", "14:01:30" or "-5" minutes, ``Enter`` applies).
The rules of a correction are the domain's (:mod:`dispatch_console.domain.answered`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit

from dispatch_console.domain.answered import AnsweredTimeError, describe_answered, parse_answered_correction
from dispatch_console.ui.intake.fields import show_error
from dispatch_console.ui.theme import set_role

NOT_YET = "not answered yet: the first key you type stamps the call (F8: answered now)"


class AnsweredClock(QObject):
    """The answered time of the report being typed.

    Attributes:
        stamp: The automatic stamp (first keystroke or F8), ``None`` before the call was answered.
        answered: The time in force: the stamp, or the call-taker's correction.

    Signals:
        changed: The answered time was stamped or corrected (the form stores its draft).
    """

    changed = Signal()

    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.now = now
        self.stamp: datetime | None = None
        self.answered: datetime | None = None
        self.label = QLabel(NOT_YET)
        self.label.setAccessibleName("Call answered")
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Correct the answered time")
        self.edit.setPlaceholderText("correct: 14:01 or -5")
        self.edit.setMaximumWidth(170)
        self.edit.returnPressed.connect(self.apply_correction)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Answered time: problem")
        set_role(self.error, "error")
        self.error.hide()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.show)

    @property
    def corrected(self) -> bool:
        return self.answered is not None and self.stamp is not None and self.answered != self.stamp

    def reset(self) -> None:
        """A new, empty report: not answered yet."""
        self.stamp = self.answered = None
        self.edit.clear()
        show_error(self.error, "")
        self.show()

    def stamp_now(self) -> None:
        """The call was answered now (first keystroke into an empty report, or F8 before typing)."""
        if self.stamp is None:
            self.stamp = self.answered = self.now().replace(microsecond=0)
            self.show()
            self.changed.emit()

    def answered_now(self) -> None:
        """F8: the call is answered now; after a stamp, this is a correction (the stamp is kept and audited)."""
        if self.stamp is None:
            self.stamp_now()
            return
        self.answered = self.now().replace(microsecond=0)
        self.show()
        self.changed.emit()

    def apply_correction(self) -> bool:
        """Enter in the correction field: the typed time is in force, or its problem is shown next to it."""
        text = self.edit.text()
        if not text.strip():
            if self.stamp is not None:
                self.answered = self.stamp
            show_error(self.error, "")
            self.show()
            self.changed.emit()
            return True
        now = self.now()
        try:
            moment = parse_answered_correction(text, now=now)
        except AnsweredTimeError as error:
            show_error(self.error, str(error))
            return False
        if self.stamp is None:
            self.stamp = now.replace(microsecond=0)
        self.answered = moment
        show_error(self.error, "")
        self.show()
        self.changed.emit()
        return True

    def restore(self, answered: datetime | None, stamp: datetime | None) -> None:
        """A draft's answered time (and the stamp it corrected, if any)."""
        self.stamp = stamp or answered
        self.answered = answered
        self.edit.setText(f"{answered:%H:%M:%S}" if answered is not None and self.corrected else "")
        self.show()

    def show(self) -> None:
        """Say the answered time in words (ticking every second while there is one)."""
        if self.answered is None:
            self._tick.stop()
            self.label.setText(NOT_YET)
            self._role("hint")
            return
        text = describe_answered(self.answered, self.now())
        if self.corrected and self.stamp is not None:
            text += f", corrected from {self.stamp.astimezone(self.answered.tzinfo):%H:%M:%S}"
        self.label.setText(text)
        self._role("ok")
        if not self._tick.isActive():
            self._tick.start()

    def _role(self, role: str) -> None:
        if self.label.property("role") != role:  # restyling every second would cost a polish each tick
            set_role(self.label, role)
