"""Wiring the intake form into the main window: the tab, its menu actions and shortcuts, draft recovery.

Shortcuts (all in the Threat menu, so F1 lists them): Ctrl+N a new report (the current one stays as a draft),
Ctrl+S or Ctrl+Enter save, Alt+L link to / unlink from the possible duplicate, Ctrl+Shift+A add a suspect,
Ctrl+Shift+D recover drafts. F2 (the tab's own shortcut) shows the form with the cursor in the first field.

The clock can be injected through ``ctx.clock`` (a callable returning an aware datetime), so that tests
and training scenarios can put "April 12" in the near future.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import shiboken6
from PySide6.QtWidgets import QWidget

from dispatch_console.services import drafts
from dispatch_console.services.drafts import DraftView
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.intake.drafts_dialog import DraftsDialog
from dispatch_console.ui.intake.eido_import import install_eido_import
from dispatch_console.ui.intake.form import IntakeForm
from dispatch_console.ui.main_window import MainWindow
from dispatch_console.ui.worker import run_in_background

ACTIONS = ("new_threat", "save_threat", "link_duplicate", "add_suspect", "recover_drafts")


class IntakeTab(IntakeForm):
    """The form as a workspace tab: knows its window, offers drafts back, reacts only when it is shown."""

    def __init__(self, ctx: ConsoleContext, window: MainWindow, *, now: Callable[[], datetime] | None) -> None:
        super().__init__(ctx, now=now)
        self.window_ = window
        self.drafts_dialog: DraftsDialog | None = None
        self.setFocusProxy(self.first_field())  # F2 shows the tab and puts the cursor in the first field

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
    tab.offer_drafts()
    return tab


def _alive(tab: IntakeTab, action: Callable[[], object]) -> Callable[[], None]:
    """After sign-out the tab is deleted but a shortcut may still fire before the next sign-in rebuilds it."""

    def run() -> None:
        if shiboken6.isValid(tab) and tab.ctx.actor is not None:
            action()

    return run


def _remove_actions(window: MainWindow) -> None:
    for name in ACTIONS:
        action = window.actions_by_name.pop(name, None)
        if action is not None:
            window.removeAction(action)
            window.menus["Threat"].removeAction(action)
            action.deleteLater()
