"""Admin actions: operators, site directory import, releasing locked operators, screen-lock exemption, theme; and
File → Set up second factor, which every operator may use for their own account.

Every action goes through a service, which checks the role and audits the outcome; a refusal is shown in words.
Services are imported inside the actions: these menus exist before sign-in, and start-up must not pay for
SQLAlchemy on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QWidget,
)

from dispatch_console.domain.text import plural
from dispatch_console.settings import save_settings
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.main_window import MainWindow
from dispatch_console.ui.theme import apply_theme
from dispatch_console.ui.worker import run_in_background

if TYPE_CHECKING:  # the CSV reader is imported with the import action, not before the sign-in page shows
    from dispatch_console.domain.site_csv import CsvResult


class AdminActions:
    """Registers the Admin and View menu actions once; they act for whoever is signed in."""

    def __init__(self, ctx: ConsoleContext, window: MainWindow) -> None:
        self.ctx = ctx
        self.window = window
        window.add_action("Admin", "operators", "&Operators…", "Ctrl+Alt+M", self.open_operators)
        window.add_action("File", "second_factor_setup", "Set up &second factor…", "Ctrl+Alt+T",
                          self.set_up_second_factor)
        window.add_action("Admin", "import_sites", "&Import site directory (CSV)…", "Ctrl+Shift+I", self.import_sites)
        window.add_action("Admin", "release_operator", "&Release a locked operator…", "Ctrl+Alt+O",
                          self.release_operator)
        window.add_action("Admin", "lock_exempt", "Exempt this console from the screen &lock…", "Ctrl+Shift+E",
                          self.toggle_lock_exemption)
        window.add_action("Admin", "console_settings", "&Console settings (database, name)…", "Ctrl+Alt+C",
                          self.console_settings)
        window.add_action("View", "toggle_theme", "Switch theme: &dark / light / high contrast", "Ctrl+Shift+T",
                          self.toggle_theme)

    def console_settings(self) -> None:
        from dispatch_console.ui.console_settings import open_console_settings

        self.console_settings_dialog = open_console_settings(self.ctx, self.window)

    def _message(self, title: str, text: str, *, error: bool = False) -> None:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information)
        box.setWindowTitle(title)
        box.setText(text)
        box.open()

    def _failed(self, title: str) -> object:
        def show(error: BaseException) -> None:
            from dispatch_console.services.actor import PermissionDenied

            self._message(title, str(error) if isinstance(error, PermissionDenied) else
                          f"{title} failed: {error}", error=True)

        return show

    def open_operators(self) -> QDialog | None:
        """Admins only: the dialog reads the table at once, and every action is checked again by the service."""
        if self.ctx.actor is None:
            return None
        if not self.ctx.actor.is_admin:
            self._message("Operators", "Only an admin can manage operators.", error=True)
            return None
        from dispatch_console.ui.operators_dialog import open_operators

        return open_operators(self.ctx, self.window)

    def set_up_second_factor(self) -> QDialog | None:
        if self.ctx.actor is None:
            return None
        from dispatch_console.ui.second_factor import open_enrolment

        return open_enrolment(self.ctx, self.window)

    def import_sites(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import site directory", "",
                                                  "CSV or Unicode text (*.csv *.txt)")
            if not path:
                return
        from dispatch_console.services import sites

        actor = self.ctx.operator

        def work() -> CsvResult:
            text = sites.read_csv_file(Path(path))
            with self.ctx.db.write() as session:
                return sites.import_csv(session, actor=actor, text=text, source=Path(path).name)

        def done(result: CsvResult) -> None:
            if result.ok:
                self._message("Site directory",
                              f"Imported {plural(len(result.records), 'site')} from {Path(path).name}.")
            else:
                rows = "\n".join(str(e) for e in result.errors[:30])
                more = f"\n… and {len(result.errors) - 30} more" if len(result.errors) > 30 else ""
                self._message("Site directory not imported",
                              f"Nothing was imported. Fix these rows and import the whole file again:\n{rows}{more}",
                              error=True)

        run_in_background(work, done, self._failed("Import"))  # type: ignore[arg-type]

    def release_operator(self) -> None:
        from dispatch_console.services import operators

        actor = self.ctx.operator

        def load() -> list[str]:
            with self.ctx.db.read() as session:
                return [o.username for o in operators.list_operators(session) if o.locked]

        def chosen(locked: list[str]) -> None:
            if not locked:
                self._message("Locked operators", "No operator account is locked.")
                return
            name, ok = QInputDialog.getItem(self.window, "Release operator", "Locked account:", locked, 0, False)
            if not ok:
                return

            def release() -> str:
                with self.ctx.db.write() as session:
                    operators.release(session, actor=actor, username=name)
                return name

            run_in_background(release, lambda n: self._message("Released", f"'{n}' can sign in again."),
                              self._failed("Release"))  # type: ignore[arg-type]

        run_in_background(load, chosen, self._failed("Release"))  # type: ignore[arg-type]

    def toggle_lock_exemption(self) -> None:
        from dispatch_console.services import consoles

        actor = self.ctx.operator
        console = self.ctx.settings.console_name

        def work() -> bool:
            with self.ctx.db.read() as session:
                exempt = not consoles.is_lock_exempt(session, console)
            with self.ctx.db.write() as session:
                consoles.set_lock_exempt(session, actor=actor, console=console, exempt=exempt)
            return exempt

        def done(exempt: bool) -> None:
            self.window.set_lock_enabled(not exempt)
            self._message("Screen lock", f"Console '{console}' is now "
                          + ("exempt from the screen lock (secure floor)." if exempt else "locked after inactivity."))

        run_in_background(work, done, self._failed("Screen-lock exemption"))  # type: ignore[arg-type]

    def toggle_theme(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        following = {"dark": "light", "light": "high-contrast"}  # and from high contrast back to dark
        self.ctx.settings.theme = following.get(self.ctx.settings.theme, "dark")
        apply_theme(app, self.ctx.settings.theme)
        save_settings(self.ctx.settings)
        for widget in app.allWidgets():
            if hasattr(widget, "theme_changed"):
                widget.theme_changed()


def install_admin_actions(ctx: ConsoleContext, window: MainWindow) -> QWidget | None:
    AdminActions(ctx, window)
    return None
