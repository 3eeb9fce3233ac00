"""Wiring the intake form into the main window: the tab, its menu actions and shortcuts, draft recovery.

Shortcuts (all in the Threat menu, so F1 lists them): Ctrl+N a new report (the current one stays as a draft),
Ctrl+S or Ctrl+Enter save, Alt+L link to / unlink from the possible duplicate, Ctrl+Shift+A add a suspect,
Ctrl+Shift+D recover drafts, F8 "call answered now". F2 (the tab's own shortcut) shows the form with the cursor in
the first field.

Quitting (Ctrl+Q, the window's close button) or signing out with a report in progress writes its draft at once,
synchronously, before anything else: nothing typed a moment before is left to the 500 ms draft timer. A quit then
asks first, with "Stay" the default (Enter, Esc); "Quit" is Q.

The clock can be injected through ``ctx.clock`` (a callable returning an aware datetime), so that tests
and training scenarios can put "April 12" in the near future.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from dispatch_console.services import drafts
from dispatch_console.services.drafts import DraftView
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.intake.drafts_dialog import DraftsDialog
from dispatch_console.ui.intake.eido_import import install_eido_import
from dispatch_console.ui.intake.form import IntakeForm
from dispatch_console.ui.main_window import MainWindow
from dispatch_console.ui.worker import run_in_background

T = TypeVar("T")

ACTIONS = ("new_threat", "save_threat", "link_duplicate", "add_suspect", "recover_drafts", "call_answered")
QUIT_QUESTION = "A report is in progress. Its draft is saved; quit anyway?"


class IntakeTab(IntakeForm):
    """The form as a workspace tab: knows its window, offers drafts back, reacts only when it is shown."""

    def __init__(self, ctx: ConsoleContext, window: MainWindow, *, now: Callable[[], datetime] | None) -> None:
        super().__init__(ctx, now=now)
        self.window_ = window
        self.drafts_dialog: DraftsDialog | None = None
        self.quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self.setFocusProxy(self.first_field())  # F2 shows the tab and puts the cursor in the first field
        window.work_savers["intake"] = _alive_or(self, self.write_draft_at_once, None)
        window.quit_guards["intake"] = _alive_or(self, self.confirm_quit, True)

    def write_draft_at_once(self) -> None:
        """Write the report in progress as its draft now, on this thread, after any draft already queued."""
        self._draft_timer.stop()
        self._writes.waitForDone()
        if self.saving or self.is_blank() or self.ctx.actor is None:
            return
        actor, draft_id, data = self.ctx.operator, self.draft_id, self.state()
        with self.ctx.db.write() as session:
            drafts.save_draft(session, actor=actor, draft_id=draft_id, data=data)
        self.draft_saved.emit(draft_id)

    def confirm_quit(self) -> bool:
        """May the window close now? Not with a report in progress: ask first (its draft is already written).

        The question is window-modal but not a nested event loop (``open``, not ``exec``): the quit is refused for
        now, and "Quit" closes the window again, this time with the answer given. The default is to stay.
        """
        if self._quit_confirmed or self.is_blank() or self.ctx.actor is None:
            return True
        if self.quit_box is None:
            box = QMessageBox(QMessageBox.Icon.Question, "Quit?", QUIT_QUESTION, parent=self.window_)
            stay = box.addButton("&Stay", QMessageBox.ButtonRole.RejectRole)
            leave = box.addButton("&Quit", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(stay)
            box.setEscapeButton(stay)
            box.finished.connect(lambda _r: self._quit_answered(box.clickedButton() is leave))
            self.quit_box = box
            box.open()
        return False

    def _quit_answered(self, leave: bool) -> None:
        self.quit_box = None
        if leave:
            self._quit_confirmed = True
            self.window_.close()
        elif self.window_.tabs.currentWidget() is not self:
            self.window_.tabs.setCurrentWidget(self)  # show the report that kept the console open

    def shown(self) -> bool:
        return self.isVisible() and self.window_.tabs.currentWidget() is self and not self.window_.locked

    def open_new(self) -> None:
        """Ctrl+N: a blank form, cursor in the first field; a report in progress stays as a draft."""
        if self.window_.locked:
            return
        if not self.is_blank():
            self.save_draft_now()
        self.new_report()
        self.window_.tabs.setCurrentWidget(self)
        self.focus_first_field()

    def when_shown(self, action: Callable[[], object]) -> Callable[[], None]:
        """``action`` only while this form is the visible tab (the shortcuts are application-wide)."""

        def run() -> None:
            if shiboken6.isValid(self) and self.shown():
                action()

        return run

    def offer_drafts(self) -> None:
        """List this operator's drafts in the background; if there are any, offer them back."""
        operator = self.ctx.operator.username

        def load() -> list[DraftView]:
            with self.ctx.db.read() as session:
                return drafts.list_drafts(session, operator=operator)

        run_in_background(load, self._show_drafts, lambda _e: None)

    def _show_drafts(self, views: list[DraftView]) -> None:
        views = [v for v in views if v.draft_id != self.draft_id]
        if not views or self.ctx.actor is None:
            return
        dialog = DraftsDialog(views, self.window_)
        dialog.restore_requested.connect(self._recover)
        dialog.discard_requested.connect(self._discard)
        self.drafts_dialog = dialog
        dialog.open()

    def _recover(self, view: DraftView) -> None:
        actor = self.ctx.operator
        if not self.is_blank():
            self.save_draft_now()

        def recover() -> DraftView | None:
            with self.ctx.db.write() as session:
                return drafts.recover_draft(session, actor=actor, draft_id=view.draft_id)

        def done(found: DraftView | None) -> None:
            if found is not None:
                self.restore(found.data, found.draft_id)
                self.window_.tabs.setCurrentWidget(self)
                self.focus_first_field()

        run_in_background(recover, done, lambda _e: None)

    def _discard(self, view: DraftView) -> None:
        actor = self.ctx.operator

        def discard() -> bool:
            with self.ctx.db.write() as session:
                return drafts.delete_draft(session, actor=actor, draft_id=view.draft_id)

        run_in_background(discard, None, lambda _e: None)


