"""Building the workspace after sign-in: the Intake tab first and focused, the other tabs right after it.

The operator signs in to take a call, so the first field of the Intake form must take keys as soon as possible.
Building every tab before showing any (importing their modules included) kept the operator waiting about 0.8 s
after the password was accepted (issue 17). Here the first tab is built and focused at once; each further tab is
imported and built on its own later turn of the event loop, so keys typed meanwhile are handled between two tabs,
and their shortcuts (F3, F4, …) appear a few hundred milliseconds later. A sign-out before the last tab is built
cancels the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

# (title, shortcut, "module:function"), the function building the tab as ``function(ctx, window) -> QWidget``
TabSpec = tuple[str, str, str]


def _builder(target: str) -> Callable[[Any, Any], QWidget] | None:
    """The tab's builder, imported now; ``None`` if that part of the console is not installed."""
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name and module_name.startswith(missing.name):
            return None  # that part of the console is not built yet
        raise
    built: Callable[[Any, Any], QWidget] = getattr(module, function)
    return built


class WorkspaceBuilder(QObject):
    """Builds the tabs of one signed-in session into ``window`` (a ``MainWindow``); ``built`` when all are there."""

    built = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self._pending: list[TabSpec] = []
        self._ctx: Any = None
        self.complete = False

    def start(self, ctx: Any, tabs: Sequence[TabSpec]) -> None:
        """Build the first tab now and focus it (its focus proxy is its first field); queue the others."""
        self._ctx, self._pending, self.complete = ctx, list(tabs), False
        while self._pending and not self.window.tabs.count():
            self._build_next()
        first = self.window.tabs.widget(0)
        if first is not None:
            self.window.tabs.setCurrentIndex(0)
            first.setFocus()
        self._schedule()

    def cancel(self) -> None:
        """Signed out: build nothing more for that session."""
        self._pending, self._ctx = [], None

    def _schedule(self) -> None:
        if self._pending:
            QTimer.singleShot(0, self._next)
        elif self._ctx is not None:
            self.complete = True
            self.built.emit()

    def _next(self) -> None:
        if not self._pending or self._ctx is None:
            return  # cancelled by a sign-out
        self._build_next()
        self._schedule()

    def _build_next(self) -> None:
        title, shortcut, target = self._pending.pop(0)
        builder = _builder(target)
        if builder is not None:
            self.window.add_tab(builder(self._ctx, self.window), title, shortcut)
