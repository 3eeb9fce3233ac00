"""The console's command line: start the GUI, or run one of the admin commands.

Kept free of Qt and SQLAlchemy imports at module level, so ``--help`` and the gateway start instantly and the GUI
start pays only for what the sign-in screen needs.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _open_db(url: str | None) -> object:
    from dispatch_console.credentials import KeyringStore, database_password_key
    from dispatch_console.db.engine import open_database
    from dispatch_console.settings import default_database_url, load_settings

    settings = load_settings()
    target = url or settings.database_url or default_database_url()

    def password() -> str | None:
        from sqlalchemy.engine import make_url

        parsed = make_url(target)
        key = database_password_key(parsed.username or "", parsed.host or "", parsed.database or "")
        return KeyringStore().get(key)

    return open_database(target, password=password)


def _cmd_run(args: argparse.Namespace) -> int:
    from dispatch_console.app import run

    return run(database_url=args.database_url, backend_url=args.backend_url, training=args.training)


def _cmd_test(args: argparse.Namespace) -> int:
    import pytest

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    return int(pytest.main(["-q", *args.pytest_args]))


def _cmd_create_operator(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.domain.enums import Role
    from dispatch_console.services import operators
    from dispatch_console.services.bootstrap import prepare

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    prepare(db, training=False)
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Repeat the password: ") != password:
            print("The two passwords differ; nothing was created.", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        with db.write() as session:
            view = operators.create_operator(
                session, username=args.username, display_name=args.name or args.username, role=Role(args.role),
                password=password,
            )
    except ValueError as problem:
        print(f"Not created: {problem}", file=sys.stderr)
        return 2
    print(f"Created {view.role.label.lower()} '{view.username}' ({view.display_name}).")
    return 0


def _cmd_verify_audit(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.db.migrate import upgrade
    from dispatch_console.services import audit

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    upgrade(db)
    with db.read() as session:
        broken = audit.verify(session)
        total = audit.entry_count(session)
    if broken is None:
        print(f"Audit log intact: {total} entries, hash chain verified.")
        return 0
    print(f"Audit log BROKEN at entry {broken.entry_id}: {broken.reason}.")
    return 1


def _cmd_set_token(args: argparse.Namespace) -> int:
    from dispatch_console.credentials import BACKEND_TOKEN, CredentialError, KeyringStore

    token = sys.stdin.readline().strip()
    if not token:
        print("No token on standard input; nothing was changed. Usage: python main.py set-token < token.txt",
              file=sys.stderr)
        return 2
    try:
        KeyringStore().set(BACKEND_TOKEN, token)
    except CredentialError as problem:
        print(f"Token not stored: {problem}", file=sys.stderr)
        return 2
    print("Backend token stored in the OS keyring.")
    return 0


def _cmd_provision_center_key(args: argparse.Namespace) -> int:
    """Put the center key into this console's OS keyring: a new one (``--new``, first console) or the one on stdin."""
    from dispatch_console.credentials import CredentialError, KeyringStore
    from dispatch_console.services import center_key

    text = center_key.generate() if args.new else sys.stdin.readline().strip()
    if not text:
        print("No key on standard input; nothing was changed. On the center's first console run "
              "'python main.py provision-center-key --new'; on every other console paste the key it printed into "
              "'python main.py provision-center-key'.", file=sys.stderr)
        return 2
    try:
        center_key.provision(KeyringStore(), text)
    except (CredentialError, center_key.CenterKeyError) as problem:
        print(f"Center key not stored: {problem}", file=sys.stderr)
        return 2
    if args.new:
        print("A new center key is stored in this console's OS keyring. Provision every other console of the "
              "center with this key (paste it into 'python main.py provision-center-key'), then forget it:")
        print(text)
    else:
        print("Center key stored in this console's OS keyring.")
    return 0


def _cmd_import_sites(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.services import sites
    from dispatch_console.services.actor import SYSTEM
    from dispatch_console.services.bootstrap import prepare

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    prepare(db, training=False)
    text = Path(args.csv).read_text(encoding="utf-8")
    with db.write() as session:
        result = sites.import_csv(session, actor=SYSTEM, text=text, source=Path(args.csv).name)
    if result.ok:
        print(f"Imported {len(result.records)} sites.")
        return 0
    print("Nothing imported; fix these rows and import the whole file again:", file=sys.stderr)
    for error in result.errors:
        print(f"  {error}", file=sys.stderr)
    return 1


def _cmd_gateway(args: argparse.Namespace) -> int:
    from dispatch_console.gateway.cli import main as gateway_main

    return gateway_main(args.gateway_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="Threat dispatch console")
    parser.add_argument("--database-url", help="SQLAlchemy URL (no password: it comes from the keyring)")
    parser.add_argument("--backend-url", help="base URL of the notification backend (default: training backend)")
    parser.add_argument("--training", action="store_true", help="force training mode (built-in backend)")
    parser.set_defaults(func=_cmd_run)
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("test", help="run the whole test suite headless (extra arguments go to pytest)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_test)
    p = sub.add_parser("create-operator", help="create an operator (e.g. the first admin); password on stdin")
    p.add_argument("--username", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--role", choices=["call_taker", "supervisor", "admin"], default="admin")
    p.set_defaults(func=_cmd_create_operator)
    p = sub.add_parser("verify-audit", help="check the audit log's hash chain")
    p.set_defaults(func=_cmd_verify_audit)
    p = sub.add_parser("set-token", help="store the backend token (read from standard input) in the OS keyring")
    p.set_defaults(func=_cmd_set_token)
    p = sub.add_parser("provision-center-key", help="store the center key (stdin, or --new) in the OS keyring")
    p.add_argument("--new", action="store_true", help="make a new key (the center's first console) and print it")
    p.set_defaults(func=_cmd_provision_center_key)
    p = sub.add_parser("import-sites", help="import the site directory from CSV (all rows or none)")
    p.add_argument("csv")
    p.set_defaults(func=_cmd_import_sites)
    p = sub.add_parser("gateway", help="run the reference notification backend", add_help=False)
    p.add_argument("gateway_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_gateway)
    for name in ("create-operator", "verify-audit", "import-sites"):
        sub.choices[name].add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
