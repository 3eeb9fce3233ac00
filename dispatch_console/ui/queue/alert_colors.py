"""The queue's alert colours, one set per theme, each chosen to reach WCAG AA contrast on that theme's table.

Colours only come on top of the words (see ``alert_words.py``). The dark set is light on near-black, the light set
dark on white, the high-contrast set pure hues on black ("unit-failed" is the units table's red, on its plain
background only); ``tests/ui/test_contrast.py`` measures every one of them
from the running widgets. Orange and pink stay apart for deuteranopia/protanopia.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

_SETS = {
    "dark": {
        "p1": "#ff9466", "soon": "#f0b429", "ack-overdue": "#ff8fc0", "failed": "#ff8a80", "new-p1": "#ffb38a",
        "not-notified": "#ffc46b", "follow-up-overdue": "#ff8fc0",
        "new": "#3a2116", "waiting-row": "#6b2a00", "waiting-text": "#ffffff", "unit-failed": "#e5484d",
    },
    "light": {
        "p1": "#b23c00", "soon": "#7a5000", "ack-overdue": "#a3154f", "failed": "#b00020", "new-p1": "#9c3400",
        "not-notified": "#8f4300", "follow-up-overdue": "#a3154f",
        "new": "#fde3d6", "waiting-row": "#ffd08a", "waiting-text": "#000000", "unit-failed": "#b00020",
    },
    "high-contrast": {
        "p1": "#ffb000", "soon": "#ffff00", "ack-overdue": "#ff80ff", "failed": "#ff6e6e", "new-p1": "#ffb000",
        "not-notified": "#ffff00", "follow-up-overdue": "#ff80ff",
        "new": "#000000", "waiting-row": "#ffff00", "waiting-text": "#000000", "unit-failed": "#ff6e6e",
    },
}
_CACHE: dict[str, dict[str, QColor]] = {}


def palette(theme: str | None = None) -> dict[str, QColor]:
    """The alert colours of ``theme`` (default: the application's current theme)."""
    if theme is None:
        app = QApplication.instance()
        theme = str(app.property("theme") or "dark") if app is not None else "dark"
    theme = theme if theme in _SETS else "dark"
    if theme not in _CACHE:
        _CACHE[theme] = {key: QColor(value) for key, value in _SETS[theme].items()}
    return _CACHE[theme]