def build_intake_tab(ctx: ConsoleContext, window: MainWindow) -> QWidget:
    """Build the intake tab, add its actions to the Threat menu and offer the operator's drafts back."""
    tab = IntakeTab(ctx, window, now=ctx.clock)
    _remove_actions(window)  # a previous sign-in's actions point at a form that no longer exists
    window.add_action("Threat", "new_threat", "&New threat report", "Ctrl+N", _alive(tab, tab.open_new))
    window.add_action("Threat", "save_threat", "&Save threat report", "Ctrl+S", tab.when_shown(tab.save),
                      extra_shortcuts=("Ctrl+Return", "Ctrl+Enter"))
    window.add_action("Threat", "link_duplicate", "&Link to possible duplicate", "Alt+L",
                      tab.when_shown(tab.toggle_link))
    window.add_action("Threat", "add_suspect", "Add s&uspect", "Ctrl+Shift+A", tab.when_shown(tab.add_suspect))
    window.add_action("Threat", "recover_drafts", "&Recover unsaved reports …", "Ctrl+Shift+D",
                      _alive(tab, tab.offer_drafts))
    install_eido_import(tab, window)  # File → Import EIDO, and EIDO files dropped on the form (eido_import.py)
    window.add_action("Threat", "call_answered", "Call &answered now", "F8",
                      tab.when_shown(tab.answered.answered_now))
    tab.offer_drafts()
    return tab


def _alive(tab: IntakeTab, action: Callable[[], object]) -> Callable[[], None]:
    """After sign-out the tab is deleted but a shortcut may still fire before the next sign-in rebuilds it."""

    def run() -> None:
        if shiboken6.isValid(tab) and tab.ctx.actor is not None:
            action()

    return run


def _alive_or(tab: IntakeTab, action: Callable[[], T], otherwise: T) -> Callable[[], T]:
    """``action`` while the tab exists (a sign-out deletes it), else ``otherwise``."""

    def run() -> T:
        return action() if shiboken6.isValid(tab) else otherwise

    return run


def _remove_actions(window: MainWindow) -> None:
    for name in ACTIONS:
        action = window.actions_by_name.pop(name, None)
        if action is not None:
            window.removeAction(action)
            window.menus["Threat"].removeAction(action)
            action.deleteLater()
