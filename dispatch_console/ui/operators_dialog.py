"""Admin → Operators: the accounts of the center, and what an admin does with them, without the command line.

Create (with a one-time password the operator replaces at the first sign-in), change the role, disable / enable,
reset the password, reset the second factor (with a reason) and release a lock. Each action is a service call on a
worker; the service checks that the actor is an admin and audits the outcome, and the table is read again after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.domain.enums import Role
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

if TYPE_CHECKING:
    from dispatch_console.services.operators import OperatorView
    from dispatch_console.ui.context import ConsoleContext

COLUMNS = ("User", "Name", "Role", "Status", "Second factor")


class NewOperatorDialog(QDialog):
    """User name, name and role; the console makes the one-time password."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New operator")
        form = QFormLayout(self)
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Name")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        form.addRow("&User name", self.username)
        form.addRow("&Name", self.display_name)
        form.addRow("&Role", self.role)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class OperatorsDialog(QDialog):
    """The table of operators and the admin's actions on the selected one. ``changed(message)`` after each."""

    changed = Signal(str)

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Operators")
        self.resize(760, 420)
        self.ctx = ctx
        self.rows: list[OperatorView] = []
        self.run_dialog: Callable[[QDialog], int] = lambda dialog: dialog.exec()  # tests answer it in place
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Operators")
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, text, slot in (
            ("new", "&New…", self.new_operator),
            ("role", "Change &role…", self.change_role),
            ("active", "&Disable / enable", self.toggle_active),
            ("password", "Reset &password", self.reset_password),
            ("second_factor", "Reset second &factor…", self.reset_second_factor),
            ("release", "Re&lease lock", self.release),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            row.addWidget(button)
            self.buttons[name] = button
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # copy the password
        self.status.setAccessibleName("Operators message")
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reload()

    # --- reading ----------------------------------------------------------------------------------------------
    def reload(self, message: str = "") -> None:
        from dispatch_console.services import operators

        db = self.ctx.db

        def load() -> list[OperatorView]:
            with db.read() as session:
                return operators.list_operators(session)

        def show(rows: list[OperatorView]) -> None:
            selected = self.selected()
            self.rows = rows
            self.table.setRowCount(len(rows))
            for i, op in enumerate(rows):
                status = "Locked" if op.locked else "Active" if op.active else "Disabled"
                if op.must_change_password:
                    status += " (one-time password)"
                for column, text in enumerate((op.username, op.display_name, op.role.label, status,
                                               "Enrolled" if op.second_factor else "—")):
                    self.table.setItem(i, column, QTableWidgetItem(text))
                if selected is not None and op.username == selected.username:
                    self.table.selectRow(i)
            if message:
                self._say(message)
                self.changed.emit(message)

        run_in_background(load, show, lambda e: self._say(f"The operators could not be read: {e}", error=True))

    def selected(self) -> OperatorView | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select(self, username: str) -> None:
        for i, op in enumerate(self.rows):
            if op.username == username:
                self.table.selectRow(i)

    def _say(self, message: str, *, error: bool = False) -> None:
        self.status.setText(message)
        set_role(self.status, "error" if error else "ok")

    # --- acting -----------------------------------------------------------------------------------------------
    def _act(self, work: Callable[[Any], str]) -> None:
        """Run ``work(session)`` in a write transaction as the signed-in admin; show its message or the refusal."""
        db = self.ctx.db

        def run() -> str:
            with db.write() as session:
                return work(session)

        run_in_background(run, self.reload, lambda e: self._say(str(e) or type(e).__name__, error=True))

    def _target(self) -> OperatorView | None:
        op = self.selected()
        if op is None:
            self._say("Select an operator in the table first.", error=True)
        return op

    def new_operator(self, username: str | None = None, display_name: str = "", role: Role | None = None) -> None:
        from dispatch_console.services import operators

        if username is None:
            dialog = NewOperatorDialog(self)
            if not self.run_dialog(dialog):  # 0: cancelled
                return
            username, display_name = dialog.username.text(), dialog.display_name.text()
            role = Role(dialog.role.currentData())  # Qt hands a str enum back as its str
        actor, name = self.ctx.operator, username
        chosen = role or Role.CALL_TAKER

        def work(session: Any) -> str:
            from dispatch_console.services.operators import one_time_password

            password = one_time_password()  # 80 random bits: the length setting is for the password chosen next
            view = operators.create_operator(session, username=name, display_name=display_name, role=chosen,
                                             password=password, actor=actor, min_length=len(password), one_time=True)
            return (f"Created {view.role.label.lower()} '{view.username}'. One-time password: {password} — tell "
                    "it to them; they choose their own at the first sign-in.")

        self._act(work)

    def change_role(self, role: Role | None = None) -> None:
        from dispatch_console.services import operators

        op = self._target()
        if op is None:
            return
        if role is None:
            labels = [r.label for r in Role]
            label, ok = QInputDialog.getItem(self, "Change role", f"Role of {op.username}:", labels,
                                             labels.index(op.role.label), False)
            if not ok:
                return
            role = next(r for r in Role if r.label == label)
        actor, new_role = self.ctx.operator, role

        def work(session: Any) -> str:
            operators.set_role(session, actor=actor, username=op.username, role=new_role)
            return f"'{op.username}' is now {new_role.label.lower()}."

        self._act(work)

    def toggle_active(self) -> None:
        from dispatch_console.services import operators

        op = self._target()
        if op is None:
            return
        actor = self.ctx.operator

        def work(session: Any) -> str:
            operators.set_active(session, actor=actor, username=op.username, active=not op.active)
            return f"'{op.username}' is {'enabled' if not op.active else 'disabled'}."

        self._act(work)

    def reset_password(self) -> None:
        from dispatch_console.services import operators

        op = self._target()
        if op is None:
            return
        actor = self.ctx.operator

        def work(session: Any) -> str:
            password = operators.reset_password(session, actor=actor, username=op.username)
            return (f"One-time password for '{op.username}': {password} — tell it to them; they choose their own "
                    "at the next sign-in.")

        self._act(work)

    def reset_second_factor(self, reason: str | None = None) -> None:
        from dispatch_console.services import second_factor

        op = self._target()
        if op is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, "Reset second factor", f"Why is the second factor of "
                                              f"{op.username} reset? (audited, e.g. \"phone lost, ticket 4711\")")
            if not ok:
                return
        actor, why = self.ctx.operator, reason

        def work(session: Any) -> str:
            second_factor.reset(session, actor=actor, username=op.username, reason=why)
            return f"The second factor of '{op.username}' is reset; they set up a new one at the next sign-in."

        self._act(work)

    def release(self) -> None:
        from dispatch_console.services import operators

        op = self._target()
        if op is None:
            return
        actor = self.ctx.operator

        def work(session: Any) -> str:
            operators.release(session, actor=actor, username=op.username)
            return f"'{op.username}' can sign in again."

        self._act(work)


def open_operators(ctx: ConsoleContext, parent: QWidget) -> OperatorsDialog:
    dialog = OperatorsDialog(ctx, parent)
    dialog.open()
    return dialog
