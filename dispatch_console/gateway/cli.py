"""``python main.py gateway`` / ``python -m dispatch_console.gateway``: run the reference backend as a process.

The token comes only from the environment (``DISPATCH_GATEWAY_TOKEN``), never from the command line, because
command lines are visible to every user of the machine (``ps``) and end up in shell history. It is never printed.
The one line printed when ready contains the URL, so a parent process (the tests, a training launcher) can read
the port chosen with ``--port 0``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from dispatch_console.gateway.guards import HEADER_TIMEOUT_S
from dispatch_console.gateway.server import MAX_CONNECTIONS, MIN_TOKEN_LENGTH, ReferenceBackend

TOKEN_ENV = "DISPATCH_GATEWAY_TOKEN"


def _port(text: str) -> int:
    """A TCP port for ``--port``; anything else is refused by argparse in one line (bind() raised a traceback)."""
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give a number from 0 to 65535 (0 picks a free one)"
        )
    return int(text)


def _parser(prog: str = "gateway") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Run the reference notification backend (notify API v1). "
        f"The bearer token is read from ${TOKEN_ENV}.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default: loopback only); any other needs --tls-cert and --tls-key",
    )
    p.add_argument("--port", type=_port, default=8765, help="port to bind; 0 picks a free port (default: 8765)")
    p.add_argument(
        "--db", default=None, help="SQLite file for notifications and idempotency keys (default: temporary)"
    )
    p.add_argument("--ack-after", type=float, default=5.0, help="seconds until a unit acknowledges; negative: never")
    p.add_argument("--deliver-after", type=float, default=0.1, help="seconds until a page is delivered")
    p.add_argument("--latency-ms", type=int, default=0, help="every POST waits this long before answering")
    p.add_argument("--fail-rate", type=float, default=0.0, help="fraction of POSTs answered 503 (0..1)")
    p.add_argument("--rate-limit", type=float, default=None, help="max POSTs per second; excess gets 429")
    p.add_argument("--seed", type=int, default=None, help="seed for --fail-rate, to reproduce a run")
    p.add_argument("--tls-cert", default=None, metavar="FILE", help="PEM certificate (chain): serve HTTPS, TLS 1.2+")
    p.add_argument("--tls-key", default=None, metavar="FILE", help="PEM private key of --tls-cert (unencrypted)")
    p.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help=f"connections served at once; more are closed at once (default: {MAX_CONNECTIONS})",
    )
    p.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT_S,
        help=f"seconds a client has to send a request's header (default: {HEADER_TIMEOUT_S:g})",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every request (method, path, status)")
    return p


def main(argv: list[str] | None = None, *, prog: str = "gateway") -> int:
    """Run the backend until SIGTERM or SIGINT; return the process exit code."""
    args = _parser(prog).parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if not token.strip():
        print(
            f"gateway: refusing to start: set the bearer token in the environment variable {TOKEN_ENV} "
            "(it is not accepted on the command line, where other users could read it)",
            file=sys.stderr,
        )
        return 2
    if len(token.strip()) < MIN_TOKEN_LENGTH:
        print(
            f"gateway: refusing to start: the token in {TOKEN_ENV} must be at least {MIN_TOKEN_LENGTH} characters "
            f"(it has {len(token.strip())}); make one with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        backend = ReferenceBackend(
            token.strip(),
            host=args.host,
            port=args.port,
            db_path=args.db,
            deliver_after=args.deliver_after,
            ack_after=None if args.ack_after < 0 else args.ack_after,
            latency_ms=args.latency_ms,
            fail_rate=args.fail_rate,
            rate_limit=args.rate_limit,
            seed=args.seed,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            max_connections=args.max_connections,
            header_timeout=args.header_timeout,
        )
    except ValueError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            url = backend.start()
        except OSError as exc:
            print(f"gateway: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"gateway: reference backend ready at {url}", flush=True)
        while not stop.wait(0.5):
            pass
        return 0
    finally:
        backend.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
