"""Run slow work off the GUI thread and get the result back on it.

One small helper, used for every database and network call the UI makes: the callable runs on a ``QThreadPool``
thread; its result (or exception) is delivered to callbacks on the GUI thread through a queued signal. Workers never
touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as error:  # delivered to the caller's error callback, never swallowed
            self.relay.failed.emit(error)
        else:
            self.relay.done.emit(result)


_alive: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    pool: QThreadPool | None = None,
) -> _Relay:
    """Run ``fn`` on the pool; call ``on_done(result)`` or ``on_error(exception)`` on the GUI thread."""
    relay = _Relay()
    _alive.add(relay)

    def finished(_: object) -> None:
        _alive.discard(relay)

    if on_done is not None:
        relay.done.connect(on_done)
    if on_error is not None:
        relay.failed.connect(on_error)
    else:
        relay.failed.connect(_unhandled)
    relay.done.connect(finished)
    relay.failed.connect(finished)
    (pool or QThreadPool.globalInstance()).start(_Job(fn, relay))
    return relay


def pending() -> int:
    """Jobs started whose result has not yet reached the GUI thread: zero means every answer has been handled."""
    return len(_alive)


def _unhandled(error: BaseException) -> None:
    import logging

    logging.getLogger(__name__).error("background task failed: %s", type(error).__name__, exc_info=error)
