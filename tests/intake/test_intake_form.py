"""Stories of the intake form in a real console: keyboard only, errors next to the fields, tab order, duplicates."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.app import Console
from dispatch_console.db.models import SuspectRow, ThreatRow
from dispatch_console.ui.intake.tab import IntakeTab
from tests.intake import keyboard
from tests.intake.conftest import CENTER, NOW
from tests.ui.conftest import sign_in


def _clock(start: datetime = NOW):  # type: ignore[no-untyped-def]
    """A clock that runs from ``start`` at the real pace, so the countdown ticks."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def _open(qtbot: QtBot, make_console, user: str = "calltaker", password: str = "training-ct") -> tuple[Console, IntakeTab]:  # type: ignore[no-untyped-def]
    console = make_console(timezone="America/Chicago")
    console.ctx.clock = _clock()
    sign_in(qtbot, console, user, password)
    tab = next(console.window.tabs.widget(i) for i in range(console.window.tabs.count())
               if isinstance(console.window.tabs.widget(i), IntakeTab))
    qtbot.waitUntil(lambda: bool(tab.sites), timeout=10_000)
    console.window.activateWindow()
    return console, tab


def _threats(console: Console) -> list[ThreatRow]:
    with console.db.read() as session:
        return list(session.execute(select(ThreatRow).order_by(ThreatRow.id)).scalars())


