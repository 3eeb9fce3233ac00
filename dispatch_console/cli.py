"""The console's command line: start the GUI, or run one of the admin commands.

Kept free of Qt and SQLAlchemy imports at module level, so ``--help`` and the gateway start instantly and the GUI
start pays only for what the sign-in screen needs.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch_console.domain.text import plural

if TYPE_CHECKING:
    from dispatch_console.credentials import InsecureKeyringError

Parser = argparse.ArgumentParser


def _open_db(url: str | None) -> object:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from dispatch_console.credentials import InsecureKeyringError, KeyringStore, database_password_key
    from dispatch_console.db.engine import open_database
    from dispatch_console.settings import default_database_url, load_settings

    settings = load_settings()
    target = url or settings.database_url or default_database_url()
    try:
        backend = make_url(target).get_backend_name()
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        backend = ""
    if backend not in ("sqlite", "postgresql"):  # not echoed: a URL typed with its password must not be printed
        raise SystemExit("The database URL cannot be used: give sqlite:///path/to/console.db or "
                         "postgresql://user@host/dbname (the password comes from the keyring).")

    def password() -> str | None:
        from dispatch_console.db.engine import parse_database_url, password_host

        parsed = parse_database_url(target)
        key = database_password_key(parsed.username or "", password_host(parsed), parsed.database or "")
        try:
            return KeyringStore().get(key)
        except InsecureKeyringError as missing:
            raise SystemExit(no_keyring_message(missing, f"the password for {key} cannot be read")) from None

    return open_database(target, password=password)


NO_DISPLAY = "no display found: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen"


def x_display_answers(display: str) -> bool:
    """True when the X server that ``display`` names (``:0``, ``:99.0``, ``localhost:10.0``) accepts a connection.

    A ``DISPLAY`` left over from an earlier session, or an SSH login whose forwarding is gone, names a server that is
    not there; Qt then aborts with the same page about the xcb plugin as with no ``DISPLAY`` at all. Only the
    connection is tried (abstract socket, socket file, or TCP port 6000 + N), nothing is sent; anything this cannot
    parse counts as answering, so an unusual but working display is never refused.
    """
    import socket

    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return True
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):  # Linux X servers listen on both; a container may see only one
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                unix.settimeout(1.0)
                try:
                    unix.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        socket.create_connection((host.strip("[]"), 6000 + int(number)), timeout=2.0).close()
        return True
    except OSError:
        return False


def display_missing(environ: Mapping[str, str], platform: str,
                    answers: Callable[[str], bool] = x_display_answers) -> bool:
    """True when Qt would find no screen: on Linux without X11 or Wayland and without a chosen Qt platform, or with
    only a ``DISPLAY`` whose X server does not answer (``answers`` is injectable for tests).

    Qt then aborts with a page about the xcb plugin and libxcb-cursor0, which sends a new user hunting for a library
    when all that is missing is a display (an SSH session, a container, a CI job).
    """
    if not platform.startswith("linux") or environ.get("WAYLAND_DISPLAY") or environ.get("QT_QPA_PLATFORM"):
        return False
    display = environ.get("DISPLAY", "")
    return not display or not answers(display)


def _cmd_run(args: argparse.Namespace) -> int:
    if display_missing(os.environ, sys.platform):
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    import gc

    # No automatic garbage collection while the console starts: importing Qt, SQLAlchemy and the models allocates
    # hundreds of thousands of objects and the collector kept walking them (~10 % of the start-up's CPU, issue 17).
    # app.run turns it back on once the workspace is built (or after a few seconds at the sign-in page).
    gc.disable()
    from dispatch_console.app import run

    return run(database_url=args.database_url, backend_url=args.backend_url, training=args.training)


def _cmd_test(args: argparse.Namespace) -> int:
    import pytest

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    passed_on = list(args.passed_on)
    if "--" in passed_on:  # "test -- --help": what follows "--" is pytest's, even its --help
        passed_on.remove("--")
    chose_verbosity = any(re.fullmatch(r"-(q+|v+)|--(quiet|verbose)", arg) for arg in passed_on)
    return int(pytest.main([*([] if chose_verbosity else ["-q"]), *passed_on]))  # quiet unless told otherwise


def _read_new_password(username: str) -> str | None:
    """The new operator's password: typed twice at a prompt, or the first line of standard input; None if refused."""
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {username}: ")
        if not password:
            print("No password was given; nothing was created.", file=sys.stderr)
            return None
        if getpass.getpass("Repeat the password: ") != password:
            print("The two passwords differ; nothing was created.", file=sys.stderr)
            return None
        return password
    password = sys.stdin.readline().rstrip("\r\n") if sys.stdin is not None else ""
    if not password:
        print("No password was given (standard input was empty); nothing was created. Type it at the prompt, or "
              "pipe it in as the first line.", file=sys.stderr)
        return None
    return password


