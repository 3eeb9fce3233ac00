"""Export → import → save → export: the second document says everything the first said about the report.

"Everything" is every field the intake records (caller, callback, relation, how the caller learned of it, evidence,
target and site, division, named persons, threatened time as said and as read, statement, narrative, weapons,
indicators, suspects with what may be shown of them, the duplicate link), read back from both documents. What
happens after intake (units, notes, outcomes) belongs to the original case and is not part of a new report.
"""

from __future__ import annotations

import dataclasses
import json

from dispatch_console.db.engine import Database
from dispatch_console.domain.eido.read import read_document
from dispatch_console.services import eido, intake, privacy
from dispatch_console.services.actor import Actor
from tests.eido.conftest import CENTER, ISSUER, NOW, Story, export, schema_errors


def test_every_recorded_field_survives_a_round_trip_for_each_of_the_ten_threats(
        db: Database, stories: dict[str, Story], supervisor: Actor, call_taker: Actor) -> None:
    for name, story in stories.items():
        first = export(db, supervisor, story)
        draft_id = f"round-trip-{name}"
        with db.write() as session:
            imported = eido.import_document(session, actor=call_taker, data=json.dumps(first).encode(),
                                            source=f"{name}.json", draft_id=draft_id, now=NOW)
            saved = intake.save_threat(session, actor=call_taker, data=eido.threat_input(imported), now=NOW,
                                       tz=CENTER, received_at=imported.incident.received_at, draft_id=draft_id)
        if name == "juvenile_revealed":
            with db.write() as session:
                privacy.reveal(session, actor=supervisor, threat_id=saved.threat_id, reason="round trip check")
        with db.write() as session:
            second = eido.export_threat(session, actor=supervisor, case_number=saved.case_number, issuer=ISSUER)
        assert schema_errors(second) == [], name

        before, after = read_document(json.dumps(first).encode()), read_document(json.dumps(second).encode())
        assert after.internal_id == saved.case_number
        assert dataclasses.replace(after, incident_id=before.incident_id, internal_id=before.internal_id) == before, \
            name
        assert before.statement and before.target_name, name  # the comparison is of real content


def test_the_round_trip_keeps_a_revealed_juvenile_and_the_hostile_text_exactly(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    revealed = read_document(json.dumps(export(db, supervisor, stories["juvenile_revealed"])).encode())
    assert [(s.name, s.date_of_birth.isoformat() if s.date_of_birth else "", s.school, s.grade, s.weapon_access)
            for s in revealed.suspects] == [("Riley Roe", "2013-05-02", "Lincoln Middle School", "7", True)]
    hostile = read_document(json.dumps(export(db, supervisor, stories["hostile_text"])).encode())
    assert (hostile.caller_name, hostile.statement, hostile.narrative) == (
        "=HYPERLINK(\"http://evil.example\")",
        "He wrote <script>alert('x')</script> & said \"boom\"\nsecond line\n\n  indented <b>bold</b>",
        "Caller is 14 and was scared.\nMother on the line too: &amp; <i>not</i> a joke.")
