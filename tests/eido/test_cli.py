"""``python3 main.py eido export TT-… [-o FILE]`` and ``eido import FILE [--for USER]`` on a real database."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_console.cli import main
from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Draft, EidoAttachment
from dispatch_console.domain.enums import Role
from dispatch_console.services import operators
from tests.eido.conftest import Story, schema_errors
from tests.eido.foreign import FOREIGN, encoded

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    """The command line finds its database by URL: these stories use the SQLite file."""
    return sqlite_db


def _url(db: Database) -> str:
    return db.write_engine.url.render_as_string(hide_password=False)


def test_export_writes_a_valid_eido_file_and_audits_it_as_the_command_line(
        db: Database, stories: dict[str, Story], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story, target = stories["juvenile_masked"], tmp_path / "out.json"
    assert main(["eido", "export", story.case_number, "-o", str(target), "--database-url", _url(db)]) == 0
    assert capsys.readouterr().err == f"Wrote the EIDO of {story.case_number} to {target}.\n"
    document = json.loads(target.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert "Jordan" not in target.read_text(encoding="utf-8")  # the command line has no reveal: masked
    with db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.export_eido")).scalar_one()
    assert (entry.operator, entry.console, entry.record_id) == (
        "system", f"{socket.gethostname()} (command line)", story.case_number)


def test_export_of_an_unknown_case_says_what_to_check(
        db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eido", "export", "TT-2027-99999", "--database-url", _url(db)]) == 2
    assert capsys.readouterr().err == ("Not exported: No case TT-2027-99999. Check the case number (e.g. "
                                       "TT-2026-00042).\n")


def test_import_without_an_operator_only_shows_what_would_be_drafted(
        db: Database, city: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "cad-4471.json"
    source.write_bytes(encoded(FOREIGN))
    assert main(["eido", "import", str(source), "--database-url", _url(db)]) == 0
    assert capsys.readouterr().out == (
        "EIDO urn:emergency:uid:incidentid:4471:cad.neighbor.example from cad1.neighbor.example:\n"
        "  location:  Lincoln Middle School (site directory)\n"
        "  caller:    Jamie Fox\n"
        "  suspects:  0\n"
        "  statement: Caller found a note: bomb in the gym {[( Second call at 08:52 & the same voice.\n"
        "Nothing was saved. Add --for USERNAME to put it in that operator's drafts.\n")
    with db.read() as session:
        assert session.execute(select(Draft)).first() is None
        assert session.execute(select(EidoAttachment)).first() is None


def test_import_for_an_operator_puts_the_draft_where_their_recovery_finds_it(
        db: Database, city: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with db.write() as session:
        operators.create_operator(session, username="casey", display_name="Casey", role=Role.CALL_TAKER,
                                  password="correct horse battery")
    source = tmp_path / "cad-4471.json"
    source.write_bytes(encoded(FOREIGN))
    assert main(["eido", "import", str(source), "--for", "casey", "--database-url", _url(db)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Saved as a draft for casey: Threat → Recover unsaved reports (Ctrl+Shift+D) shows it; nothing is a threat "
        "until they check and save it.")
    with db.read() as session:
        draft = session.execute(select(Draft)).scalar_one()
        kept = session.execute(select(EidoAttachment.draft_id, EidoAttachment.path)).all()
    assert (draft.operator, draft.data["caller_name"], draft.data["statement"][:20]) == (
        "casey", "Jamie Fox", "Caller found a note:")
    assert [tuple(k) for k in kept] == [(draft.id, "$.vehicleComponent"), (draft.id, "$.x-vendorExtension")]


def test_a_ten_megabyte_file_is_refused_by_the_command_line_without_a_traceback(
        db: Database, tmp_path: Path) -> None:
    source = tmp_path / "huge.json"
    source.write_bytes(b'{"pad": "' + b"x" * 10_000_000 + b'"}')
    done = subprocess.run([sys.executable, "-m", "dispatch_console.cli", "eido", "import", str(source),
                           "--database-url", _url(db)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("The EIDO was not imported: at $, the file is 10.0 MB; an EIDO of one incident is a few "
                           "kilobytes, and files over 2 MB are refused. Nothing was changed.\n")


def test_export_without_a_file_prints_the_document(
        db: Database, stories: dict[str, Story], capsys: pytest.CaptureFixture[str]) -> None:
    story = stories["closed_with_outcomes"]
    assert main(["eido", "export", story.case_number, "--database-url", _url(db)]) == 0
    printed = capsys.readouterr()
    document = json.loads(printed.out)
    assert (printed.err, document["incidentComponent"]["internalIncidentId"], schema_errors(document)) == (
        "", story.case_number, [])
