"""Building the workspace after sign-in: the Intake tab first and focused, the other tabs right after it.

The operator signs in to take a call, so the first field of the Intake form must take keys as soon as possible.
Building every tab before showing any (importing their modules included) kept the operator waiting about 0.8 s
after the password was accepted (issue 17). Here the first tab's module is imported while the password is checked
(``prepare``), the tab is built and focused the moment the sign-in succeeds, and each further tab's module is
imported on a worker thread (most of a tab's cost: the Queue's modules take ~80 ms to import, ~15 ms to build) and
the tab built on the GUI thread when its import is done. A worker shares the interpreter with the GUI thread in
slices of a few milliseconds, so keys typed meanwhile land at once instead of after a whole tab; the shortcuts (F3,
F4, …) appear a few hundred milliseconds later. A sign-out before the last tab is built cancels the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from dispatch_console.ui.worker import run_in_background

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

    def prepare(self, tabs: Sequence[TabSpec]) -> None:
        """Import the first tab's module now, while the password is being checked (issue 17).

        The check is mostly scrypt on a worker, which leaves the interpreter free: the import (~50 ms) is then off
        the path from Enter to the first key. Only the import: the tab itself is built once someone is signed in,
        so no case data is read for a sign-in that fails.
        """
        if tabs and not self.window.tabs.count():
            _builder(tabs[0][2])

    def start(self, ctx: Any, tabs: Sequence[TabSpec]) -> None:
        """Build the first tab now and focus it (its focus proxy is its first field); queue the others."""
        self._generation += 1
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
        self._generation += 1
        self._pending, self._ctx = [], None

    _generation = 0

    def _schedule(self) -> None:
        """Import the next tab's module on a worker, then build the tab here; or say the workspace is complete."""
        if self._pending:
            generation = self._generation
            module_name = self._pending[0][2].partition(":")[0]

            def then(_result: object) -> None:  # a failed import is raised again, and handled, by ``_builder``
                if generation == self._generation:
                    self._next()

            run_in_background(lambda: importlib.import_module(module_name), then, then)
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
