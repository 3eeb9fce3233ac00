"""Child process of the F1 test: the shortcut list opened on one real screen (``tests/screen_child.py``).

Run as ``python -m tests.ui.shortcuts_child WIDTH HEIGHT`` through :func:`tests.screen_child.run_child`. A supervisor
signs in (every menu and tab is built), presses F1 in a maximized window, and the child prints one JSON object: the
screen's available area, the dialog's frame, whether its list scrolls, the headings and texts it shows, and whether
Esc closed it.
"""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="shortcuts-child-"))

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from dispatch_console.app import Console
from dispatch_console.settings import Settings
from dispatch_console.ui.shortcut_help import GROUPS, ShortcutHelp
from dispatch_console.ui.theme import apply_theme
from tests.screen_child import maximize, sign_in, wait


def rect(r: object) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]  # type: ignore[attr-defined]


def main() -> int:
    app = QApplication([])
    apply_theme(app, "dark")
    console = Console(settings=Settings(timezone="America/Chicago", console_name="shortcuts").validated(),
                      start_backend=False)
    maximize(console.window)
    console.window.show()
    sign_in(console, "supervisor", "training-sv")
    assert wait(lambda: console.workspace.complete), "the workspace was never built"
    console.window.activateWindow()
    QTest.keyClick(console.window, Qt.Key.Key_F1)
    dialog = getattr(console.window, "shortcut_help", None)
    assert isinstance(dialog, ShortcutHelp), "F1 opened no shortcut list"
    assert wait(dialog.isVisible), "the shortcut list never showed"
    QTest.qWait(200)
    texts = [label.text() for label in dialog.list_area.widget().findChildren(QLabel)]
    bar = dialog.list_area.verticalScrollBar()
    measured = {
        "screen": rect(dialog.screen().availableGeometry()),
        "frame": rect(dialog.frameGeometry()),
        "scrolls": bar.maximum() > 0,
        "headings": [t for t in texts if t in GROUPS],
        "texts": texts,
    }
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    measured["closed_by_esc"] = wait(lambda: not dialog.isVisible(), 5)
    print(json.dumps(measured))
    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
