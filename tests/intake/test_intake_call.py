"""Issue 11 stories, through the keyboard: the call's own answered time, no silent guess, one screen, a safe quit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from dispatch_console import app
from dispatch_console.app import Console
from dispatch_console.db.models import AuditEntry, Draft, ThreatRow
from dispatch_console.services import exports, reports
from dispatch_console.ui.intake.tab import QUIT_QUESTION, IntakeTab
from tests.intake import keyboard
from tests.intake.conftest import CENTER, NOW
from tests.ui.conftest import sign_in, tab_of

ALL_TABS = list(app.WORKSPACE_TABS)  # before the intake suite's fixture keeps only the Intake tab
ALT = Qt.KeyboardModifier.AltModifier


class Clock:
    """A clock the story moves by hand: "20 minutes later" without waiting 20 minutes."""

    def __init__(self, start: datetime = NOW) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def _open(qtbot: QtBot, make_console: Any, clock: Clock, user: str = "calltaker",
          password: str = "training-ct") -> tuple[Console, IntakeTab]:
    console = make_console(timezone="America/Chicago")
    console.ctx.clock = clock
    sign_in(qtbot, console, user, password)
    tab = tab_of(console, IntakeTab)
    qtbot.waitUntil(lambda: bool(tab.sites), timeout=10_000)
    console.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is console.window, timeout=5_000)
    return console, tab


def _rows(console: Console) -> list[ThreatRow]:
    with console.db.read() as session:
        return list(session.execute(select(ThreatRow).order_by(ThreatRow.id)).scalars())


def _save(qtbot: QtBot, tab: IntakeTab) -> Any:
    with qtbot.waitSignal(tab.saved, timeout=10_000) as saved:
        keyboard.play([keyboard.ctrl(Qt.Key.Key_S)])
    return saved.args[0]


def _minimal_call(statement: str = "He said he would hurt people at the diner.") -> list[keyboard.Step]:
    """Caller's name, a target not in the directory, the statement (Tab counts as the form's reading order).

    The target starts with a letter no directory entry has, so no type-ahead pop-up opens (an offscreen pop-up,
    once closed, leaves no window active: the next Tab would go nowhere)."""
    return [keyboard.Type("Pat"), keyboard.tabs(7), keyboard.Type("Zed's Diner, 12 Zinc St"), keyboard.tabs(5),
            keyboard.Type(statement)]


# --- the call's time is the call's time ---------------------------------------------------------------------
def test_the_call_is_stamped_at_its_first_keystroke_not_when_the_form_was_cleared(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    assert QApplication.focusWidget() is tab.caller_name  # a call-taker lands in the first field
    assert tab.answered.label.text() == "not answered yet: the first key you type stamps the call (F8: answered now)"

    clock.advance(minutes=20)  # the form sat empty for 20 minutes; then the phone rings
    keyboard.play([keyboard.Type("P")])
    assert tab.answered.label.text() == "answered 09:20:00 (just now)"
    clock.advance(minutes=2, seconds=5)
    qtbot.waitUntil(lambda: tab.answered.label.text() == "answered 09:20:00 (2 min ago)", timeout=3_000)  # ticks

    keyboard.play([keyboard.Type("at"), *_minimal_call()[1:]])
    _save(qtbot, tab)
    [row] = _rows(console)
    assert row.received_at.astimezone(CENTER) == datetime(2027, 4, 11, 9, 20, tzinfo=CENTER)
    assert row.answered_original_at is None  # not corrected
    assert tab.answered.label.text().startswith("not answered yet")  # the next call is stamped by its own first key


def test_a_corrected_answered_time_is_stored_with_the_original_and_audited(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    keyboard.play(_minimal_call())
    clock.advance(minutes=3)

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_W, ALT)  # Alt+W: the correction field
    assert QApplication.focusWidget() is tab.answered.edit
    keyboard.play([keyboard.Type("9:70"), keyboard.Key(Qt.Key.Key_Return)])
    assert tab.answered.error.isVisible() and tab.answered.error.text() == (
        "'9:70' is not a time. Type when the call was answered as 14:01 or 14:01:30, or as minutes ago (-5); leave "
        "it empty to keep the stamped time.")
    tab.answered.edit.selectAll()
    keyboard.play([keyboard.Type("8:57"), keyboard.Key(Qt.Key.Key_Return)])  # answered on another screen first
    assert not tab.answered.error.isVisible()
    assert tab.answered.label.text() == "answered 08:57:00 (6 min ago), corrected from 09:00:00"

    result = _save(qtbot, tab)
    [row] = _rows(console)
    assert row.received_at.astimezone(CENTER) == datetime(2027, 4, 11, 8, 57, tzinfo=CENTER)
    assert row.answered_original_at is not None
    assert row.answered_original_at.astimezone(CENTER) == datetime(2027, 4, 11, 9, 0, tzinfo=CENTER)
    with console.db.read() as session:
        [entry] = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.answered_corrected")).scalars()
    assert (entry.record_id, entry.operator) == (result.case_number, "calltaker")
    assert entry.detail == {"stamped": "2027-04-11T09:00:00-05:00", "corrected_to": "2027-04-11T08:57:00-05:00"}


def test_response_times_in_reports_start_at_the_answered_time(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    clock.advance(minutes=20)  # the form was cleared at 09:00; the call is answered at 09:20
    keyboard.play(_minimal_call())
    result = _save(qtbot, tab)
    with console.db.write() as session:  # a unit is notified five minutes after the call was answered
        session.execute(update(ThreatRow).where(ThreatRow.id == result.threat_id)
                        .values(first_notified_at=datetime(2027, 4, 11, 9, 25, tzinfo=CENTER)))
    with console.db.read() as session:
        report = reports.build_report(session, since=NOW.date(), until=NOW.date(), tz=CENTER, now=clock())
    assert report.to_notification.median_s == pytest.approx(300)  # not 1,500 s from the cleared form


def test_the_cad_event_number_is_saved_searchable_in_the_queue_and_exported(qtbot: QtBot, make_console, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.services.queue import load_open
    from dispatch_console.ui.queue.model import filter_text

    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    keyboard.play([keyboard.Type("Pat"), keyboard.tabs(4), keyboard.Type("CAD-2027-004411"), keyboard.tabs(3),
                   keyboard.Type("Zed's Diner, 12 Zinc St"), keyboard.tabs(5), keyboard.Type("He will hurt people.")])
    result = _save(qtbot, tab)
    [row] = _rows(console)
    assert row.cad_number == "CAD-2027-004411"
    with console.db.read() as session:
        [queued] = [r for r in load_open(session) if r.threat_id == result.threat_id]
        out = tmp_path / "cases.csv"
        exports.write_cases_csv(session, actor=console.ctx.operator, since=NOW.date(), until=NOW.date(), tz=CENTER,
                                path=out)
    assert "text=" in filter_text(queued) and "cad-2027-004411" in filter_text(queued)
    header, line = out.read_text(encoding="utf-8-sig").splitlines()[:2]
    columns = dict(zip(header.split(","), line.split(","), strict=False))
    assert columns["cad_number"] == "CAD-2027-004411"


# --- never a silent guess -------------------------------------------------------------------------------------
def test_tab_after_an_ambiguous_time_goes_to_the_statement_and_nothing_typed_is_eaten(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    tab.when.setFocus()
    keyboard.play([keyboard.Type("tomorrow 3:00"), keyboard.TAB, keyboard.Type("three boys said so")])
    assert QApplication.focusWidget() is tab.statement
    assert tab.statement.toPlainText() == "three boys said so"  # not eaten by the readings' type-ahead
    assert tab.chosen_time() is None and "(chosen)" not in tab.when_words.text()
    assert [tab.when_choices.item(i).text() for i in range(2)] == [
        "1  Monday 12 April 2027, 03:00", "2  Monday 12 April 2027, 15:00"]

    # Saving now is refused at the field, with both readings said, and nothing is written.
    keyboard.play([keyboard.Type("x")])
    tab.target.setText("Joe's Diner")
    with qtbot.waitSignal(tab.save_failed, timeout=5_000):
        keyboard.play([keyboard.ctrl(Qt.Key.Key_S)])
    assert tab.errors["threatened_text"].text() == (
        "Unresolved: Mon 03:00 or Mon 15:00. 3:00: am or pm? Choose a reading (Down, then "
        "Enter or its number), type the time more exactly, or clear the field to save it as unknown.")
    assert QApplication.focusWidget() is tab.when and _rows(console) == []

    # Down highlights, a letter goes back to the field (which then shows the caret), a digit chooses.
    keyboard.play([keyboard.Key(Qt.Key.Key_Down)])
    assert QApplication.focusWidget() is tab.when_choices and tab.chosen_time() is None
    keyboard.play([keyboard.Type("p")])
    assert QApplication.focusWidget() is tab.when and tab.when.text() == "tomorrow 3:00p"
    keyboard.play([keyboard.Key(Qt.Key.Key_Backspace), keyboard.Key(Qt.Key.Key_Down), keyboard.Type("2")])
    chosen = tab.chosen_time()
    assert chosen is not None and chosen.at == datetime(2027, 4, 12, 15, 0, tzinfo=CENTER)
    assert tab.when_choices.item(1).text() == "2  Monday 12 April 2027, 15:00  (chosen)"
    assert QApplication.focusWidget() is tab.statement
    _save(qtbot, tab)
    [row] = _rows(console)
    assert row.threatened_at is not None and row.threatened_at.astimezone(CENTER).hour == 15


# --- one screen for the call ------------------------------------------------------------------------------------
def test_weapons_and_indicators_are_one_tab_stop_each_and_a_letter_toggles_a_box(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.domain.enums import Indicator, Weapon

    clock = Clock()
    _console, tab = _open(qtbot, make_console, clock)
    tab.statement.setFocus()
    keyboard.play([keyboard.Type("gun and a knife"), keyboard.TAB])
    assert QApplication.focusWidget() is tab.weapons_row
    assert tab.weapons[Weapon.FIREARM].text() == "[F] Firearm"  # the letter is on the box
    keyboard.play([keyboard.Pick("fkk"), keyboard.Pick("a"), keyboard.TAB, keyboard.Pick("p")])
    assert {w for w, box in tab.weapons.items() if box.isChecked()} == {Weapon.FIREARM}
    assert tab.weapon_access.isChecked()
    assert QApplication.focusWidget() is tab.indicators_row
    assert {i for i, box in tab.indicators.items() if box.isChecked()} == {Indicator.PLAN_OR_PREPARATION}
    assert tab.priority.text() == "P1: firearm mentioned; weapon access known; plan or preparation"


def test_a_suspects_description_is_one_tab_after_the_name(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    _console, tab = _open(qtbot, make_console, clock)
    keyboard.play([keyboard.ctrl_shift(Qt.Key.Key_A), keyboard.Type("Sam"), keyboard.TAB,
                   keyboard.Type("red hoodie, tall")])
    panel = tab.suspect_panels[0]
    assert panel.edits["name"].text() == "Sam" and panel.edits["description"].text() == "red hoodie, tall"
    assert keyboard.keys_from_name_to_description(keyboard.APRIL_12) == 1


def test_after_a_save_the_form_is_at_the_top_with_the_caret_in_the_first_field_and_no_stale_priority(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    console.window.resize(1366, 600)
    keyboard.play(keyboard.APRIL_12[:-1])
    assert tab.priority.text().startswith("P1: ")
    assert tab.scroll_area.verticalScrollBar().value() > 0  # the suspects scrolled the form down
    _save(qtbot, tab)
    assert tab.scroll_area.verticalScrollBar().value() == 0
    assert QApplication.focusWidget() is tab.caller_name and tab.caller_name.visibleRegion().boundingRect().height() > 0
    assert tab.priority.text() == "No priority yet: it follows the report as you type."
    assert tab.reasons.text() == "" and not tab.reasons.isVisible()
    assert tab.result.text() == "Saved TT-2027-00001"
    keyboard.play([keyboard.Type("N")])  # the next call: the last case number is no longer shown with it
    assert tab.result.text() == "" and tab.priority.text().startswith("P4: ")


def test_a_supervisor_lands_on_the_queue_with_the_table_focused(qtbot: QtBot, make_console, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from dispatch_console.ui.queue.tab import QueueTab

    monkeypatch.setattr(app, "WORKSPACE_TABS", ALL_TABS)
    console = make_console(timezone="America/Chicago")
    sign_in(qtbot, console, "supervisor", "training-sv")
    queue = tab_of(console, QueueTab)
    assert console.window.tabs.currentWidget() is queue
    assert console.window.focusWidget() is queue.view


# --- a safe quit ---------------------------------------------------------------------------------------------------
def test_ctrl_q_with_a_report_in_progress_writes_the_draft_at_once_and_asks_first(qtbot: QtBot, make_console, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    application = QApplication.instance()
    assert isinstance(application, QApplication)
    application.setQuitOnLastWindowClosed(False)  # closing the console must not end the test's event loop
    request.addfinalizer(lambda: application.setQuitOnLastWindowClosed(True))
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    keyboard.play([keyboard.Type("Pat Morgan")])
    draft = tab.draft_id

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # 0.1 s later
    with console.db.read() as session:  # written before the question, not 500 ms later
        stored = session.get(Draft, draft)
    assert stored is not None and stored.data["caller_name"] == "Pat Morgan"
    box = tab.quit_box
    assert isinstance(box, QMessageBox) and box.isVisible() and box.text() == QUIT_QUESTION
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: stay
    qtbot.waitUntil(lambda: tab.quit_box is None, timeout=3_000)
    assert console.window.isVisible() and tab.caller_name.text() == "Pat Morgan"

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = tab.quit_box
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_Q)  # "Quit"
    qtbot.waitUntil(lambda: not console.window.isVisible(), timeout=3_000)


def test_f8_stamps_the_call_before_a_word_is_typed_and_the_restored_draft_keeps_its_answered_time(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    console, tab = _open(qtbot, make_console, clock)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F8)  # the phone is picked up; the caller is still silent
    assert tab.answered.label.text() == "answered 09:00:00 (just now)"
    clock.advance(minutes=1)
    keyboard.play([keyboard.Type("Pat Morgan")])
    assert tab.answered.answered == NOW  # the first key does not move an answered time already stamped

    draft = tab.draft_id
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Q,  # sign out at once: the draft is written first
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    with console.db.read() as session:
        stored = session.get(Draft, draft)
    assert stored is not None and stored.data["caller_name"] == "Pat Morgan"
    assert stored.data["received_at"] == "2027-04-11T09:00:00-05:00"

    sign_in(qtbot, console, "calltaker", "training-ct")
    tab = tab_of(console, IntakeTab)
    qtbot.waitUntil(lambda: tab.drafts_dialog is not None and tab.drafts_dialog.isVisible(), timeout=10_000)
    assert tab.drafts_dialog is not None
    qtbot.keyClick(tab.drafts_dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.caller_name.text() == "Pat Morgan", timeout=10_000)
    assert tab.answered.answered == NOW and tab.answered.label.text().startswith("answered 09:00:00 (")
