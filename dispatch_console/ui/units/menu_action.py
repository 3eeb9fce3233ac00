"""The Threat-menu actions of the units panels: "Notify designated units" (Ctrl+Shift+N) and "Retry failed
notifications" (Ctrl+Shift+Y), each ONE window action shared by every units panel of the window.

Why a module of its own: the window has one action for possibly several panels (the queue's detail pane, a
free-standing panel); choosing the panel that acts - focused first, then the one showing the queue's current threat,
then any visible one - is window wiring, not the panel's layout or its data. It knows the panel only through the
small :class:`ActingPanel` interface, so the panel imports this module and not the other way round.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

from dispatch_console.ui.context import ConsoleContext

NOTIFY_SHORTCUT = "Ctrl+Shift+N"
RETRY_SHORTCUT = "Ctrl+Shift+Y"


class ActingPanel(Protocol):
    """What the window's actions need of a units panel (``UnitsPanel`` is one)."""

    @property
    def threat_id(self) -> int | None: ...

    def notify_from_menu(self) -> None: ...

    def retry_failed(self) -> None: ...

    def isVisible(self) -> bool: ...

    def hasFocus(self) -> bool: ...

    def isAncestorOf(self, child: QWidget) -> bool: ...


# (window action name, menu text, shortcut, what it asks the chosen panel to do)
PANEL_ACTIONS: tuple[tuple[str, str, str, Callable[[ActingPanel], None]], ...] = (
    ("notify_units", "&Notify designated units", NOTIFY_SHORTCUT, lambda p: p.notify_from_menu()),
    ("retry_failed", "Retry &failed notifications", RETRY_SHORTCUT, lambda p: p.retry_failed()),
)


def register_panel_actions(panel: ActingPanel, anchor: QWidget, ctx: ConsoleContext, window: Any) -> None:
    """Register ``panel`` with the window's Notify and Retry actions (created by the first panel).

    Args:
        panel: The panel being built.
        anchor: The panel as a widget (where the shortcuts live when there is no window).
        ctx: The console context (the queue's current threat decides between panels).
        window: The main window (``None`` or a bare widget in tests: the shortcuts then live on the panel itself).
    """
    if window is None or not hasattr(window, "add_action"):
        for _name, _text, shortcut, act in PANEL_ACTIONS:
            key = QShortcut(QKeySequence(shortcut), anchor)
            key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            key.activated.connect(lambda act=act: act(panel))
        return
    panels: list[weakref.ref[ActingPanel]] | None = getattr(window, "_units_panels", None)
    if panels is None:
        panels = []
        window._units_panels = panels
    panels.append(weakref.ref(panel))
    for name, text, shortcut, act in PANEL_ACTIONS:
        if name not in window.actions_by_name:
            window.add_action("Threat", name, text, shortcut,
                              lambda act=act: act_through_best_panel(panels, ctx, act))


def act_through_best_panel(
    panels: list[weakref.ref[ActingPanel]], ctx: ConsoleContext, act: Callable[[ActingPanel], None]
) -> None:
    """The window action: the focused panel first, then the one showing the queue's current threat."""
    live = [p for ref in panels if (p := ref()) is not None and shiboken6.isValid(p)]
    panels[:] = [weakref.ref(p) for p in live]
    if not live:
        return
    focus = QApplication.focusWidget()
    current_id = ctx.current_threat_id()
    chosen = next((p for p in live if focus is not None and (p.hasFocus() or p.isAncestorOf(focus))), None)
    chosen = chosen or next((p for p in live if current_id is not None and p.threat_id == current_id), None)
    chosen = chosen or next((p for p in live if p.isVisible()), live[0])
    act(chosen)
