"""Threat → Export as EIDO (Ctrl+Alt+X): write the threat shown in the detail pane as one NENA EIDO file.

A module of its own so the pane stays about triage: it asks where to write (``choose_path``, replaced by tests the
way the pane's ``dialog_factory`` is), asks for the operator's current code again (exporting a case is a step-up,
like the Reports tab's exports; training's demo operators are exempt), then reads, audits and writes on a worker
thread, and says in the pane what happened. The privacy rules are the service's (``services.eido``): the pane cannot
export more than the rules allow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from dispatch_console.services import eido
from dispatch_console.services.actor import PermissionDenied
from dispatch_console.services.privacy import CaseNotFound
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.second_factor import with_step_up
from dispatch_console.ui.worker import run_in_background

SHORTCUT = "Ctrl+Alt+X"


class EidoExport(QObject):
    """The export action of one detail pane."""

    def __init__(self, ctx: ConsoleContext, pane: Any) -> None:
        super().__init__(pane)
        self.ctx = ctx
        self.pane = pane
        self.choose_path: Callable[[str], str] = self._ask_path

    def _ask_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self.pane, "Export the threat as EIDO", suggested,
                                                    "EIDO JSON (*.json)")
        return str(path)

    def run(self) -> None:
        detail = self.pane.detail
        if detail is None:
            self.pane._say("Select a threat in the queue first, then Threat → Export as EIDO (Ctrl+Alt+X).", False)
            return
        case_number = detail.row.case_number
        target = self.choose_path(str(Path.home() / f"{case_number}.eido.json"))
        if not target:
            return
        db, actor, issuer = self.ctx.db, self.ctx.operator, eido.issuer_from(self.ctx.settings)
        threat_id = detail.row.threat_id

        def work() -> str:
            with db.write() as session:
                document = eido.export_threat(session, actor=actor, threat_id=threat_id, issuer=issuer)
            eido.write_document(document, Path(target))
            return target

        def done(path: str) -> None:
            if shiboken6.isValid(self.pane):
                self.pane._say(f"Exported {case_number} as EIDO to {path} (the export is in the audit log).", True)

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self.pane):
                return
            if isinstance(error, eido.EidoRefused | CaseNotFound | PermissionDenied):
                self.pane._say(str(error), False)
            elif isinstance(error, OSError):
                self.pane._say(f"The EIDO could not be written to {target} ({error.strerror or error}); choose "
                               "another folder.", False)
            else:
                self.pane._say(f"The EIDO export failed ({type(error).__name__}: {error}); nothing was written.",
                               False)

        with_step_up(self.ctx, self.pane, "export", lambda: run_in_background(work, done, failed))


def add_eido_export(window: Any, pane: Any, ctx: ConsoleContext) -> EidoExport:
    """Add Threat → Export as EIDO to ``window`` for ``pane`` (named ``tab_…``: removed with the tabs at sign-out)."""
    exporter = EidoExport(ctx, pane)
    window.add_action("Threat", "tab_queue_export_eido", "E&xport as EIDO…", SHORTCUT, exporter.run)
    pane.eido_export = exporter
    return exporter
