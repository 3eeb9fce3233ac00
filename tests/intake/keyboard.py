"""Driving the intake form like a call-taker: key presses sent to whatever has the keyboard focus.

A script is a list of steps. ``Type`` is free text (what the caller said); ``Pick`` is letters typed to pick an entry
in a list (counted as keystrokes); ``Key`` is one key press (Tab, Space, Ctrl+S ...). ``count_keystrokes`` counts
everything except the free text: the cost of the form itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


@dataclass(frozen=True)
class Type:
    text: str


@dataclass(frozen=True)
class Pick:
    letters: str


@dataclass(frozen=True)
class Key:
    key: Qt.Key
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    times: int = 1


Step = Type | Pick | Key
TAB = Key(Qt.Key.Key_Tab)
SPACE = Key(Qt.Key.Key_Space)


def tabs(n: int) -> Key:
    return Key(Qt.Key.Key_Tab, times=n)


def ctrl(key: Qt.Key) -> Key:
    return Key(key, Qt.KeyboardModifier.ControlModifier)


def ctrl_shift(key: Qt.Key) -> Key:
    return Key(key, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def target() -> QWidget:
    """Where the next key press goes: an open pop-up (the type-ahead list) first, else the focused widget."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup
    focused = QApplication.focusWidget()
    assert focused is not None, "nothing has the keyboard focus"
    return focused


def play(steps: list[Step]) -> None:
    for step in steps:
        if isinstance(step, Type):
            for char in step.text:  # each key to whatever takes it now: an open type-ahead pop-up takes keys too
                QTest.keyClicks(target(), char)
        elif isinstance(step, Pick):
            QTest.keyClicks(target(), step.letters)
        else:
            for _ in range(step.times):
                QTest.keyClick(target(), step.key, step.modifiers)
        QApplication.processEvents()


def count_keystrokes(steps: list[Step]) -> int:
    """Key presses beyond the free text (a Ctrl+S counts once)."""
    return sum(len(s.letters) if isinstance(s, Pick) else s.times for s in steps if not isinstance(s, Type))


STATEMENT = ("Caller heard two students say they will bring a gun after school on April 12 to confront other "
             "students.")

APRIL_12: list[Step] = [
    Type("Pat Morgan"), TAB,  # caller name (the first key stamps the call as answered)
    Type("816-234-5678"), TAB,  # callback number
    Pick("sc"), TAB,  # relation: School staff
    TAB,  # confidential reporter: no
    TAB,  # CAD event number: not given yet
    Pick("t"), TAB,  # learned: Told by someone else
    TAB,  # target kind: filled from the site
    Type("Central High"), Key(Qt.Key.Key_Down), Key(Qt.Key.Key_Return), TAB,  # type-ahead, pick the school
    tabs(3),  # address and division filled from the directory; no named persons
    Type("4/12 after school"), TAB,  # threatened time
    Type(STATEMENT), TAB,  # the statement, verbatim
    Pick("f"), TAB,  # weapons: [F] firearm; on to the indicators
    Pick("ti"),  # indicators: [T] specific target, [I] specific time
    ctrl_shift(Qt.Key.Key_A), TAB, Type("student, one of the two"),  # suspect 1: name unknown, its description
    ctrl_shift(Qt.Key.Key_A), TAB, Type("student, the other one"),  # suspect 2
    ctrl(Qt.Key.Key_S),  # save
]
"""The seed's April 12 call as a call-taker types it (``benchmarks/intake_bench.py`` counts its keys)."""

NAVIGATION_KEYS = frozenset({Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left,
                             Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp,
                             Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter})


def count_navigation(steps: list[Step]) -> int:
    """Key presses that only move (Tab, arrows, Enter to pick): the cost of the form's layout itself."""
    return sum(s.times for s in steps
               if isinstance(s, Key) and s.key in NAVIGATION_KEYS and s.modifiers == Qt.KeyboardModifier.NoModifier)


def keys_from_name_to_description(steps: list[Step]) -> int:
    """Keys between typing a suspect's name field being focused (Ctrl+Shift+A) and typing its description."""
    start = next(i for i, s in enumerate(steps) if s == ctrl_shift(Qt.Key.Key_A)) + 1
    end = next(i for i in range(start, len(steps)) if isinstance(steps[i], Type))
    return count_keystrokes(steps[start:end])
