"""The console's two EIDO doors: Threat → Export as EIDO in the queue, File → Import EIDO and drops on the intake."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry, Draft, ThreatRow
from dispatch_console.services import eido
from dispatch_console.ui.intake.tab import IntakeTab
from dispatch_console.ui.queue.tab import QueueTab
from tests.eido.conftest import schema_errors
from tests.eido.foreign import encoded, foreign
from tests.queue.factories import add_threat
from tests.queue.test_live_queue import shown_ids
from tests.ui.conftest import make_console, sign_in, tab_of

__all__ = ["make_console"]  # the UI suite's console fixture, shared

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _press(console: Any, key: Qt.Key, modifiers: Qt.KeyboardModifier, qtbot: QtBot) -> None:
    """A key press where the operator's focus is (the window's shortcuts take it from there)."""
    console.window.activateWindow()
    target = QApplication.focusWidget() or console.window
    qtbot.keyClick(target, key, modifiers)


def test_a_supervisor_exports_the_threat_shown_in_the_pane_with_ctrl_alt_x(
        make_console: Any, qtbot: QtBot, tmp_path: Path) -> None:
    console = make_console()
    sign_in(qtbot, console)
    with console.db.write() as session:
        threat_id = add_threat(session, priority="P1")
        case_number = session.get(ThreatRow, threat_id).case_number
    tab: QueueTab = tab_of(console, QueueTab)
    console.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: threat_id in shown_ids(tab), timeout=5000)
    tab.select_threat(threat_id)
    qtbot.waitUntil(lambda: tab.pane.detail is not None, timeout=5000)
    target = tmp_path / "case.eido.json"
    asked: list[str] = []
    tab.pane.eido_export.choose_path = lambda suggested: asked.append(suggested) or str(target)

    with qtbot.waitSignal(tab.pane.message, timeout=10_000) as said:
        _press(console, Qt.Key.Key_X, CTRL_ALT, qtbot)

    assert said.args == [f"Exported {case_number} as EIDO to {target} (the export is in the audit log).", True]
    assert Path(asked[0]).name == f"{case_number}.eido.json"
    document = json.loads(target.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert document["incidentComponent"]["internalIncidentId"] == case_number
    with console.db.read() as session:
        assert session.execute(select(AuditEntry.operator).where(
            AuditEntry.action == "threat.export_eido")).scalars().all() == ["supervisor"]


def _drop(widget: Any, path: Path) -> None:
    """Drag a file from the desktop onto ``widget`` and let go, as the window system delivers it."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    point = QPointF(widget.rect().center())
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, QEvent.Type.Drop)
    QApplication.sendEvent(widget, drop)


def _drafts(console: Any) -> list[tuple[str, str]]:
    with console.db.read() as session:
        return [(d.operator, d.data["caller_name"]) for d in session.execute(select(Draft)).scalars()]


def test_an_eido_dropped_on_the_statement_fills_the_form_and_becomes_a_threat_only_when_saved(
        make_console: Any, qtbot: QtBot, tmp_path: Path) -> None:
    console = make_console()
    sign_in(qtbot, console, "calltaker", "training-ct")
    tab: IntakeTab = tab_of(console, IntakeTab)
    console.window.tabs.setCurrentWidget(tab)
    called = (datetime.now(UTC) - timedelta(minutes=4)).replace(microsecond=0)
    source = tmp_path / "cad-4471.json"
    document = foreign()
    document["callComponent"][0]["callStartTimestamp"] = called.isoformat()
    source.write_bytes(encoded(document))

    _drop(tab.statement.viewport(), source)
    qtbot.waitUntil(lambda: tab.eido_import.last is not None, timeout=10_000)

    assert tab.statement.toPlainText() == ("Caller found a note: bomb in the gym {[(\n\nSecond call at 08:52 & the "
                                           "same voice.")
    assert (tab.caller_name.text(), tab.callback.text(), tab.target.text(), tab.site.name) == (
        "Jamie Fox", "+18162347777", "Lincoln Middle School", "Lincoln Middle School")
    assert tab.status.text() == eido.EidoImport.summary(tab.eido_import.last)
    qtbot.waitUntil(lambda: _drafts(console) == [("calltaker", "Jamie Fox")], timeout=5000)  # a crash loses nothing
    with console.db.read() as session:
        assert session.execute(select(ThreatRow)).first() is None  # nothing is a threat yet

    with qtbot.waitSignal(tab.saved, timeout=10_000):
        _press(console, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier, qtbot)
    with console.db.read() as session:
        row = session.execute(select(ThreatRow)).scalar_one()
        kept = eido.attachments_of(session, threat_id=row.id)
    assert (row.caller_name, row.callback_number, row.target_name, row.received_at) == (
        "Jamie Fox", "+18162347777", "Lincoln Middle School", called)
    assert [path for path, _ in kept] == ["$.vehicleComponent", "$.x-vendorExtension"]
    assert _drafts(console) == []  # the save took the draft with it


def test_file_import_eido_of_a_hostile_file_names_the_problem_and_leaves_the_form_as_it_was(
        make_console: Any, qtbot: QtBot, tmp_path: Path) -> None:
    console = make_console()
    sign_in(qtbot, console, "calltaker", "training-ct")
    tab: IntakeTab = tab_of(console, IntakeTab)
    console.window.tabs.setCurrentWidget(tab)
    tab.caller_name.setFocus()
    qtbot.keyClicks(tab.caller_name, "Robin Typing")
    source = tmp_path / "bad.json"
    source.write_bytes(json.dumps(foreign(personComponent={"$id": "p"})).encode())
    tab.eido_import.choose_path = lambda: str(source)

    _press(console, Qt.Key.Key_I, CTRL_ALT, qtbot)
    qtbot.waitUntil(lambda: tab.status.text().startswith("The EIDO was not imported"), timeout=10_000)

    assert tab.status.text() == ("The EIDO was not imported: at $.personComponent, expected an array, found an "
                                 "object. Nothing was changed.")
    assert tab.caller_name.text() == "Robin Typing"
