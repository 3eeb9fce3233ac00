"""The Threat-menu action "Notify designated units" (Ctrl+Shift+N), shared by every units panel of a window.

Why a module of its own: the window has ONE action for possibly several panels (the queue's detail pane, a
free-standing panel); choosing the panel that acts - focused first, then the one showing the queue's current threat,
then any visible one - is window wiring, not the panel's layout or its data.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from dispatch_console.ui.context import ConsoleContext

if TYPE_CHECKING:
    from dispatch_console.ui.units.panel import UnitsPanel

NOTIFY_SHORTCUT = "Ctrl+Shift+N"


def register_notify_action(panel: UnitsPanel, window: Any) -> None:
    """One Threat-menu action per window; it acts through the panel that has the focus or shows the queue's
    current threat (the queue's detail pane and any other panel can coexist without fighting over the key).

    Args:
        panel: The panel being built.
        window: The main window (``None`` or a bare widget in tests: the shortcut then lives on the panel itself).
    """
    if window is None or not hasattr(window, "add_action"):
        shortcut = QShortcut(QKeySequence(NOTIFY_SHORTCUT), panel)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(panel._notify_from_menu)
        return
    panels: list[weakref.ref[UnitsPanel]] | None = getattr(window, "_units_panels", None)
    if panels is None:
        panels = []
        window._units_panels = panels
    panels.append(weakref.ref(panel))
    if "notify_units" not in window.actions_by_name:
        window.add_action("Threat", "notify_units", "&Notify designated units", NOTIFY_SHORTCUT,
                          lambda: notify_through_best_panel(panels, panel.ctx))


def notify_through_best_panel(panels: list[weakref.ref[UnitsPanel]], ctx: ConsoleContext) -> None:
    """The window action: the focused panel first, then the one showing the queue's current threat."""
    live = [p for ref in panels if (p := ref()) is not None and shiboken6.isValid(p)]
    panels[:] = [weakref.ref(p) for p in live]
    if not live:
        return
    focus = QApplication.focusWidget()
    current = ctx.services.get("current_threat_id")
    current_id = current() if callable(current) else None
    chosen = next((p for p in live if focus is not None and (p is focus or p.isAncestorOf(focus))), None)
    chosen = chosen or next((p for p in live if current_id is not None and p.threat_id == current_id), None)
    chosen = chosen or next((p for p in live if p.isVisible()), live[0])
    chosen._notify_from_menu()
