"""Dark, light and high-contrast themes from the stylesheets in ``resources/styles``, the text size, and the icon.

The text size is a scale on every ``pt`` size in the stylesheet (the stylesheet's fonts win over the application
font), so the operator's Ctrl+= / Ctrl+- reaches every widget and the layouts follow.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from dispatch_console.resources import resource

THEMES = ("dark", "light", "high-contrast")
_POINTS = re.compile(r"(\d+(?:\.\d+)?)pt")


def apply_theme(app: QApplication, name: str, scale: float | None = None) -> None:
    """Style the whole application; ``scale`` (default: the one in use) multiplies every text size."""
    name = name if name in THEMES else "dark"
    if scale is None:
        scale = float(app.property("text_scale") or 1.0)
    path = resource("styles", f"{name}.qss")
    sheet = path.read_text(encoding="utf-8").replace("@RES@", resource().as_posix())
    if scale != 1.0:
        sheet = _POINTS.sub(lambda m: f"{float(m.group(1)) * scale:.1f}pt", sheet)
    app.setProperty("theme", name)
    app.setProperty("text_scale", scale)
    app.setStyleSheet(sheet)


def app_icon() -> QIcon:
    return QIcon(str(resource("icons", "app.svg")))


def set_role(widget: QWidget, role: str) -> None:
    """Restyle a label or button by its ``role`` property (error, hint, ok, banner-…)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
