"""Render the README screenshots of the intake form with the seed's April 12 call typed in (not yet saved).

Run from the repository root under a real X server, once per screen (``QT_SCALE_FACTOR`` is read at start-up)::

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/screenshots/intake_screenshot.py 1366 768 docs/screenshots/intake-form.png
    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=1.5 \
        .venv/bin/python docs/screenshots/intake_screenshot.py 1920 1080 docs/screenshots/intake-form-150.png

The window is sized as a maximized window on that screen (less a 40-pixel task bar and a 30-pixel title bar, scaled
too). The call is typed through the keyboard like in the tests (``tests/intake/keyboard.py``), with the clock set to
the day before, so the countdown reads "in 1 day 6 h"; the form is then scrolled back to the top, as a call-taker
sees it while the caller talks.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="intake-shot-"))
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QThreadPool  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dispatch_console.app import Console  # noqa: E402
from dispatch_console.settings import Settings  # noqa: E402
from dispatch_console.ui.intake.tab import IntakeTab  # noqa: E402
from dispatch_console.ui.theme import apply_theme  # noqa: E402
from tests.intake import keyboard  # noqa: E402
from tests.intake.conftest import NOW  # noqa: E402


def wait(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        QTest.qWait(20)


def main() -> int:
    app = QApplication(sys.argv[:1])
    apply_theme(app, "dark")
    console = Console(settings=Settings(timezone="America/Chicago", console_name="dispatch-02").validated(),
                      start_backend=False)
    origin = time.monotonic()
    console.ctx.clock = lambda: NOW + timedelta(seconds=time.monotonic() - origin)
    width, height = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1366, 768)
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    console.window.resize(round(width / scale), round(height / scale) - 70)
    console.window.move(0, 0)
    console.window.show()
    wait(lambda: console.ready)
    console.sign_in.username.setText("calltaker")
    console.sign_in.password.setText("training-ct")
    console.sign_in.button.click()
    wait(lambda: console.ctx.actor is not None)
    tabs = console.window.tabs
    tab = next(tabs.widget(i) for i in range(tabs.count()) if isinstance(tabs.widget(i), IntakeTab))
    wait(lambda: bool(tab.sites))
    console.window.raise_()
    console.window.activateWindow()
    wait(lambda: QApplication.activeWindow() is console.window, timeout=5.0)
    QTest.keyClick(console.window, keyboard.Qt.Key.Key_F2)
    if QApplication.focusWidget() is None:  # no window manager under Xvfb to activate the window: focus by hand
        QApplication.setActiveWindow(console.window)  # type: ignore[attr-defined]
        tab.focus_first_field()
    keyboard.play(keyboard.APRIL_12[:-1])  # everything but the save
    console.window.set_backend_status("Backend: training")
    QTest.qWait(1200)
    tab.scroll_area.verticalScrollBar().setValue(0)
    QTest.qWait(300)
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT / "docs" / "screenshots" / "intake-form.png"
    console.window.grab().save(str(out))
    print(f"saved {out}")
    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