def test_the_april_12_call_is_entered_by_keyboard_only_and_saved_as_p1_at_dismissal(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console, tab = _open(qtbot, make_console)
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is tab.caller_name

    with qtbot.waitSignal(tab.saved, timeout=10_000) as saved:
        keyboard.play(keyboard.APRIL_12)

    result = saved.args[0]
    assert result.case_number == "TT-2027-00001"
    assert result.priority.value == "P1"
    assert tab.result.text() == "Saved TT-2027-00001"  # the case number to read back; its P1 is in the queue
    assert tab.is_blank() and QApplication.focusWidget() is tab.caller_name  # ready for the next call
    [row] = _threats(console)
    assert row.threatened_at is not None
    assert row.threatened_at.astimezone(CENTER) == datetime(2027, 4, 12, 15, 10, tzinfo=CENTER)  # Monday dismissal
    assert row.target_name == "Central High School" and row.division == "Central" and row.site_id is not None
    assert row.caller_relation == "school_staff" and row.learned_how == "told_by_someone"
    assert row.callback_number == "+18162345678"
    assert row.statement == keyboard.STATEMENT
    assert row.weapons == ["firearm"] and row.indicators == ["specific_target", "specific_time"]
    assert row.priority_reasons[0].startswith("P1: firearm mentioned; threatened time in 1 day 6 h")
    with console.db.read() as session:
        suspects = session.execute(select(SuspectRow).where(SuspectRow.threat_id == row.id)).scalars().all()
    assert [s.description for s in suspects] == ["student, one of the two", "student, the other one"]


def test_an_incomplete_form_shows_its_errors_next_to_the_fields_keeps_the_text_and_saves_nothing(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console, tab = _open(qtbot, make_console)
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    keyboard.play([keyboard.Type("Pat"), keyboard.TAB, keyboard.Type("12345")])

    with qtbot.waitSignal(tab.save_failed, timeout=5_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    shown = {key for key, label in tab.errors.items() if label.isVisible()}
    assert shown == {"target_name", "statement", "callback_number"}
    assert "Choose a site from the directory, or type the target's name" in tab.errors["target_name"].text()
    assert "not a valid phone number" in tab.errors["callback_number"].text()
    assert "Not saved: 3 problems" in tab.status.text()
    assert tab.caller_name.text() == "Pat" and tab.callback.text() == "12345"  # nothing typed is cleared
    assert QApplication.focusWidget() is tab.callback  # the first field in reading order with a problem
    assert _threats(console) == []

    # fixing a field clears its message at once
    tab.target.setFocus()
    keyboard.play([keyboard.Type("Joe's Diner, 12 Elm St")])
    assert not tab.errors["target_name"].isVisible()
    assert tab.site_note.text().startswith("Not in the site directory")


def test_tab_walks_every_input_in_reading_order_and_every_input_has_a_label_and_a_name(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console, tab = _open(qtbot, make_console)
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    keyboard.play([keyboard.ctrl_shift(Qt.Key.Key_A), keyboard.ctrl_shift(Qt.Key.Key_A)])
    tab.learned.setCurrentIndex(tab.learned.findData("social_media"))  # shows the evidence field
    tab.caller_name.setFocus()
    expected = [w for w in tab.reading_order() if w.isVisible() and w.isEnabled()]
    assert tab.evidence in expected and len(tab.suspect_panels) == 2

    walked: list[QWidget] = [QApplication.focusWidget()]
    for _ in range(len(expected) - 1):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        walked.append(QApplication.focusWidget())
    assert [w.accessibleName() for w in walked] == [w.accessibleName() for w in expected]
    # as read: down a column, or on to the next column to the right; never back up within a column
    places = [w.mapTo(tab.body, w.rect().topLeft()) for w in walked if tab.body.isAncestorOf(w)]
    for (before, widget_before), (after, widget_after) in itertools.pairwise(zip(places, walked, strict=False)):
        assert after.y() >= before.y() or after.x() > before.x() + widget_before.width() // 2, (
            f"{widget_after.accessibleName()} is read before {widget_before.accessibleName()}")

    labels = tab.findChildren(QLabel)
    buddies = {id(label.buddy()) for label in labels if label.buddy() is not None and label.text()}
    for widget in tab.reading_order():
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
        if isinstance(widget, QLineEdit | QPlainTextEdit | QComboBox | QListWidget):
            assert id(widget) in buddies, f"{widget.accessibleName()} has no visible label"
    assert tab.statement.tabChangesFocus() and tab.narrative.tabChangesFocus()


def test_ctrl_n_opens_a_new_form_and_the_report_in_progress_stays_as_a_draft(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console, tab = _open(qtbot, make_console)
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    keyboard.play([keyboard.Type("first caller")])
    old_draft = tab.draft_id
    with qtbot.waitSignal(tab.draft_saved, timeout=5_000) as stored:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert stored.args == [old_draft]
    assert tab.is_blank() and tab.draft_id != old_draft
    assert QApplication.focusWidget() is tab.caller_name


def test_an_ambiguous_time_asks_and_the_reading_is_chosen_with_the_keyboard(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    _console, tab = _open(qtbot, make_console)
    tab.when.setFocus()
    keyboard.play([keyboard.Type("tomorrow 3:00")])
    assert tab.when_choices.isVisible() and tab.when_choices.count() == 2
    assert tab.when_words.text().startswith("Ask the caller:")
    assert tab.chosen_time() is None  # never a silent guess
    keyboard.play([keyboard.Key(Qt.Key.Key_Down), keyboard.Key(Qt.Key.Key_Down)])  # highlighting is not choosing
    assert QApplication.focusWidget() is tab.when_choices and tab.chosen_time() is None
    keyboard.play([keyboard.Key(Qt.Key.Key_Return)])
    chosen = tab.chosen_time()
    assert chosen is not None and chosen.at is not None and chosen.at.hour == 15
    assert tab.when_words.text().startswith("Monday 12 April 2027, 15:00 — in 1 day 5 h")
    assert tab.when_words.text().endswith("(chosen)")
    assert QApplication.focusWidget() is tab.statement  # chosen on purpose, the caret moves on


def test_the_countdown_next_to_the_threatened_time_ticks_every_second(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    _console, tab = _open(qtbot, make_console)
    tab.when.setFocus()
    keyboard.play([keyboard.Type("today 9:01am")])
    first = tab.when_words.text()
    assert first.startswith("Sunday 11 April 2027, 09:01 — in ") and first.endswith(" s")
    qtbot.waitUntil(lambda: tab.when_words.text() != first, timeout=3_000)
    assert tab.priority.text().startswith("P2: threatened time in ")  # the preview follows the clock too


def test_a_second_caller_is_offered_the_open_case_and_alt_l_links_it_counted_once(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console, tab = _open(qtbot, make_console)
    steps = [step for step in keyboard.APRIL_12 if step != keyboard.ctrl(Qt.Key.Key_S)]
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        keyboard.play(keyboard.APRIL_12)

    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    keyboard.play(steps[:steps.index(keyboard.Type("4/12 after school")) + 1])  # second caller: same school, time
    qtbot.waitUntil(lambda: tab.link_button.isVisible(), timeout=10_000)
    assert "Possibly the same threat as TT-2027-00001" in tab.duplicate_note.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert tab.linked_to == "TT-2027-00001"
    assert "counted once" in tab.duplicate_note.text()
    tab.statement.setFocus()
    keyboard.play([keyboard.Type("Heard the same about Monday."), keyboard.ctrl(Qt.Key.Key_S)])
    qtbot.waitUntil(lambda: "linked to TT-2027-00001" in tab.result.text(), timeout=10_000)

    rows = _threats(console)
    assert len(rows) == 2
    assert [r.case_number for r in rows if r.linked_to_id is None] == ["TT-2027-00001"]  # one threat counted


def test_bad_input_in_every_field_never_crashes_the_form_nor_corrupts_what_is_saved(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    from tests.intake.fuzz import BAD_TEXTS

    console, tab = _open(qtbot, make_console)
    tried = saved = refused = 0
    for index, text in enumerate(BAD_TEXTS):
        tab.new_report()
        for edit in (tab.caller_name, tab.target, tab.address, tab.named_persons):
            edit.setText(text)
        tab.statement.setPlainText(text)
        tab.narrative.setPlainText(text)
        panel = tab.add_suspect(focus=False)
        for key in ("name", "school", "grade", "description", "social_handles"):
            panel.edits[key].setText(text)
        if index % 3 == 0:  # the structured fields too, on every third input (they refuse most of it)
            for edit in (tab.callback, tab.when, panel.edits["date_of_birth"], panel.edits["age"]):
                edit.setText(text)
        tried += 1
        problems = tab.problems()
        if problems:
            before = tab.state()
            with qtbot.waitSignal(tab.save_failed, timeout=5_000):
                tab.save()
            refused += 1
            assert tab.state() == before  # every character kept as it was in the fields
        else:
            with qtbot.waitSignal(tab.saved, timeout=5_000) as done:
                tab.save()
            saved += 1
            with console.db.read() as session:
                row = session.get(ThreatRow, done.args[0].threat_id)
            assert row is not None and row.statement and "\x00" not in row.statement
    assert tried == len(BAD_TEXTS) and saved + refused == tried
    assert saved > 0 and refused > 0
    print(f"form fuzz: {tried} inputs, {saved} saved, {refused} refused with messages")
