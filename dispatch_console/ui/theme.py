"""Dark and light themes from the stylesheets in ``resources/styles``, and the application icon."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from dispatch_console.resources import resource

THEMES = ("dark", "light")


def apply_theme(app: QApplication, name: str) -> None:
    path = resource("styles", f"{name if name in THEMES else 'dark'}.qss")
    sheet = path.read_text(encoding="utf-8").replace("@RES@", resource().as_posix())
    app.setStyleSheet(sheet)
    app.setProperty("theme", name)


def app_icon() -> QIcon:
    return QIcon(str(resource("icons", "app.svg")))


def set_role(widget: QWidget, role: str) -> None:
    """Restyle a label or button by its ``role`` property (error, hint, ok, banner-…)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
