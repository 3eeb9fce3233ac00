"""Settings → Backend: the live backend's URL, a private CA bundle, and the token (OS keyring only).

The token is never written to a file, never shown (a password field, cleared as soon as it is stored) and never put
in a message. When no secure keyring exists the dialog says so plainly and offers to keep the token for this run
only (in memory), rather than silently falling back to a plaintext file. TLS verification is not a setting: only a
CA bundle can be added, for a department's private certificate authority.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_console.credentials import BACKEND_TOKEN, InsecureKeyringError, KeyringStore, SessionStore
from dispatch_console.settings import save_settings
from dispatch_console.ui.context import ConsoleContext
from dispatch_console.ui.theme import set_role
from dispatch_console.ui.worker import run_in_background

SHORTCUT = "Ctrl+Shift+B"


def url_problem(url: str) -> str:
    """What is wrong with a backend URL, in words ('' when it is fine; empty means training mode)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Type the backend's address, e.g. https://cad.example.org/api (leave empty for training mode)."
    if parts.username or parts.password or parts.query or parts.fragment:
        return "The address must not contain a user name, password, query or fragment; the token goes below."
    if parts.scheme == "http":
        host = parts.hostname
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return "Use https: the token must never cross the network in clear text (http only for this computer)."
    return ""


def session_store(ctx: ConsoleContext) -> SessionStore:
    """The console's "this run only" store, shared with the token provider."""
    if ctx.session_store is None:
        ctx.session_store = SessionStore()
    return ctx.session_store


class BackendSettingsDialog(QDialog):
    """Edit the backend URL, CA bundle and token; only an admin may save."""

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings — Backend")
        self.setAccessibleName("Backend settings")
        column = QVBoxLayout(self)
        form = QFormLayout()
        column.addLayout(form)

        self.url = QLineEdit(ctx.settings.backend_url)
        self.url.setAccessibleName("Backend URL")
        self.url.setPlaceholderText("https://cad.example.org/api — empty: training mode")
        self.url_error = QLabel("")
        set_role(self.url_error, "error")
        url_label = QLabel("Backend &URL:")
        url_label.setBuddy(self.url)
        form.addRow(url_label, self.url)
        form.addRow("", self.url_error)

        ca_row = QHBoxLayout()
        self.ca_bundle = QLineEdit(ctx.settings.ca_bundle)
        self.ca_bundle.setAccessibleName("CA bundle path")
        self.ca_bundle.setPlaceholderText("empty: the system's trusted certificates")
        self.browse = QPushButton("&Browse …")
        self.browse.setAccessibleName("Choose a CA bundle file")
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(self.browse)
        ca_label = QLabel("&CA bundle:")
        ca_label.setBuddy(self.ca_bundle)
        self.ca_error = QLabel("")
        set_role(self.ca_error, "error")
        form.addRow(ca_label, ca_row)
        form.addRow("", self.ca_error)
        tls = QLabel("TLS certificates are always verified; a CA bundle only adds a private authority.")
        set_role(tls, "hint")
        form.addRow("", tls)

        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("Backend token")
        self.token.setPlaceholderText("type a new token to replace the stored one; empty keeps it")
        token_label = QLabel("&Token:")
        token_label.setBuddy(self.token)
        form.addRow(token_label, self.token)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Backend settings message")
        column.addWidget(self.status)
        buttons = QHBoxLayout()
        self.this_run = QPushButton("Keep for this &run only")
        self.this_run.setAccessibleName("Keep the token for this run only")
        self.this_run.hide()
        self.save = QPushButton("&Save")
        self.save.setDefault(True)
        self.cancel = QPushButton("Close")
        for button in (self.this_run, self.save, self.cancel):
            buttons.addWidget(button)
        column.addLayout(buttons)

        self.browse.clicked.connect(self._browse)
        self.save.clicked.connect(self.save_settings)
        self.this_run.clicked.connect(self.keep_for_this_run)
        self.cancel.clicked.connect(self.reject)
        admin = ctx.actor is not None and ctx.actor.is_admin
        self.save.setEnabled(admin)
        if not admin:
            self._say("Only an admin can change the backend settings; sign in as an admin.", "hint")

    def _say(self, text: str, role: str) -> None:
        self.status.setText(text)
        set_role(self.status, role)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA bundle", "", "Certificates (*.pem *.crt);;All files (*)")
        if path:
            self.ca_bundle.setText(path)

    def _validate(self) -> bool:
        url = self.url.text().strip()
        ca = self.ca_bundle.text().strip()
        problem = url_problem(url)
        self.url_error.setText(problem)
        ca_problem = "" if not ca or os.path.exists(ca) else f"No file or folder at {ca}; check the path."
        self.ca_error.setText(ca_problem)
        return not problem and not ca_problem

    def save_settings(self) -> None:
        """Store the token in the keyring (in the background) and the URL and CA bundle in the settings file."""
        if not self._validate():
            self._say("Fix the fields marked above, then save again.", "error")
            return
        token = self.token.text().strip()
        url = self.url.text().strip()
        ca = self.ca_bundle.text().strip()
        ctx = self.ctx
        actor = ctx.actor
        self.save.setEnabled(False)

        def work() -> None:
            if token:
                KeyringStore().set(BACKEND_TOKEN, token)
            ctx.settings.backend_url = url
            ctx.settings.ca_bundle = ca
            save_settings(ctx.settings)
            if actor is not None:
                from dispatch_console.services import audit

                with ctx.db.write() as session:
                    audit.record(session, actor=actor, action="backend.settings", record_type="console",
                                 record_id=actor.console,
                                 detail={"backend_url": url, "ca_bundle": ca, "credential_changed": bool(token)})

        def done(_: Any) -> None:
            self.save.setEnabled(True)
            self.token.clear()
            self._resume()
            text = "Saved. The token is in the OS keyring." if token else "Saved."
            if url != ctx.backend_url and not (ctx.training and not url):
                text += " The new backend address takes effect at the next start of the console."
            self._say(text, "ok")

        def failed(error: BaseException) -> None:
            self.save.setEnabled(True)
            if isinstance(error, InsecureKeyringError):
                self._say(f"{error}", "error")
                self.this_run.show()
                self.this_run.setFocus()
            else:  # CredentialError and OSError messages never contain the token
                self._say(f"Not saved: {error}", "error")

        run_in_background(work, done, failed)

    def keep_for_this_run(self) -> None:
        """No secure keyring: keep the token in memory until the console quits (never in a file)."""
        token = self.token.text().strip()
        if not token:
            self._say("Type the token first.", "error")
            return
        session_store(self.ctx).set(BACKEND_TOKEN, token)
        self.token.clear()
        self.this_run.hide()
        self._resume()
        self._say("The token is kept in memory for this run only; you will be asked again after a restart.", "ok")

    def _resume(self) -> None:
        dispatcher = self.ctx.outbox_dispatcher
        if dispatcher is not None:
            dispatcher.resume()


def open_backend_settings(ctx: ConsoleContext, parent: QWidget | None = None) -> BackendSettingsDialog:
    """Show the dialog (non-modal, so the console keeps running) and return it."""
    dialog = BackendSettingsDialog(ctx, parent)
    dialog.show()
    dialog.url.setFocus()
    return dialog
