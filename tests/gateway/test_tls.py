"""HTTPS between the console and the reference backend, with a throwaway CA made by ``trustme`` for each test.

The console trusts exactly the CA bundle named in its Settings: the backend's certificate is accepted when that CA
signed it, refused with a message that says where to look when another CA did, and a plain-http URL to another
computer is refused before any traffic (the bearer token would cross the network in clear text).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import trustme

from dispatch_console.gateway.client import NotifyClient, NotifyError, OutcomeKind
from dispatch_console.gateway.contract import NotificationState
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services.dispatcher import make_client_factory
from dispatch_console.settings import Settings, load_settings, save_settings
from tests.gateway.conftest import ROOT, TOKEN, make_request


def _files(tmp_path: Path, ca: trustme.CA) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 signed by ``ca``, written as PEM chain and key files."""
    server = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "server-chain.pem", tmp_path / "server-key.pem"
    server.cert_chain_pems[0].write_to_path(str(cert))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(cert), append=True)
    server.private_key_pem.write_to_path(str(key))
    return cert, key


def _ca_file(tmp_path: Path, ca: trustme.CA, name: str) -> str:
    path = tmp_path / name
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def tls_backend(make_backend: Callable[..., ReferenceBackend], tmp_path: Path) -> tuple[ReferenceBackend, str]:
    """A started HTTPS backend and the path of the CA bundle that signed its certificate."""
    ca = trustme.CA()
    cert, key = _files(tmp_path, ca)
    return make_backend(tls_cert=cert, tls_key=key), _ca_file(tmp_path, ca, "department-ca.pem")


def test_the_console_verifies_the_backend_with_the_ca_bundle_from_settings(
    tls_backend: tuple[ReferenceBackend, str], tmp_path: Path
) -> None:
    backend, ca_bundle = tls_backend
    assert backend.url.startswith("https://127.0.0.1:")
    settings_file = tmp_path / "settings.json"
    save_settings(Settings(backend_url=backend.url, ca_bundle=ca_bundle), settings_file)
    settings = load_settings(settings_file)

    client = make_client_factory(settings.backend_url, lambda: TOKEN, ca_bundle=settings.ca_bundle)()
    try:
        assert client.health() is True
        assert len(client.list_units()) == 61
        outcome = client.send(make_request())
        assert outcome.kind is OutcomeKind.ACCEPTED and outcome.status is NotificationState.ACCEPTED
        assert client.session.verify == ca_bundle
    finally:
        client.close()
    assert backend.notification_count() == 1


def test_a_certificate_from_another_ca_is_refused_with_a_clear_message(
    tls_backend: tuple[ReferenceBackend, str], tmp_path: Path
) -> None:
    backend, _right = tls_backend
    wrong = _ca_file(tmp_path, trustme.CA(), "some-other-ca.pem")
    client = NotifyClient(backend.url, lambda: TOKEN, ca_bundle=wrong)
    expected = (
        f"the backend's TLS certificate could not be verified with the CA bundle {wrong} (another CA, another host "
        "name or expired); check the backend URL and the CA bundle in Settings → Backend"
    )
    try:
        outcome = client.send(make_request())
        with pytest.raises(NotifyError) as refused:
            client.list_units()
    finally:
        client.close()
    assert (outcome.kind, outcome.error_code, outcome.reason) == (OutcomeKind.RETRYABLE, "tls_error", expected)
    assert refused.value.reason == expected
    assert backend.notification_count() == 0

    system = NotifyClient(backend.url, lambda: TOKEN)  # no bundle: the system's CAs do not know a private CA either
    try:
        assert system.send(make_request()).reason == expected.replace(
            f"the CA bundle {wrong}", "the system's certificates"
        )
    finally:
        system.close()


def test_plain_http_to_another_computer_is_refused_without_sending_anything() -> None:
    refused = "plain http is allowed only for a backend on this computer; use https"
    for url in ("http://192.0.2.10:8765", "http://0.0.0.0:8765", "http://cad.example.org/api", "http://10.1.2.3"):
        with pytest.raises(ValueError) as error:
            make_client_factory(url, lambda: TOKEN)()  # what the console builds from Settings → Backend
        assert str(error.value) == refused, url
    for url in ("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"):
        NotifyClient(url, lambda: TOKEN).close()  # loopback: the in-process training backend


def test_the_backend_refuses_tls_older_than_1_2(tls_backend: tuple[ReferenceBackend, str]) -> None:
    backend, ca_bundle = tls_backend
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(ca_bundle)
    with warnings.catch_warnings():  # the old versions are deprecated in ssl, which is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # this client would speak TLS 1.1 to a server that allowed it
    with socket.create_connection(("127.0.0.1", backend.port), timeout=5) as raw, pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname="127.0.0.1")
    modern = ssl.create_default_context(cafile=ca_bundle)
    with (
        socket.create_connection(("127.0.0.1", backend.port), timeout=5) as raw,
        modern.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_a_client_that_never_finishes_the_handshake_does_not_block_others(
    make_backend: Callable[..., ReferenceBackend], tmp_path: Path
) -> None:
    ca = trustme.CA()
    cert, key = _files(tmp_path, ca)
    backend = make_backend(tls_cert=cert, tls_key=key, header_timeout=30)
    with socket.create_connection(("127.0.0.1", backend.port), timeout=5):  # connects, sends nothing
        r = requests.get(f"{backend.url}/v1/health", verify=_ca_file(tmp_path, ca, "ca.pem"), timeout=5)
        assert r.json() == {"status": "ok"}


def test_tls_options_are_checked_before_the_start(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert, key = _files(tmp_path, ca)
    with pytest.raises(ValueError) as one:
        ReferenceBackend(TOKEN, tls_cert=cert)
    assert str(one.value) == "TLS needs both a certificate and its key (--tls-cert and --tls-key)"
    with pytest.raises(ValueError) as missing:
        ReferenceBackend(TOKEN, tls_cert=tmp_path / "nope.pem", tls_key=key)
    assert str(missing.value) == f"the TLS certificate file {str(tmp_path / 'nope.pem')!r} does not exist"
    other_key = tmp_path / "other-key.pem"
    trustme.CA().issue_cert("127.0.0.1").private_key_pem.write_to_path(str(other_key))
    with pytest.raises(ValueError, match="could not be loaded"):
        ReferenceBackend(TOKEN, tls_cert=cert, tls_key=other_key)
    # With TLS, a network interface is allowed (not started here: the test binds nothing but loopback).
    assert ReferenceBackend(TOKEN, host="0.0.0.0", tls_cert=cert, tls_key=key).running is False


def test_the_gateway_command_serves_https_with_tls_cert_and_tls_key(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert, key = _files(tmp_path, ca)
    env = {k: v for k, v in os.environ.items() if k != "DISPATCH_GATEWAY_TOKEN"}
    env |= {"DISPATCH_GATEWAY_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dispatch_console.gateway", "--port", "0", "--tls-cert", str(cert)]
    only_cert = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert (only_cert.returncode, only_cert.stderr) == (
        2,
        "gateway: TLS needs both a certificate and its key (--tls-cert and --tls-key)\n",
    )
    proc = subprocess.Popen(
        [*command, "--tls-key", str(key)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"https://127\.0\.0\.1:\d+", line)
        assert match, line
        with NotifyClient(match.group(0), lambda: TOKEN, ca_bundle=_ca_file(tmp_path, ca, "ca.pem")) as client:
            assert client.health() is True
            assert client.send(make_request()).kind is OutcomeKind.ACCEPTED
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
