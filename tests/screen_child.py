"""One console on one real screen, in a process of its own: the shared half of the geometry tests' child processes.

Why a child process: ``QT_SCALE_FACTOR`` and the screen are read once, when the ``QApplication`` is created, so each
screen size and scale needs a fresh process. Why a configured screen: Qt's offscreen platform shows an 800×800 screen
unless it is given a JSON configuration (``QT_QPA_PLATFORM=offscreen:configfile=FILE``, the ``screens`` list of
``qoffscreen``; ``offscreen:size=WxH`` is silently ignored by Qt 6). With the file, ``QScreen.geometry()`` inside
the child is the real one: 1366×768, or 1280×720 logical pixels for a 1920×1080 screen at ``QT_SCALE_FACTOR=1.5``,
so dialogs that size themselves from the screen (F1) are measured against it too.

The parent calls :func:`run_child`; the child module uses :func:`maximize`, :func:`wait` and :func:`sign_in`, and
prints one JSON object as its last line. :func:`elided_cells` and :func:`cut_cells` measure item views the way
Qt's item delegate lays text out (the style's text rectangle and margins, the cell's own font).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TASK_BAR, TITLE_BAR = 40, 30  # a maximized window's share of the screen; Windows scales both like everything else


def screen_environment(width: int, height: int, scale: str, folder: Path) -> dict[str, str]:
    """The environment of a child that sees one ``width``×``height`` screen (device pixels) at ``scale``."""
    config = folder / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{
        "name": f"console-{width}x{height}", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": scale,
            "PYTHONPATH": str(ROOT)}


def run_child(module: str, width: int, height: int, scale: str, *args: str, timeout: float = 180) -> dict[str, Any]:
    """Run ``python -m module WIDTH HEIGHT *args`` on that screen; return the JSON object it printed last."""
    with tempfile.TemporaryDirectory(prefix="screen-child-") as folder:
        env = screen_environment(width, height, scale, Path(folder))
        env["DISPATCH_CONSOLE_HOME"] = str(Path(folder) / "home")
        done = subprocess.run([sys.executable, "-m", module, str(width), str(height), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- inside the child -------------------------------------------------------------------------------------------
def maximize(window: Any) -> None:
    """Size ``window`` as a maximized window on the primary screen: less a task bar and a title bar."""
    from PySide6.QtGui import QGuiApplication

    area = QGuiApplication.primaryScreen().availableGeometry()
    window.resize(area.width(), area.height() - TASK_BAR - TITLE_BAR)


def wait(condition: Any, timeout: float = 20.0) -> bool:
    """Run the event loop until ``condition()`` holds (or ``timeout`` seconds); return whether it held."""
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(20)
    return True


def sign_in(console: Any, username: str, password: str) -> None:
    """The demo operator signs in; returns once the console knows who it is."""
    assert wait(lambda: console.ready), "the console never became ready"
    console.sign_in.username.setText(username)
    console.sign_in.password.setText(password)
    console.sign_in.button.click()
    assert wait(lambda: console.ctx.actor is not None), "the sign-in did not complete"


def text_rect(view: Any, index: Any, width: int, height: int) -> tuple[Any, Any]:
    """The rectangle the delegate draws ``index``'s text in, within a ``width``×``height`` cell, and its font."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.widget = view
    option.rect = QRect(0, 0, width, height)
    option.font = view.font()
    option.textElideMode = view.textElideMode()
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    style = view.style()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option, view) + 1
    return rect.adjusted(margin, 0, -margin, 0), option


def elided_cells(view: Any, columns: list[int] | tuple[int, ...]) -> list[str]:
    """``"column: text"`` for every cell of ``columns`` whose one-line text does not fit its column (is elided).

    The text is what the delegate would draw (its ``initStyleOption``), in the cell's font (bold P1 rows), measured
    in fractional pixels: Qt elides when the laid-out line is wider than the text rectangle by any fraction."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetricsF

    model = view.model()
    cut = []
    for column in columns:
        if view.isColumnHidden(column):
            cut.append(f"{model.headerData(column, Qt.Orientation.Horizontal)}: hidden")
            continue
        for row in range(model.rowCount()):
            index = model.index(row, column)
            rect, option = text_rect(view, index, view.columnWidth(column), view.rowHeight(row))
            if QFontMetricsF(option.font).horizontalAdvance(option.text) > rect.width():  # as Qt decides to elide
                cut.append(f"{model.headerData(column, Qt.Orientation.Horizontal)}: {option.text}")
    return cut


def cut_cells(view: Any, columns: list[int] | tuple[int, ...]) -> list[str]:
    """Like :func:`elided_cells` for a view that wraps: the wrapped text must fit the cell's height and width."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics

    model = view.model()
    cut = []
    for column in columns:
        if view.isColumnHidden(column):
            continue
        for row in range(model.rowCount()):
            index = model.index(row, column)
            rect, option = text_rect(view, index, view.columnWidth(column), view.rowHeight(row))
            needed = QFontMetrics(option.font).boundingRect(rect, int(Qt.TextFlag.TextWordWrap), option.text)
            if needed.width() > rect.width() or needed.height() > rect.height():
                cut.append(f"{model.headerData(column, Qt.Orientation.Horizontal)}: {option.text}")
    return cut
