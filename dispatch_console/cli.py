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


def _cmd_bundle(args: argparse.Namespace) -> int:
    """Build the desktop bundle with PyInstaller; its build script lives in the checkout (packaging/), not a wheel."""
    import subprocess

    script = Path(__file__).resolve().parents[1] / "packaging" / "build_bundle.py"
    if not script.exists():
        print("The bundle is built from a checkout of the source code (packaging/build_bundle.py is not here).",
              file=sys.stderr)
        return 2
    return subprocess.run([sys.executable, str(script), "--dist", args.dist], check=False).returncode


def _eido_actor() -> object:
    """The command line acts as the console's system account (an admin without juvenile reveals), audited as such."""
    import dataclasses

    from dispatch_console.services.actor import SYSTEM
    from dispatch_console.settings import load_settings

    return dataclasses.replace(SYSTEM, console=f"{load_settings().console_name} (command line)")


def _cmd_eido_export(args: argparse.Namespace) -> int:
    import json

    from dispatch_console.db.engine import Database
    from dispatch_console.db.migrate import upgrade
    from dispatch_console.services import eido
    from dispatch_console.services.actor import Actor
    from dispatch_console.services.privacy import CaseNotFound
    from dispatch_console.settings import load_settings

    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    upgrade(db)
    actor = _eido_actor()
    assert isinstance(actor, Actor)
    try:
        with db.write() as session:
            document = eido.export_threat(session, actor=actor, case_number=args.case_number,
                                          issuer=eido.issuer_from(load_settings()))
    except (CaseNotFound, eido.EidoRefused) as problem:
        print(f"Not exported: {problem}", file=sys.stderr)
        return 2
    if args.output:
        eido.write_document(document, Path(args.output))
        print(f"Wrote the EIDO of {document['incidentComponent']['internalIncidentId']} to {args.output}.",
              file=sys.stderr)
    else:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def _cmd_eido_import(args: argparse.Namespace) -> int:
    import uuid

    from sqlalchemy import select

    from dispatch_console.db.engine import Database
    from dispatch_console.db.migrate import upgrade
    from dispatch_console.db.models import Operator
    from dispatch_console.domain.eido.guard import MAX_BYTES
    from dispatch_console.domain.enums import Role
    from dispatch_console.services import drafts, eido
    from dispatch_console.services.actor import Actor

    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            data = handle.read(MAX_BYTES + 1)
    except OSError as problem:
        print(f"Not imported: {path} cannot be read ({problem.strerror or problem}).", file=sys.stderr)
        return 2
    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    upgrade(db)
    actor = _eido_actor()
    assert isinstance(actor, Actor)
    draft_id = str(uuid.uuid4())
    try:
        with db.write() as session:
            owner = None
            if args.for_operator:
                owner = session.execute(select(Operator).where(Operator.username == args.for_operator)
                                        ).scalar_one_or_none()
                if owner is None or not owner.active:
                    print(f"Not imported: there is no active operator '{args.for_operator}'.", file=sys.stderr)
                    return 2
            result = eido.import_document(session, actor=actor, data=data, source=path.name, draft_id=draft_id,
                                          size=size)
            if owner is not None:
                drafts.save_draft(session, actor=Actor(owner.username, owner.display_name, Role(owner.role),
                                                       actor.console), draft_id=draft_id, data=result.draft)
            else:
                session.rollback()  # a look only: nothing kept
    except eido.EidoRejected as problem:
        print(str(problem), file=sys.stderr)
        return 1
    incident = result.incident
    print(f"EIDO {incident.incident_id} from {incident.issuer}:")
    print(f"  location:  {result.site.name + ' (site directory)' if result.site else incident.target_name or '-'}")
    print(f"  caller:    {'confidential' if incident.confidential_reporter else incident.caller_name or '-'}")
    print(f"  suspects:  {len(incident.suspects)}")
    print(f"  statement: {' '.join(incident.statement.split())[:100] or '-'}")
    if owner is not None:
        print(f"Saved as a draft for {owner.username}: Threat → Recover unsaved reports (Ctrl+Shift+D) shows it; "
              "nothing is a threat until they check and save it.")
    else:
        print("Nothing was saved. Add --for USERNAME to put it in that operator's drafts.")
    return 0


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
    p = sub.add_parser("bundle", help="build the desktop bundle with PyInstaller (dist/dispatch-console/ + archive)")
    p.add_argument("--dist", default=str(Path(__file__).resolve().parents[1] / "dist"), help="output folder")
    p.set_defaults(func=_cmd_bundle)
    p = sub.add_parser("gateway", help="run the reference notification backend", add_help=False)
    p.add_argument("gateway_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_gateway)
    p = sub.add_parser("eido", help="NENA EIDO: export a threat, or read one into an intake draft")
    eido_sub = p.add_subparsers(dest="eido_command", required=True)
    e = eido_sub.add_parser("export", help="write one threat as an EIDO JSON document (audited)")
    e.add_argument("case_number", help="e.g. TT-2026-00042")
    e.add_argument("-o", "--output", help="file to write (default: standard output)")
    e.add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    e.set_defaults(func=_cmd_eido_export)
    e = eido_sub.add_parser("import", help="read an EIDO into an intake draft (nothing is saved as a threat)")
    e.add_argument("file")
    e.add_argument("--for", dest="for_operator", default="", help="put the draft in this operator's drafts")
    e.add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    e.set_defaults(func=_cmd_eido_import)
    for name in ("create-operator", "verify-audit", "import-sites"):
        sub.choices[name].add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
