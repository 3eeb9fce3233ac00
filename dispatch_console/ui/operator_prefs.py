"""Per-operator console preferences (queue columns, font size), kept in ``operators.ini`` in the config directory.

Separate from ``settings.json`` on purpose: those settings are the console's (an administrator's), these follow
whoever signs in, so two shifts sharing a console each keep their own columns and text size.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from dispatch_console.settings import config_dir


def _store() -> QSettings:
    return QSettings(str(config_dir() / "operators.ini"), QSettings.Format.IniFormat)


def read(operator: str, key: str, default: Any = None) -> Any:
    value = _store().value(f"{operator or 'anyone'}/{key}", default)
    return default if value is None else value


def write(operator: str, key: str, value: Any) -> None:
    store = _store()
    store.setValue(f"{operator or 'anyone'}/{key}", value)
    store.sync()
