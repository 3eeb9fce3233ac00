"""Take a screenshot of the console's main window after a demo sign-in (run under Xvfb for a real X window).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_screenshot.py OUT.png \
        [--user supervisor --password training-sv --tab Queue --theme dark]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--user", default="supervisor")
    parser.add_argument("--password", default="training-sv")
    parser.add_argument("--tab", default="")
    parser.add_argument("--theme", default="dark")
    parser.add_argument("--signed-out", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DISPATCH_CONSOLE_HOME", tempfile.mkdtemp(prefix="dc-shot-"))

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from dispatch_console.app import Console
    from dispatch_console.settings import Settings
    from dispatch_console.ui.theme import app_icon, apply_theme

    app = QApplication(sys.argv)
    app.setWindowIcon(app_icon())
    apply_theme(app, args.theme)
    console = Console(settings=Settings(theme=args.theme, console_name="dispatch-07").validated())
    console.window.resize(1500, 920)
    console.window.show()

    def wait(condition, then, budget=400):  # type: ignore[no-untyped-def]
        if condition() or budget <= 0:
            then()
        else:
            QTimer.singleShot(50, lambda: wait(condition, then, budget - 1))

    def sign_in() -> None:
        if args.signed_out:
            QTimer.singleShot(300, shoot)
            return
        console.sign_in.username.setText(args.user)
        console.sign_in.password.setText(args.password)
        console.sign_in.button.click()
        wait(lambda: console.ctx.actor is not None and console.ctx.backend_url != "", choose_tab)

    def choose_tab() -> None:
        for index in range(console.window.tabs.count()):
            if console.window.tabs.tabText(index).startswith(args.tab or "\0"):
                console.window.tabs.setCurrentIndex(index)
        QTimer.singleShot(1500, shoot)

    def shoot() -> None:
        console.window.grab().save(args.output)
        print(f"saved {args.output}")
        app.quit()

    wait(lambda: console.ready, sign_in)
    app.exec()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(5000)
    console.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
