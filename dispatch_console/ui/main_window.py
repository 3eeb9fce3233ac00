"""The main window: it only assembles parts (pages, tabs, menus, status bar) and owns the screen lock.

Pages: sign-in, workspace (tabs added by the composition root), lock. Every action is a ``QAction`` with a shortcut
in a menu, so the whole console works from the keyboard and F1 can list every shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.ui.signin import LockPage, SignInPage
from dispatch_console.ui.theme import app_icon, set_role

TRAINING_TEXT = "TRAINING — no real units are paged"


class IdleWatcher(QObject):
    """Restarts a timer on every key press or mouse action anywhere in the application."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self.enabled = False

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(int(minutes * 60_000))

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.enabled and event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.MouseMove,
        ):
            self.timer.start()
        return False


class MainWindow(QMainWindow):
    lock_requested = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        *,
        sign_in: SignInPage,
        lock: LockPage,
        training: bool,
        database_text: str,
        tz: tzinfo,
        lock_minutes: int,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Threat dispatch console")
        self.setWindowIcon(app_icon())
        self.resize(1400, 900)
        self.tz = tz
        self.training = training
        self.actions_by_name: dict[str, QAction] = {}
        self.operator_name = ""
        # Before any quit or sign-out, work in progress is written at once (``work_savers``), then each quit guard
        # may ask and keep the window open by returning False (the intake: "a report is in progress").
        self.work_savers: dict[str, Callable[[], None]] = {}
        self.quit_guards: dict[str, Callable[[], bool]] = {}

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.banner = QLabel(TRAINING_TEXT if training else "LIVE backend")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setAccessibleName("Backend mode")
        set_role(self.banner, "banner-training" if training else "banner-live")
        column.addWidget(self.banner)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.sign_in_page = sign_in
        self.lock_page = lock
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workspace")
        self.tabs.setDocumentMode(True)
        self.stack.addWidget(sign_in)
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(lock)
        lock.unlocked.connect(self.unlock)

        self._build_status_bar(database_text)
        self.menus: dict[str, QMenu] = {}
        for title in ("&File", "&View", "&Threat", "&Admin", "&Help"):
            self.menus[title.replace("&", "")] = self.menuBar().addMenu(title)
        self.add_action("File", "lock", "&Lock screen", "Ctrl+L", self.lock_screen)
        self.add_action("File", "sign_out", "Sign &out", "Ctrl+Shift+Q", self.sign_out_requested.emit)
        self.add_action("File", "quit", "&Quit", "Ctrl+Q", self.close)
        self.add_action("Help", "shortcuts", "&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.add_action("Help", "guide", "&Guide", "Shift+F1", self.show_guide)
        self.set_signed_in(False)

        self.idle = IdleWatcher(lock_minutes, self)
        self.idle.idle.connect(self.lock_screen)
        QApplication.instance().installEventFilter(self.idle)  # type: ignore[union-attr]

    def save_work_now(self) -> None:
        """Write every piece of work in progress at once (a draft typed 0.1 s ago is not lost to a quit)."""
        for save in list(self.work_savers.values()):
            save()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ctrl+Q or the window's close button: work in progress is written first, then the guards may ask."""
        self.save_work_now()
        if not all(guard() for guard in list(self.quit_guards.values())):
            event.ignore()
            return
        super().closeEvent(event)

    # --- assembly -------------------------------------------------------------------------------------------
    def add_action(
        self, menu: str, name: str, text: str, shortcut: str | QKeySequence | None, slot: Callable[[], object],
        *, extra_shortcuts: tuple[str, ...] = (),
    ) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(shortcut)] if shortcut else []
        keys += [QKeySequence(s) for s in extra_shortcuts]
        if keys:
            action.setShortcuts(keys)
            # per window: two consoles in one process (tests) never make a key ambiguous
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.menus[menu].addAction(action)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def add_tab(self, widget: QWidget, title: str, shortcut: str) -> None:
        index = self.tabs.addTab(widget, f"{title}  [{shortcut}]")
        widget.setAccessibleName(title)

        def show() -> None:
            self.tabs.setCurrentIndex(index)
            widget.setFocus()

        self.add_action("View", f"tab_{title.lower()}", f"Show {title}", shortcut, show)

    def _build_status_bar(self, database_text: str) -> None:
        bar = self.statusBar()
        self.operator_label = QLabel("Not signed in")
        self.database_label = QLabel(database_text)
        self.backend_label = QLabel("Backend: starting …" if self.training else "Backend: connecting …")
        self.clock_label = QLabel("")
        for label, name in (
            (self.operator_label, "Operator"),
            (self.database_label, "Database"),
            (self.backend_label, "Backend"),
            (self.clock_label, "Clock"),
        ):
            label.setAccessibleName(name)
            bar.addPermanentWidget(label)
        self.clock = QTimer(self)
        self.clock.timeout.connect(self._tick)
        self.clock.start(1000)
        self._tick()

    def _tick(self) -> None:
        self.clock_label.setText(datetime.now(self.tz).strftime("%a %d %b %H:%M:%S"))

    def set_backend_status(self, text: str, ok: bool = True) -> None:
        self.backend_label.setText(text)
        set_role(self.backend_label, "" if ok else "error")

    # --- sign-in, lock ----------------------------------------------------------------------------------------
    def set_signed_in(self, signed_in: bool, operator_text: str = "", lock_enabled: bool = True) -> None:
        self.operator_name = operator_text
        self.operator_label.setText(operator_text or "Not signed in")
        for title in ("View", "Threat", "Admin"):
            self.menus[title].setEnabled(signed_in)
        self.actions_by_name["lock"].setEnabled(signed_in)
        self.actions_by_name["sign_out"].setEnabled(signed_in)
        self.stack.setCurrentWidget(self.tabs if signed_in else self.sign_in_page)
        if hasattr(self, "idle"):
            self.idle.set_enabled(signed_in and lock_enabled)

    def lock_screen(self) -> None:
        if self.stack.currentWidget() is not self.tabs:
            return
        self.idle.set_enabled(False)
        self._focus_before_lock = QApplication.focusWidget()
        self.tabs.hide()
        for title in ("View", "Threat", "Admin"):
            self.menus[title].setEnabled(False)
        self.stack.setCurrentWidget(self.lock_page)
        self.lock_page.arm(self.operator_name)
        self.lock_requested.emit()

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_page

    def unlock(self) -> None:
        self.tabs.show()
        self.stack.setCurrentWidget(self.tabs)
        for title in ("View", "Threat", "Admin"):
            self.menus[title].setEnabled(True)
        self.idle.set_enabled(self._lock_enabled)
        focus = getattr(self, "_focus_before_lock", None)
        if focus is not None:
            focus.setFocus()

    _lock_enabled = True

    def set_lock_enabled(self, enabled: bool) -> None:
        self._lock_enabled = enabled
        self.idle.set_enabled(enabled and self.stack.currentWidget() is self.tabs)

    def show_guide(self) -> None:
        from dispatch_console.ui.guide import open_guide

        self.guide_window = open_guide(self)

    def show_shortcuts(self) -> None:
        from dispatch_console.ui.shortcut_help import show_shortcuts

        show_shortcuts(self)  # grouped by task, fits the screen and scrolls, Esc closes (ui/shortcut_help.py)
