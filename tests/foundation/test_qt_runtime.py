"""The Qt binding must survive a 12-hour shift of signals.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference, so every emit from Python
drops one reference to ``True``; after a few thousand emits (the queue's clock alone emits several a second) the
interpreter aborts with "deallocating True". pyproject.toml excludes that release; this test fails on any binding
with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Source(QObject):
    changed = Signal(object)


def test_emitting_a_signal_leaves_the_reference_count_of_true_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    source = _Source()
    received: list[object] = []
    source.changed.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(200):
        source.changed.emit(1)
    assert len(received) == 200
    assert sys.getrefcount(True) >= before - 5  # a leak would show as exactly 200 fewer
