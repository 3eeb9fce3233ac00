"""Render the README screenshot of the intake form with the seed's April 12 call typed in (not yet saved).

Run from the repository root: ``QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/intake_screenshot.py``.
The call is typed through the keyboard like in the tests (``tests/intake/keyboard.py``), with the clock set to the
day before, so the countdown reads "in 1 day 6 h". Writes ``docs/screenshots/intake-form.png``.
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
    app = QApplication(sys.argv)
    apply_theme(app, "dark")
    console = Console(settings=Settings(timezone="America/Chicago", console_name="dispatch-02").validated(),
                      start_backend=False)
    origin = time.monotonic()
    console.ctx.clock = lambda: NOW + timedelta(seconds=time.monotonic() - origin)
    console.window.resize(1500, 1900)
    console.window.show()
    wait(lambda: console.ready)
    console.sign_in.username.setText("calltaker")
    console.sign_in.password.setText("training-ct")
    console.sign_in.button.click()
    wait(lambda: console.ctx.actor is not None)
    tabs = console.window.tabs
    tab = next(tabs.widget(i) for i in range(tabs.count()) if isinstance(tabs.widget(i), IntakeTab))
    wait(lambda: bool(tab.sites))
    console.window.activateWindow()
    QTest.keyClick(console.window, keyboard.Qt.Key.Key_F2)
    keyboard.play(keyboard.APRIL_12[:-1])  # everything but the save
    console.window.set_backend_status("Backend: training")
    QTest.qWait(1200)
    out = ROOT / "docs" / "screenshots" / "intake-form.png"
    console.window.grab().save(str(out))
    print(f"saved {out}")
    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
