"""The console's HTTP client ignores the environment: a proxy variable never sees a request, let alone the token.

Before issue 10, ``http_proxy`` in the console's environment sent every request, bearer token included, in clear to
whatever it named. Each story plants a loopback listener that records every byte it is sent, points the proxy
variables at it, and checks that it heard nothing. A proxy a center needs is a setting, and goes through a CONNECT
tunnel: the proxy sees where the console connects, never the token.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch_console.gateway.client import NotifyClient, NotifyError
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services.dispatcher import make_client_factory
from tests.notify.conftest import TOKEN
from tests.notify.test_security import tls_server

__all__ = ["tls_server"]
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class Eavesdropper(socketserver.ThreadingTCPServer):
    """A loopback listener that records whatever a client sends; with ``tunnel`` it is a real CONNECT proxy."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, tunnel: bool) -> None:
        self.heard = bytearray()
        self.connections = 0
        self.tunnel = tunnel
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    server: Eavesdropper

    def _record(self, data: bytes) -> None:
        with self.server.lock:
            self.server.heard += data

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
        client: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                break
            head += chunk
        self._record(head)
        if not self.server.tunnel or not head.startswith(b"CONNECT "):
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        host, _, port = head.split(b" ")[1].decode().rpartition(":")
        with socket.create_connection((host, int(port))) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pipe(client, upstream)

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        while True:
            readable, _, _ = select.select([client, upstream], [], [], 5)
            if not readable:
                return
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                if source is client:
                    self._record(data)
                    upstream.sendall(data)
                else:
                    client.sendall(data)


@pytest.fixture
def eavesdropper() -> Iterator[Eavesdropper]:
    server = Eavesdropper(tunnel=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy_env(eavesdropper: Eavesdropper, monkeypatch: pytest.MonkeyPatch) -> Eavesdropper:
    """Every proxy variable names the eavesdropper, and nothing is exempt from proxying."""
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, eavesdropper.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    return eavesdropper


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ReferenceBackend]:
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "proxy-backend.sqlite3", deliver_after=0.05, ack_after=None)
    server.start()
    yield server
    server.close()


def test_proxy_variables_never_see_a_request_or_the_token(proxy_env: Eavesdropper, backend: ReferenceBackend) -> None:
    client = make_client_factory(backend.url, lambda: TOKEN)()
    assert client.session.trust_env is False
    assert client.health() is True
    assert len(client.list_units()) > 50  # authenticated: the token was sent, straight to the backend
    assert proxy_env.connections == 0 and bytes(proxy_env.heard) == b""


def test_https_proxy_and_ca_variables_are_ignored_too(
    proxy_env: Eavesdropper, tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ca = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))  # would silently trust this CA if the environment counted
    monkeypatch.setenv("CURL_CA_BUNDLE", str(ca))
    untrusted = make_client_factory(url, lambda: TOKEN)()
    with pytest.raises(NotifyError, match="TLS certificate could not be verified"):
        untrusted.list_units()
    trusted = make_client_factory(url, lambda: TOKEN, ca_bundle=str(ca))()
    assert trusted.list_units() == []
    assert proxy_env.connections == 0 and bytes(proxy_env.heard) == b""


def test_a_proxy_from_settings_tunnels_https_and_never_sees_the_token(tls_server: tuple[str, Path]) -> None:
    url, ca = tls_server
    proxy = Eavesdropper(tunnel=True)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        client = make_client_factory(url, lambda: TOKEN, ca_bundle=str(ca), proxy=proxy.url)()
        assert client.list_units() == []
    finally:
        proxy.shutdown()
        proxy.server_close()
    heard = bytes(proxy.heard)
    assert proxy.connections == 1 and heard.startswith(b"CONNECT 127.0.0.1:")
    assert TOKEN.encode() not in heard and b"Authorization" not in heard


@pytest.mark.parametrize(
    "proxy",
    ["socks5://127.0.0.1:1080", "http://user:secret@proxy.example.org:3128", "http://proxy.example.org/path"],
)
def test_a_proxy_setting_is_only_scheme_host_and_port(proxy: str) -> None:
    with pytest.raises(ValueError, match="proxy"):
        NotifyClient("https://cad.example.org/api", lambda: TOKEN, proxy=proxy)
