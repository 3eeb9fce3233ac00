"""A new call-taker opens the guide from the Help menu, before signing in, and reads it with its screenshots."""

from __future__ import annotations

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
