"""Child process of the geometry test: one console at one screen size and scale factor, the call's fields measured.

``QT_SCALE_FACTOR`` must be set before the ``QApplication`` exists, hence a process per size. Run as
``python -m tests.intake.geometry_child WIDTH HEIGHT`` (screen pixels) through :func:`tests.screen_child.run_child`,
which gives the child a real offscreen screen of that size and the scale factor; prints one JSON object: the
viewport and, per field, its rectangle in viewport coordinates and whether it lies wholly inside.

The window is sized as a maximized window on that screen (:func:`tests.screen_child.maximize`): the screen less a
40-pixel task bar and a 30-pixel title bar, both scaled like everything else (Windows draws them at 150 % too).
"""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="intake-geometry-"))

from PySide6.QtCore import QRect, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from dispatch_console.app import Console
from dispatch_console.settings import Settings
from dispatch_console.ui.intake.tab import IntakeTab
from dispatch_console.ui.theme import apply_theme
from tests.screen_child import maximize, sign_in


def main() -> int:
    app = QApplication([])
    apply_theme(app, "dark")
    console = Console(settings=Settings(timezone="America/Chicago", console_name="geometry").validated(),
                      start_backend=False)
    maximize(console.window)
    console.window.show()
    sign_in(console, "calltaker", "training-ct")
    tabs = console.window.tabs
    tab = next(tabs.widget(i) for i in range(tabs.count()) if isinstance(tabs.widget(i), IntakeTab))
    tabs.setCurrentWidget(tab)
    panel = tab.add_suspect(focus=False)
    # a report under way, so the pinned bar is as tall as it gets while typing (priority, reasons, site note)
    tab.target.setText("Zed's Diner, 12 Zinc St")
    tab.when.setText("tomorrow 3:00")  # and the readings list is open
    tab.statement.setPlainText("They said they will bring a gun tomorrow.")
    tab.weapons_row.boxes[0].setChecked(True)
    tab.focus_first_field()
    QTest.qWait(200)
    viewport = tab.scroll_area.viewport()
    seen = QRect(0, 0, viewport.width(), viewport.height())
    fields: dict[str, QWidget] = {
        "caller name": tab.caller_name, "callback number": tab.callback, "caller's relation": tab.relation,
        "how learned": tab.learned, "target": tab.target, "threatened time": tab.when,
        "statement": tab.statement, "weapons": tab.weapons_row, "indicators": tab.indicators_row,
        "suspect 1 name": panel.edits["name"], "suspect 1 description": panel.edits["description"],
    }
    measured = {}
    for name, widget in fields.items():
        top_left = widget.mapTo(viewport, widget.rect().topLeft())
        rect = QRect(top_left, widget.size())
        measured[name] = {"rect": [rect.x(), rect.y(), rect.width(), rect.height()], "inside": seen.contains(rect)}
    save = tab.save_button
    window_rect = QRect(0, 0, console.window.width(), console.window.height())
    save_rect = QRect(save.mapTo(console.window, save.rect().topLeft()), save.size())
    print(json.dumps({
        "window": [console.window.width(), console.window.height()],
        "viewport": [viewport.width(), viewport.height()],
        "fields": measured,
        "save_inside_window": save.isVisible() and window_rect.contains(save_rect),
    }))
    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