def _cmd_create_operator(args: argparse.Namespace) -> int:
    from dispatch_console.db.engine import Database
    from dispatch_console.domain.enums import Role
    from dispatch_console.services import operators
    from dispatch_console.services.bootstrap import prepare
    from dispatch_console.settings import load_settings

    password = _read_new_password(args.username)
    if password is None:
        return 2
    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    prepare(db, training=False)
    try:
        with db.write() as session:
            view = operators.create_operator(
                session, username=args.username, display_name=args.name or args.username, role=Role(args.role),
                password=password, min_length=load_settings().min_passphrase_length,
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
        print(f"Audit log intact: {plural(total, 'entry', 'entries')}, hash chain verified.")
        return 0
    print(f"Audit log BROKEN at entry {broken.entry_id}: {broken.reason}.")
    return 1


def no_keyring_message(error: InsecureKeyringError, what: str) -> str:
    """No secure keyring, said for a terminal: what is missing, in words, and only what a command can do about it."""
    return (f"No secure keyring: {what}. The console keeps secrets only in {error.needed}, and this session has "
            f"{error.found}. Start one and run the command again; secrets are never written to a file.")


def _cmd_set_token(args: argparse.Namespace) -> int:
    from dispatch_console.credentials import BACKEND_TOKEN, CredentialError, InsecureKeyringError, KeyringStore

    token = sys.stdin.readline().strip() if sys.stdin is not None else ""
    if not token:
        print("No token on standard input; nothing was changed. Usage: python3 main.py set-token < token.txt",
              file=sys.stderr)
        return 2
    try:
        KeyringStore().set(BACKEND_TOKEN, token)
    except InsecureKeyringError as missing:
        print(no_keyring_message(missing, "the token was not stored"), file=sys.stderr)
        return 2
    except CredentialError as problem:
        print(f"Token not stored: {problem}", file=sys.stderr)
        return 2
    print("Backend token stored in the OS keyring.")
    return 0


def _cmd_provision_center_key(args: argparse.Namespace) -> int:
    """Put the center key into this console's OS keyring: a new one (``--new``, first console) or the one on stdin."""
    from dispatch_console.credentials import CENTER_KEY, CredentialError, InsecureKeyringError, KeyringStore
    from dispatch_console.services import center_key

    if args.show:
        try:
            key = KeyringStore().get(CENTER_KEY)
        except CredentialError as problem:
            print(f"The center key cannot be read: {problem}", file=sys.stderr)
            return 2
        if not key:
            print("This console has no center key. Make one on the center's first console with "
                  "'python main.py provision-center-key --new', or paste another console's into "
                  "'python main.py provision-center-key'.", file=sys.stderr)
            return 2
        print("This console's center key; paste it into 'python main.py provision-center-key' on every other "
              "console of the center, then forget it:")
        print(key)
        return 0
    text = center_key.generate() if args.new else sys.stdin.readline().strip()
    if not text:
        print("No key on standard input; nothing was changed. On the center's first console run "
              "'python main.py provision-center-key --new'; on every other console paste the key it printed into "
              "'python main.py provision-center-key'.", file=sys.stderr)
        return 2
    try:
        center_key.provision(KeyringStore(), text)
    except InsecureKeyringError as missing:
        print(no_keyring_message(missing, "the center key was not stored"), file=sys.stderr)
        return 2
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

    try:
        text = sites.read_csv_file(Path(args.csv))
    except sites.SiteFileError as problem:
        print(f"Nothing imported: {problem}.", file=sys.stderr)
        return 2
    db = _open_db(args.database_url)
    assert isinstance(db, Database)
    prepare(db, training=False)
    with db.write() as session:
        result = sites.import_csv(session, actor=SYSTEM, text=text, source=Path(args.csv).name)
    if result.ok:
        print(f"Imported {plural(len(result.records), 'site')}.")
        return 0
    rows = len({error.line for error in result.errors})
    print(f"Nothing imported: {plural(len(result.errors), 'problem')} in {plural(rows, 'row')}; fix them and import "
          "the whole file again:", file=sys.stderr)
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

    return gateway_main(list(args.passed_on), prog="main.py gateway")


PASSED_ON_TEST = """\
Every other argument goes to pytest as typed, in any order: options such as
-q, -x, -k EXPR or --co, and test files or folders.
pytest's own options: python3 main.py test -- --help"""


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


def _cmd_eido_missing(args: argparse.Namespace) -> int:
    """Never reached: argparse requires export or import after ``eido``."""
    return 2


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
    """The console's options and one subparser per command.

    ``test`` and ``gateway`` pass their arguments on (to pytest, and to the gateway's own parser, which stays the one
    place its options are defined): main() collects what these subparsers do not know itself, wherever it stands,
    instead of ``argparse.REMAINDER``, which gives up as soon as the first argument is an option (``test -q``).
    Abbreviations are off, so ``--co`` reaches pytest instead of matching an option of ours.
    """
    parser = argparse.ArgumentParser(prog="main.py", description="Threat dispatch console", allow_abbrev=False)
    parser.add_argument("--database-url", help="SQLAlchemy URL (no password: it comes from the keyring)")
    parser.add_argument("--backend-url", help="base URL of the notification backend (default: training backend)")
    parser.add_argument("--training", action="store_true", help="force training mode (built-in backend)")
    parser.set_defaults(func=_cmd_run, own_parser=parser, passes_on=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str, **kwargs: Any) -> Parser:
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                           allow_abbrev=False, **kwargs)
        p.set_defaults(func=func, own_parser=p, passes_on=False)
        return p

    p = command("test", _cmd_test, "run the tests headless (pytest's options and paths in any order)",
                usage="main.py test [-h] [pytest options and paths ...]", epilog=PASSED_ON_TEST,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(passes_on=True)
    p = command("create-operator", _cmd_create_operator,
                "create an operator (e.g. the first admin); password from the prompt or standard input")
    p.add_argument("--username", required=True)
    p.add_argument("--name", default="", help="full name shown in the console (default: the user name)")
    p.add_argument("--role", choices=["call_taker", "supervisor", "admin"], default="admin")
    command("verify-audit", _cmd_verify_audit, "check the audit log's hash chain")
    command("set-token", _cmd_set_token, "store the backend token (read from standard input) in the OS keyring")
    p = command("provision-center-key", _cmd_provision_center_key,
                "store the center key (standard input, or --new) in the OS keyring")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--new", action="store_true", help="make a new key (the center's first console) and print it")
    how.add_argument("--show", action="store_true",
                     help="print this console's key (made by the first-run setup), for the other consoles")
    p = command("import-sites", _cmd_import_sites, "import the site directory from CSV (all rows or none)")
    p.add_argument("csv", metavar="FILE.csv")
    p = command("bundle", _cmd_bundle, "build the desktop bundle with PyInstaller (dist/dispatch-console/ + archive)")
    p.add_argument("--dist", default=str(Path(__file__).resolve().parents[1] / "dist"), help="output folder")
    # The gateway's own parser answers --help and every option, so the gateway's options are defined only there.
    p = command("backup", _cmd_backup,
                "write a consistent backup of the database (SQLite copy or pg_dump file)")
    p.add_argument("destination", metavar="FILE")
    p = command("restore", _cmd_restore, "restore a backup (refuses a database that holds data without --force)")
    p.add_argument("source", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace a database that already holds threats")
    p = command("gateway", _cmd_gateway, "run the reference notification backend; its options: gateway --help",
                add_help=False)
    p.set_defaults(passes_on=True)
    p = command("eido", _cmd_eido_missing, "NENA EIDO: export a threat, or read one into an intake draft")
    eido_sub = p.add_subparsers(dest="eido_command", metavar="export|import", required=True)
    e = eido_sub.add_parser("export", help="write one threat as an EIDO JSON document (audited)", allow_abbrev=False)
    e.set_defaults(func=_cmd_eido_export, own_parser=e, passes_on=False)
    e.add_argument("case_number", help="e.g. TT-2026-00042")
    e.add_argument("-o", "--output", help="file to write (default: standard output)")
    e.add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    e = eido_sub.add_parser("import", help="read an EIDO into an intake draft (nothing is saved as a threat)",
                            allow_abbrev=False)
    e.set_defaults(func=_cmd_eido_import, own_parser=e, passes_on=False)
    e.add_argument("file")
    e.add_argument("--for", dest="for_operator", default="", help="put the draft in this operator's drafts")
    e.add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS)
    for name in ("create-operator", "verify-audit", "import-sites", "backup", "restore"):
        sub.choices[name].add_argument("--database-url", dest="database_url", default=argparse.SUPPRESS,
                                       help="SQLAlchemy URL (no password: it comes from the keyring)")
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The command and its options; ``passed_on``: what goes on to pytest or the gateway. SystemExit on an error."""
    args, unknown = build_parser().parse_known_args(list(argv))
    if unknown and not args.passes_on:
        args.own_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.passed_on = unknown
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
