"""A console that types a report and then waits to be killed: the crash half of the draft-recovery story.

Usage: ``python -m tests.intake.draft_child DATABASE_URL USERNAME STATEMENT``. Builds the intake form offscreen
against the database (already migrated by the test), types the target and the statement through real key events,
prints ``DRAFT SAVED <id>`` once the draft with the whole statement is committed, and runs until it is killed.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from dispatch_console.db.engine import open_database
    from dispatch_console.domain.enums import Role
    from dispatch_console.services.actor import Actor
    from dispatch_console.settings import Settings
    from dispatch_console.ui.context import ConsoleContext
    from dispatch_console.ui.intake.form import IntakeForm

    url, username, statement = sys.argv[1:4]
    app = QApplication([])
    actor = Actor(username, username, Role.CALL_TAKER, "doomed-console")
    ctx = ConsoleContext(settings=Settings(console_name="doomed-console"), db=open_database(url),
                         tz=ZoneInfo("America/Chicago"), training=True, actor=actor)
    form = IntakeForm(ctx)
    form.show()

    def stored(draft_id: str) -> None:
        if form.statement.toPlainText() == statement:
            print(f"DRAFT SAVED {draft_id}", flush=True)

    form.draft_saved.connect(stored)
    QTest.keyClicks(form.target, "Central High School")
    for char in statement:  # key events carrying any Unicode text, as an input method delivers them
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(form.statement, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
