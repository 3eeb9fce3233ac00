"""TLS for the reference backend (stdlib ``ssl``): what lets it listen anywhere but loopback.

The bearer token is in every request, so a backend reachable from the network without TLS hands it to anybody on
the path. The context is made once at configuration time, so a wrong path or a key that does not match the
certificate stops the start with a plain message instead of failing on the first connection.
"""

from __future__ import annotations

import ssl
from pathlib import Path


def server_context(cert_file: str | Path, key_file: str | Path) -> ssl.SSLContext:
    """A server context with TLS 1.2 as the minimum and the certificate chain and key loaded.

    Args:
        cert_file: PEM file with the server certificate, followed by any intermediate certificates.
        key_file: PEM file with the certificate's private key (unencrypted: the backend runs unattended).

    Raises:
        ValueError: A file is missing or unreadable, or the key does not belong to the certificate.
    """
    for what, path in (("certificate", cert_file), ("private key", key_file)):
        if not Path(path).is_file():
            raise ValueError(f"the TLS {what} file {str(path)!r} does not exist")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_file), str(key_file), password=_no_password)
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(
            f"the TLS certificate {str(cert_file)!r} and key {str(key_file)!r} could not be loaded "
            f"(is the key the certificate's, unencrypted, and both PEM?): {exc}"
        ) from None
    return context


def _no_password() -> str:
    # Called only for an encrypted key: fail instead of prompting on a terminal nobody watches.
    raise ValueError("the TLS private key is encrypted; give the backend an unencrypted key file")
