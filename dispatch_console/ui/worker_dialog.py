"""The shape every small "type something, press OK" dialog shares: the work runs on a worker, never the GUI thread.

While it runs, OK and Cancel are disabled so one press cannot start it twice; a failure is shown in the dialog's
error line, in the exception's own words, and everything typed stays so the operator can correct it and press OK
again; success emits ``completed(result)`` and closes the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background


class WorkerDialog(QDialog):
    """Base of the case-action and second-factor dialogs: subclasses add their fields, then the error and buttons."""

    completed = Signal(object)

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.column = QVBoxLayout(self)

    def add_error_and_buttons(self) -> None:
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        set_role(self.error, "error")
        self.column.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.column.addWidget(self.buttons)

    def submit(self) -> None:  # pragma: no cover - every subclass says what OK does
        raise NotImplementedError

    def show_problem(self, widget: QWidget, message: str) -> None:
        """A problem with what was typed, said before any work starts; the focus goes where the fix is typed."""
        self.error.setText(message)
        widget.setFocus()

    def run(self, work: Callable[[], Any]) -> None:
        self.error.setText("")
        self.buttons.setEnabled(False)
        run_in_background(work, self._succeeded, self._failed)

    def _succeeded(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.completed.emit(result)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(str(error) or type(error).__name__)
