"""The operator's text size: Ctrl+= larger, Ctrl+- smaller, Ctrl+0 back to normal, kept per operator.

The size is a scale on the stylesheet's point sizes (see ``theme.apply_theme``); widgets lay themselves out again
from their new font metrics, and the queue refits its columns (``QueueColumns`` listens for the font change).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from dispatch_console.ui import operator_prefs
from dispatch_console.ui.theme import apply_theme

NORMAL_PT = 10.5  # the themes' text size
POINTS = (8.5, 9.5, 10.5, 12.0, 13.5, 15.0, 17.0, 19.0, 21.0)
STEPS = tuple(points / NORMAL_PT for points in POINTS)  # scales of every size in the stylesheet


class TextSize:
    """Owns the scale for the signed-in operator and the three View-menu actions."""

    def __init__(self, window: Any, operator: str, theme: str) -> None:
        self.operator, self.theme = operator, theme
        saved = operator_prefs.read(operator, "text_scale", 1.0)
        try:
            self.scale = min(STEPS, key=lambda step: abs(step - float(saved)))
        except (TypeError, ValueError):
            self.scale = 1.0
        # Named "tab_…" so the main window removes them with the tabs at sign-out.
        window.add_action("View", "tab_text_larger", "&Larger text", "Ctrl+=", self.larger,
                          extra_shortcuts=("Ctrl++",))
        window.add_action("View", "tab_text_smaller", "&Smaller text", "Ctrl+-", self.smaller)
        window.add_action("View", "tab_text_normal", "&Normal text size", "Ctrl+0", self.normal)
        self.apply()

    def larger(self) -> None:
        self.set(STEPS[min(STEPS.index(self.scale) + 1, len(STEPS) - 1)])

    def smaller(self) -> None:
        self.set(STEPS[max(STEPS.index(self.scale) - 1, 0)])

    def normal(self) -> None:
        self.set(1.0)

    def set(self, scale: float) -> None:
        self.scale = scale
        operator_prefs.write(self.operator, "text_scale", scale)
        self.apply()

    def apply(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme = str(app.property("theme") or self.theme)
            if float(app.property("text_scale") or 1.0) != self.scale:
                apply_theme(app, theme, self.scale)

    @property
    def point_size(self) -> float:
        return round(NORMAL_PT * self.scale, 1)


def install_text_size(ctx: Any, window: Any) -> TextSize:
    """After sign-in: the operator's saved text size, and the actions to change it."""
    operator = ctx.actor.username if ctx.actor is not None else ""
    size = TextSize(window, operator, ctx.settings.theme)
    window.text_size = size
    return size
