"""File → Import EIDO (Ctrl+Alt+I), and dropping an EIDO file anywhere on the intake form.

The document is read, checked and matched against the site directory on a worker thread
(``services.eido.import_document``); the result fills the form through the form's own draft mechanism
(``restore``), so the call-taker sees an ordinary draft to check and save: nothing becomes a threat until they press
Ctrl+S. A rejected document leaves the form as it was and says, in the form's status line, which JSON path is
wrong. A report already being typed is kept as its draft first, as Ctrl+N does.

Drops are watched with an application event filter because the form's text fields accept dropped URLs themselves
(a file dropped on the statement would otherwise become its path typed into the statement).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from dispatch_console.domain.eido.guard import MAX_BYTES
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

if TYPE_CHECKING:  # imported by the first import (on the worker): ~60 ms the Intake tab need not wait for (issue 17)
    from dispatch_console.services import eido

SHORTCUT = "Ctrl+Alt+I"


def _read_limited(path: Path) -> tuple[bytes, int]:
    """At most one byte over the limit, and the file's size: a 10 MB file is refused without reading 10 MB."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1), path.stat().st_size


class EidoImport(QObject):
    """Imports EIDO files into one intake tab (see the module docstring)."""

    def __init__(self, tab: Any, window: Any) -> None:
        super().__init__(tab)
        self.tab = tab
        self.window_ = window
        self.choose_path: Callable[[], str] = self._ask_path
        self.last: eido.EidoImport | None = None
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def _ask_path(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(self.tab, "Import an EIDO", str(Path.home()),
                                                    "EIDO JSON (*.json *.eido);;All files (*)")
        return str(path)

    def choose(self) -> None:
        if self.window_.locked:
            return
        path = self.choose_path()
        if path:
            self.import_file(Path(path))

    # --- drag and drop ---------------------------------------------------------------------------------------------
    def _dropped_file(self, event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls() or len(mime.urls()) != 1 or not mime.urls()[0].isLocalFile():
            return None
        return Path(mime.urls()[0].toLocalFile())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        if not shiboken6.isValid(self.tab) or not isinstance(watched, QWidget):
            return False
        if watched is not self.tab and not self.tab.isAncestorOf(watched):
            return False
        assert isinstance(event, QDragEnterEvent | QDragMoveEvent | QDropEvent)
        path = self._dropped_file(event)
        if path is None:
            return False
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self.import_file(path)
        return True

    # --- the import ----------------------------------------------------------------------------------------------
    def _say(self, text: str, ok: bool) -> None:
        self.tab.status.setText(text)
        set_role(self.tab.status, "ok" if ok else "error")

    def import_file(self, path: Path) -> None:
        """Read ``path`` as an EIDO and, if it is one, put it in the form as a draft for the call-taker to check."""
        if self.window_.locked or self.tab.ctx.actor is None:
            return
        db, actor = self.tab.ctx.db, self.tab.ctx.operator
        draft_id = str(uuid.uuid4())
        self._say(f"Reading the EIDO {path.name} …", True)

        def work() -> eido.EidoImport:
            from dispatch_console.services import eido

            data, size = _read_limited(path)
            with db.write() as session:
                return eido.import_document(session, actor=actor, data=data, source=path.name,
                                            draft_id=draft_id, size=size)

        def done(result: eido.EidoImport) -> None:
            if not shiboken6.isValid(self.tab):
                return
            if not self.tab.is_blank():
                self.tab.save_draft_now()  # the report being typed stays as its draft, as with Ctrl+N
            self.tab.restore(result.draft, result.draft_id)
            self.tab.save_draft_now()  # kept as a draft at once: a crash before the save loses nothing
            self.window_.tabs.setCurrentWidget(self.tab)
            self.last = result
            self._say(result.summary(), True)
            self.tab.focus_first_field()

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self.tab):
                return
            from dispatch_console.services.eido import EidoRejected

            if isinstance(error, EidoRejected):
                self._say(str(error), False)
            elif isinstance(error, OSError):
                self._say(f"The file {path.name} could not be read ({error.strerror or error}).", False)
            else:
                self._say(f"The EIDO could not be imported ({type(error).__name__}: {error}). Nothing was "
                          "changed.", False)

        run_in_background(work, done, failed)


def install_eido_import(tab: Any, window: Any) -> EidoImport:
    """File → Import EIDO and drops on ``tab`` (the action is named ``tab_…``: removed with the tabs at sign-out)."""
    importer = EidoImport(tab, window)
    window.add_action("File", "tab_intake_import_eido", "&Import EIDO…", SHORTCUT, importer.choose)
    tab.eido_import = importer
    return importer
