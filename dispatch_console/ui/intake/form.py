"""The intake form: one call, typed while the caller talks, saved with Ctrl+S (or Ctrl+Enter).

Three promises shape it:

* **Ready at once, keyboard only.** Opening a form focuses the first field; Tab walks the fields in reading order
  (set explicitly, because suspects added later would otherwise land at the end of the focus chain); the statement
  and narrative take Tab as "next field", not as a tab character.
* **Never lose a word.** Every change restarts a 500 ms timer that stores the whole form as a draft in the database
  (on a one-thread pool, so a draft write can never land after the save that deletes it). A failed save keeps every
  character and shows what is wrong next to the field.
* **Show the consequences live.** The threatened time is read as it is typed and said back in words with a countdown
  ticking every second; the priority and its reasons, and possible duplicates of open threats, follow the typing.

Database work runs off the GUI thread through ``worker.run_in_background``; everything else here is domain logic
that takes microseconds (parsing, priority, validation), so it runs on every keystroke.

The form is built in layers, one module each: ``layout`` (widgets, reading order, suspects), ``site_lookup`` (the
site directory), ``live`` (time, priority, problems), ``duplicate_check``, ``draft_state`` (blank report, drafts)
and this module, which assembles them and owns the save flow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QLabel

from dispatch_console.db.engine import CommitInDoubt
from dispatch_console.domain.duplicates import DuplicateMatch
from dispatch_console.domain.sites import Site
from dispatch_console.domain.text import plural
from dispatch_console.domain.timeparse import TimeParse
from dispatch_console.services import local_drafts
from dispatch_console.services.intake import SavedThreat, ValidationFailed
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.intake.draft_state import DRAFT_FORMAT, IntakeDrafts
from dispatch_console.ui.intake.site_lookup import NOT_IN_DIRECTORY
from dispatch_console.ui.intake.suspects import SuspectPanel
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

__all__ = ["DRAFT_DELAY_MS", "DRAFT_FORMAT", "DUPLICATE_DELAY_MS", "NOT_IN_DIRECTORY", "IntakeForm"]

DRAFT_DELAY_MS = 500
DUPLICATE_DELAY_MS = 600


class IntakeForm(IntakeDrafts):
    """One threat report being typed.

    Signals (declared on :class:`~dispatch_console.ui.intake.layout.IntakeLayout`):
        saved: A report was saved (``SavedThreat``); the form is already reset for the next call.
        draft_saved: The draft with this id was committed (used by tests and the crash-recovery check).
        save_failed: Saving failed; the argument is the message shown.
        sites_loaded: The site directory arrived from the database (the type-ahead works from then on).
    """

    def __init__(
        self, ctx: ConsoleContext, *, now: Callable[[], datetime] | None = None, sites: list[Site] | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(ctx.tz))
        self.sites: list[Site] = []
        self._by_completion: dict[str, Site] = {}
        self.site: Site | None = None
        self._filled: dict[str, str] = {}  # values the directory filled in (they may be replaced by another site)
        self.time_reading: TimeParse | None = None
        self.linked_to: str | None = None
        self.matches: list[DuplicateMatch] = []
        self.suspect_panels: list[SuspectPanel] = []
        self.errors: dict[str, QLabel] = {}
        self.saving = False
        self._restoring = False
        self._live_errors = False
        self._duplicate_query = 0
        self._writes = QThreadPool(self)  # one thread: drafts and the save are written in the order they were made
        self._writes.setMaxThreadCount(1)

        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft_now)
        self._duplicate_timer = QTimer(self, singleShot=True, interval=DUPLICATE_DELAY_MS)
        self._duplicate_timer.timeout.connect(self.check_duplicates)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._update_time_words)

        self._build()
        self.new_report()
        if sites is not None:
            self.set_sites(sites)
        else:
            run_in_background(self._load_sites, self.set_sites, lambda _e: None)

    # --- saving -------------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Check, then save in the background; the form stays as typed until the database says it is saved."""
        if self.saving:
            return
        problems = self.problems()
        if problems:
            self._refuse(problems)
            return
        data, _ = self.to_input()
        self.saving = True
        self._draft_timer.stop()
        self.status.setText("Saving …")
        set_role(self.status, "hint")
        actor = self.ctx.operator
        now = self.now()
        received = self.answered.answered or now
        original = self.answered.stamp if self.answered.corrected else None
        draft_id = self.draft_id
        tz = self.ctx.tz

        def write() -> SavedThreat:  # no writable server → kept locally, filed later (issue 14)
            return local_drafts.save_or_keep(self.ctx.db, local_drafts.default_store(), actor=actor, data=data,
                                             now=now, tz=tz, received_at=received,
                                             answered_original=original, draft_id=draft_id)

        run_in_background(write, self._saved, self._save_failed, pool=self._writes)

    def _refuse(self, problems: dict[str, str]) -> None:
        self._live_errors = True
        self.show_errors(problems)
        count = len(problems)
        message = (f"Not saved: {plural(count, 'problem')} — see the messages next to the fields. "
                   "Nothing you typed was changed.")
        self.status.setText(message)
        set_role(self.status, "error")
        order = self.reading_order()
        widgets = [w for w in (self._widget_for(k) for k in problems) if w is not None]
        if widgets:
            min(widgets, key=lambda w: order.index(w) if w in order else len(order)).setFocus()
        self.save_failed.emit(message)

    def _saved(self, result: SavedThreat) -> None:
        """The case number to read to the caller; everything else shown is the new, empty report's own state.

        The saved report's priority is not repeated here: next to the next call's empty form it would read as
        that call's priority (it is in the queue, where the supervisor works with it).
        """
        self.saving = False
        linked = f", linked to {result.linked_to}" if result.linked_to else ""
        self.new_report(keep_result=True)
        self.result.setText(f"Saved {result.case_number}{linked}")
        self.status.setText("Ready for the next call: the first key you type stamps it as answered.")
        set_role(self.status, "ok")
        self.focus_first_field()
        self.saved.emit(result)

    def _save_failed(self, error: BaseException) -> None:
        self.saving = False
        if isinstance(error, ValidationFailed):
            self._refuse(error.errors)
            return
        if isinstance(error, local_drafts.SavedLocally):
            self.new_report(keep_result=True)
            self.result.setText(str(error))
            self.status.setText(f"{error} Ready for the next call.")
            set_role(self.status, "ok")
            self.focus_first_field()
            return
        if isinstance(error, CommitInDoubt):
            message = ("Not sure it was saved: the database connection broke while saving. Everything you typed is "
                       "kept; check the queue for this report before pressing Ctrl+S again.")
            self.status.setText(message)
            set_role(self.status, "error")
            self._draft_timer.start()
            self.save_failed.emit(message)
            return
        message = (f"Not saved: the database did not accept it ({type(error).__name__}). Everything you typed is "
                   "kept and saved as a draft; press Ctrl+S to try again.")
        self.status.setText(message)
        set_role(self.status, "error")
        self._draft_timer.start()
        self.save_failed.emit(message)
