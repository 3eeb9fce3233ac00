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
        from dispatch_console.db.engine import parse_database_url, password_host

        parsed = parse_database_url(target)
        key = database_password_key(parsed.username or "", password_host(parsed), parsed.database or "")
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


def _cmd_backup(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.services.backup import BackupError, backup

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    try:
        backup(db, Path(args.destination))
    except BackupError as problem:
        print(f"No backup written: {problem}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"Backup written to {args.destination}.")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.services import audit
    from dispatch_console.services.backup import BackupError, restore

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    try:
        restore(db, Path(args.source), force=args.force)
    except BackupError as problem:
        print(f"Nothing restored: {problem}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    with db.read() as session:
        broken = audit.verify(session)
        total = audit.entry_count(session)
    db.dispose()
    if broken is not None:
        print(f"Restored, but the audit log is BROKEN at entry {broken.entry_id}: {broken.reason}.")
        return 1
    print(f"Restored from {args.source}: {total} audit entries, hash chain verified.")
    return 0


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
    p = sub.add_parser("import-sites", help="import the site directory from CSV (all rows or none)")
    p.add_argument("csv")
    p.set_defaults(func=_cmd_import_sites)
    p = sub.add_parser("backup", help="write a consistent backup of the database (SQLite copy or pg_dump file)")
    p.add_argument("destination")
    p.set_defaults(func=_cmd_backup)
    p = sub.add_parser("restore", help="restore a backup (refuses a database that holds data without --force)")
    p.add_argument("source")
    p.add_argument("--force", action="store_true", help="replace a database that already holds threats")
    p.set_defaults(func=_cmd_restore)
    p = sub.add_parser("gateway", help="run the reference notification backend", add_help=False)
    p.add_argument("gateway_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_gateway)
    for name in ("create-operator", "verify-audit", "import-sites", "backup", "restore"):
        sub.choices[name].add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
