"""A new call-taker opens the guide from the Help menu, before signing in, and reads it with its screenshots."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from dispatch_console.resources import resource
from dispatch_console.ui.guide import GuideWindow


def test_shift_f1_opens_the_guide_with_every_screenshot_before_sign_in(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    window = console.window
    assert window.stack.currentWidget() is console.sign_in
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    guide = window.guide_window
    qtbot.waitExposed(guide)
    assert isinstance(guide, GuideWindow)
    assert guide.windowTitle() == "Guide — Threat dispatch console"
    text = guide.browser.document().toPlainText()
    for heading in ("Call-takers", "Taking a threat call", "What the priority means", "Drafts", "Supervisors",
                    "Notify, acknowledgements and escalation", "Admins", "First run", "Backups", "The audit log"):
        assert f"\n{heading}\n" in text
    shipped = sorted(p.name for p in resource("guide").glob("*.png"))
    assert sorted(guide.images) == shipped and len(shipped) == 6
    for name in guide.images:  # each picture was found and decoded, not shown as a broken-image box
        image = guide.browser.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert image is not None and not image.isNull(), name


def test_the_help_menu_lists_the_guide_with_its_key(make_console) -> None:  # type: ignore[no-untyped-def]
    window = make_console().window
    action = window.actions_by_name["guide"]
    assert action in window.menus["Help"].actions()
    assert (action.text(), action.shortcut().toString(), action.isEnabled()) == ("&Guide", "Shift+F1", True)


ROOT = Path(__file__).resolve().parents[2]
DOCS_GUIDE_HEADER = ("<!-- The guide as it ships: resources/guide/guide.md (Help → Guide shows that file), with its "
                     "screenshots linked from here. Edit that file, then copy it here; tests/ui/test_guide.py "
                     "compares the two. -->\n\n")


def test_docs_guide_md_is_the_whole_guide_a_reader_of_the_repository_opens_with_its_screenshots() -> None:
    """The issue names ``docs/guide.md`` as the guide: whoever opens it reads the guide itself, not a pointer.

    The console shows ``resources/guide/guide.md`` (it ships in the wheel and the bundle); ``docs/guide.md`` is that
    text with the screenshots linked from ``docs/``, so the two cannot drift apart.
    """
    shipped = resource("guide", "guide.md").read_text(encoding="utf-8")
    in_docs = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    assert in_docs == DOCS_GUIDE_HEADER + shipped.replace("](guide-", "](../resources/guide/guide-")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", in_docs)
    assert len(pictures) == 6
    assert [p for p in pictures if not (ROOT / "docs" / p).resolve().is_file()] == []
    for heading in ("## Call-takers", "## Supervisors", "## Admins"):
        assert f"\n{heading}\n" in in_docs
