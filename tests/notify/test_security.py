"""Security stories: TLS is always verified, and a planted token never shows up anywhere it could leak."""

from __future__ import annotations

import http.server
import json
import logging
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from dispatch_console.credentials import BACKEND_TOKEN, SERVICE
from dispatch_console.db.models import ThreatRow
from dispatch_console.domain.enums import UnitKind
from dispatch_console.gateway.client import NotifyClient, NotifyError
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import triage
from dispatch_console.services.dispatcher import make_client_factory
from dispatch_console.ui.backend_settings import BackendSettingsDialog, session_store
from dispatch_console.ui.units.panel import UnitsPanel
from tests.notify.factories import make_threat
from tests.notify.test_units_panel import CALL_TAKER, console_with_backend
from tests.ui.conftest import make_console, sign_in

__all__ = ["make_console"]
PLANTED = "PLANTED-tok3n-9f8e7d6c5b4a-0a1b2c3d4e5f"
REVOKED = "REVOKED-tok3n-1a2b3c4d5e6f"


# --- TLS ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTPS server with a self-signed certificate for 127.0.0.1 (so only a configured CA trusts it)."""
    cert, key = tmp_path / "ca.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )

    class Units(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"units": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Units)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_tls_is_verified_and_a_private_ca_bundle_can_be_configured(tls_server: tuple[str, Path]) -> None:
    url, ca = tls_server
    untrusted = make_client_factory(url, lambda: PLANTED)()
    with pytest.raises(NotifyError, match="TLS certificate could not be verified"):
        untrusted.list_units()
    trusted = make_client_factory(url, lambda: PLANTED, ca_bundle=str(ca))()
    assert trusted.list_units() == [] and trusted.session.verify == str(ca)
    with pytest.raises(ValueError, match="cannot be switched off"):
        NotifyClient(url, lambda: PLANTED, ca_bundle=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="https"):
        NotifyClient("http://cad.example.org/api", lambda: PLANTED)


# --- the settings dialog -----------------------------------------------------------------------------------------


def test_the_token_goes_to_the_keyring_only_and_the_field_is_cleared(
    qtbot: QtBot, make_console, memory_keyring, console_home: Path  # type: ignore[no-untyped-def]
) -> None:
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    dialog = BackendSettingsDialog(console.ctx, console.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.url, "http://cad.example.org/api")
    dialog.save.click()
    assert "Use https" in dialog.url_error.text() and dialog.url.text() == "http://cad.example.org/api"
    dialog.url.clear()
    qtbot.keyClicks(dialog.url, "https://cad.example.org/api")
    qtbot.keyClicks(dialog.token, PLANTED)
    assert dialog.token.echoMode() == QLineEdit.EchoMode.Password and PLANTED not in dialog.token.displayText()
    dialog.save.click()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Saved."), timeout=10_000)
    assert memory_keyring.values[(SERVICE, BACKEND_TOKEN)] == PLANTED
    assert dialog.token.text() == ""
    settings = (console_home / "config" / "settings.json").read_text()
    assert "https://cad.example.org/api" in settings and PLANTED not in settings


def test_without_a_secure_keyring_the_dialog_says_so_and_offers_this_run_only(
    qtbot: QtBot, make_console  # type: ignore[no-untyped-def]
) -> None:
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    keyring.set_keyring(fail.Keyring())
    dialog = BackendSettingsDialog(console.ctx, console.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.token, PLANTED)
    dialog.save.click()
    qtbot.waitUntil(lambda: "No secure keyring" in dialog.status.text(), timeout=10_000)
    assert dialog.this_run.isVisible() and dialog.token.text() == PLANTED  # typed text is never thrown away
    dialog.this_run.click()
    assert session_store(console.ctx).get(BACKEND_TOKEN) == PLANTED and dialog.token.text() == ""
    assert "this run only" in dialog.status.text()


def test_only_an_admin_may_save_backend_settings(qtbot: QtBot, make_console) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console)
    dialog = BackendSettingsDialog(console.ctx, console.window)
    qtbot.addWidget(dialog)
    assert not dialog.save.isEnabled() and "Only an admin" in dialog.status.text()


# --- the planted token ------------------------------------------------------------------------------------------


def widget_texts(root: QWidget) -> list[str]:
    found = [root.windowTitle(), root.toolTip(), root.accessibleName()]
    for w in root.findChildren(QWidget):
        found += [w.toolTip(), w.accessibleName(), w.windowTitle()]
        if isinstance(w, QLabel | QAbstractButton):
            found.append(w.text())
        if isinstance(w, QLineEdit):
            found += [w.displayText(), w.placeholderText()]
    return found


def test_a_planted_token_never_appears_in_logs_files_database_messages_or_widgets(
    qtbot: QtBot, make_console, tmp_path: Path, console_home: Path,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = ReferenceBackend(PLANTED, db_path=tmp_path / "leak-backend.sqlite3", deliver_after=0.05, ack_after=0.2)
    backend.start()
    try:
        console = console_with_backend(make_console, backend, token=REVOKED)  # first a refused token …
        sign_in(qtbot, console, "admin", "training-ad")
        threat_id = make_threat(console.db, CALL_TAKER)
        with console.db.write() as session:  # the roster cannot be read with a refused token: designate by hand
            for unit in ("NOR-P1", "SRO-04"):
                version = session.get(ThreatRow, threat_id).version  # type: ignore[union-attr]
                triage.assign_unit(session, actor=console.ctx.operator, threat_id=threat_id,
                                   expected_version=version, unit_id=unit, kind=UnitKind.PATROL)
        panel = UnitsPanel(console.ctx, console.window)
        qtbot.addWidget(panel)
        panel.show()
        panel.set_threat(threat_id)
        qtbot.waitUntil(lambda: panel.notify_button.isEnabled(), timeout=10_000)
        panel.notify_button.click()
        qtbot.waitUntil(lambda: "credentials" in panel.banner.text() and "not reached" in panel.banner.text(),
                        timeout=15_000)
        refusal = panel.banner.text()
        console.token_holder["token"] = PLANTED  # … then the right one: a full fan-out with acknowledgements
        console.ctx.outbox_dispatcher.resume()  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: bool(panel.model.rows) and all(r.state_text.startswith("✔")
                                                               for r in panel.model.rows), timeout=20_000)
        dialog = BackendSettingsDialog(console.ctx, console.window)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.token, PLANTED)

        model_text = [str(panel.model.data(panel.model.index(r, c)))
                      for r in range(panel.model.rowCount()) for c in range(panel.model.columnCount())]
        shown = widget_texts(panel) + widget_texts(dialog) + widget_texts(console.window) + model_text + [refusal]
        health = console.ctx.outbox_dispatcher.health()  # type: ignore[union-attr]
        console.ctx.notifications.stop()  # type: ignore[union-attr]
        console.ctx.notifications = None
    finally:
        backend.close()
    for secret in (PLANTED, REVOKED):
        assert not any(secret in text for text in shown)
        assert secret not in caplog.text and secret not in health.message
        for path in [*console_home.rglob("*"), *tmp_path.rglob("*")]:
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert "Settings → Backend" in " ".join(shown)  # the refusal was visible in words (and is now resolved)
