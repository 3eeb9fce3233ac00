"""Importing an EIDO: a CAD's document becomes a draft to check; a hostile one gets a message naming its JSON path."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Draft
from dispatch_console.domain.eido.guard import MAX_DEPTH, EidoError
from dispatch_console.domain.eido.read import read_document
from dispatch_console.domain.sites import Site
from dispatch_console.services import eido, intake
from dispatch_console.services.actor import Actor
from tests.eido.conftest import CENTER, NOW
from tests.eido.foreign import FOREIGN, encoded, foreign


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _changed(path: list[Any], value: Any) -> bytes:
    document = copy.deepcopy(FOREIGN)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return encoded(document)


def _suspect(nc: dict[str, Any]) -> bytes:
    suspect = {"$id": "person-2", "lastUpdateTimeStamp": "2027-04-11T13:55:00Z",
               "updatedByAgencyReference": {"$ref": "cad.neighbor.example"},
               "personIncidentRoleRegistryText": ["Suspect"], "ncPersonComponent": nc}
    return encoded(foreign(personComponent=[*FOREIGN["personComponent"], suspect]))


HOSTILE: list[tuple[str, bytes, str]] = [
    ("ten megabytes", b'{"eidoVersion": "1.0", "pad": "' + b"x" * 10_000_000 + b'"}',
     "$: the file is 10.0 MB; an EIDO of one incident is a few kilobytes, and files over 2 MB are refused"),
    ("nested a hundred thousand levels", ('{"notesComponent": [{"x": ' + _deep(100_000) + "}]}").encode(),
     "$.notesComponent[0].x" + "[0]" * (MAX_DEPTH - 3) + f": the document is nested more than {MAX_DEPTH} levels "
     "deep here; an EIDO is never that deep, so the file is refused"),
    ("not UTF-8", b"\xff\xfe{\x00", "$: the file is not UTF-8 text (byte 0 is not valid), so it is not an EIDO "
                                     "JSON document"),
    ("not JSON", b'{"eidoVersion": "1.0",', "$: the file is not valid JSON (Expecting property name enclosed in "
                                             "double quotes at line 1, column 23)"),
    ("NaN", b'{"eidoVersion": NaN}', "$: the file is not valid JSON (NaN is not a JSON number)"),
    ("an array, not an object", b"[1, 2]", "$: expected an object, found an array"),
    ("a version as a number", _changed(["eidoVersion"], 1.0),
     "$.eidoVersion: this console reads EIDO version \"1.0\"; found a number: 1.0"),
    ("no agency", encoded(foreign(agencyComponent=None)), "$.agencyComponent: a required field is missing"),
    ("persons as an object", _changed(["personComponent"], {"$id": "p"}),
     "$.personComponent: expected an array, found an object"),
    ("a component without its $id", _changed(["notesComponent", 1], {"notesActionComments": "x"}),
     "$.notesComponent[1].$id: a required field is missing"),
    ("a note that is a number", _changed(["notesComponent", 0, "notesActionComments"], 42),
     "$.notesComponent[0].notesActionComments: expected a string, found a number"),
    ("a call time in words", _changed(["callComponent", 0, "callStartTimestamp"], "yesterday"),
     "$.callComponent[0].callStartTimestamp: expected an RFC 3339 date-time with offset (e.g. "
     "2026-04-12T15:10:00Z), found 'yesterday'"),
    ("a reference to nothing", _changed(["callComponent", 0, "personReference"], [{"$ref": "person-9"}]),
     "$.callComponent[0].personReference[0]: refers to 'person-9', which is not in the document's personComponent"),
    ("a reference without $ref", _changed(["callComponent", 0, "callBackReference"], {"id": "cb-1"}),
     "$.callComponent[0].callBackReference.$ref: a required field is missing"),
    ("a birth date the American way", _suspect({"birthDate": [{"date": [{"value": "04/05/2011"}]}]}),
     "$.personComponent[1].ncPersonComponent.birthDate[0].date[0].value: expected a date like 2011-03-04, found "
     "'04/05/2011'"),
    ("an age in words", _suspect({"ageMeasure": [{"integerValue": [{"value": "fifteen"}]}]}),
     "$.personComponent[1].ncPersonComponent.ageMeasure[0].integerValue[0].value: expected an age in whole years "
     "(0 to 130), found 'fifteen'"),
    ("an entity bomb in the location", _changed(
        ["locationComponent", 0, "locationByValue"],
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        "<presence>&lol2;</presence>"),
     "$.locationComponent[0].locationByValue: the location document declares a document type or entities, which "
     "are not accepted"),
    ("a broken location document", _changed(["locationComponent", 0, "locationByValue"], "<presence><civic>"),
     "$.locationComponent[0].locationByValue: the location document is not well-formed XML (no element found: "
     "line 1, column 17)"),
    ("ten thousand persons", _changed(["personComponent"], [{"$id": f"p{i}"} for i in range(10_000)]),
     "$.personComponent: has 10,000 entries (at most 500)"),
]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in HOSTILE], ids=[n for n, _, _ in HOSTILE])
def test_a_hostile_document_is_refused_with_the_json_path_of_the_problem(data: bytes, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(EidoError) as refused:
        read_document(data)
    assert str(refused.value) == message
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff\xfe{\x00", "The EIDO was not imported: at $, the file is not UTF-8 text (byte 0 is not valid), so it is "
                       "not an EIDO JSON document. Nothing was changed."),
    (encoded(foreign(agencyComponent=None)), "The EIDO was not imported: at $.agencyComponent, a required field is "
                                             "missing. Nothing was changed."),
], ids=["not UTF-8", "no agency"])
def test_the_refusal_the_call_taker_reads_is_one_plain_sentence(data: bytes, message: str) -> None:
    """The path and the problem are put together as "at PATH, PROBLEM." in the intake and on the command line: no
    "?." and no sentence without its subject."""
    assert str(eido.EidoRejected(_refusal(data))) == message


def _refusal(data: bytes) -> EidoError:
    with pytest.raises(EidoError) as refused:
        read_document(data)
    return refused.value


def test_a_tampered_console_detail_is_refused_like_any_other_field() -> None:
    details = {"dispatchConsoleDetails": 1, "weapons": "firearm"}
    document = foreign(additionalDataComponent=[{"$id": "ad-1", "lastUpdateTimeStamp": "2027-04-11T13:55:00Z",
                                                 "updatedByAgencyReference": {"$ref": "cad.neighbor.example"},
                                                 "additionalDataByValue": json.dumps(details)}])
    with pytest.raises(EidoError) as refused:
        read_document(encoded(document))
    assert str(refused.value) == ("$.additionalDataComponent[0].additionalDataByValue.weapons: expected an array, "
                                  "found a string")


def test_a_refused_import_is_audited_says_what_to_fix_and_changes_nothing_else(
        db: Database, call_taker: Actor) -> None:
    data = _changed(["callComponent", 0, "callStartTimestamp"], "yesterday")
    with pytest.raises(eido.EidoRejected) as refused, db.write() as session:
        eido.import_document(session, actor=call_taker, data=data, source="cad-4471.json", draft_id="d-1")
    assert str(refused.value) == (
        "The EIDO was not imported: at $.callComponent[0].callStartTimestamp, expected an RFC 3339 date-time with "
        "offset (e.g. 2026-04-12T15:10:00Z), found 'yesterday'. Nothing was changed.")
    with db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "eido.import")).scalar_one()
        assert session.execute(select(Draft)).first() is None
    assert (entry.operator, entry.outcome, entry.record_id, entry.detail["path"]) == (
        "calltaker", "failed", "d-1", "$.callComponent[0].callStartTimestamp")


def test_a_neighbouring_cads_eido_becomes_a_draft_matched_to_the_site_directory(
        db: Database, city: dict[str, Site], call_taker: Actor) -> None:
    with db.write() as session:
        result = eido.import_document(session, actor=call_taker, data=encoded(FOREIGN), source="cad-4471.json",
                                      draft_id="d-1", now=NOW)
    lincoln = city["Lincoln Middle School"]
    assert result.site == lincoln
    assert result.draft == {
        "format": 1, "received_at": "2027-04-11T08:50:00-05:00",
        "caller_name": "Jamie Fox", "callback_number": "+18162347777", "caller_relation": None,
        "confidential_reporter": False, "learned_how": None, "evidence": "", "target_kind": "school",
        "site_id": lincoln.site_id, "target_name": "Lincoln Middle School", "target_address": "137 Adams St, Riverton",
        "division": "Central", "named_persons": "", "threatened_text": "", "time_choice": -1,
        "statement": "Caller found a note: bomb in the gym {[(\n\nSecond call at 08:52 & the same voice.",
        "narrative": "Imported from EIDO urn:emergency:uid:incidentid:4471:cad.neighbor.example (issued by "
                     "cad1.neighbor.example); incident type BOMB - Bomb threat; their incident 2027-004471; CAD "
                     "event CAD-2027-4471.",
        "weapons": [], "weapon_access": False, "indicators": [], "suspects": [], "linked_to": None,
        "cad_event_number": "CAD-2027-4471",
    }
    assert result.summary() == ("EIDO imported (Lincoln Middle School); 2 parts the console does not read are "
                                "kept with the case. Check every field with the caller's information, then save "
                                "with Ctrl+S; nothing is saved until you do.")


def test_one_part_the_console_does_not_read_is_counted_in_words_not_as_part_s(
        db: Database, city: dict[str, Site], call_taker: Actor) -> None:
    """"1 part(s) … are kept" reads like a form to fill in; the summary says "1 part … is kept"."""
    document = {key: value for key, value in FOREIGN.items() if key != "x-vendorExtension"}
    with db.write() as session:
        result = eido.import_document(session, actor=call_taker, data=encoded(document), source="cad-4471.json",
                                      draft_id="d-1", now=NOW)
    assert result.summary() == ("EIDO imported (Lincoln Middle School); 1 part the console does not read is kept "
                                "with the case. Check every field with the caller's information, then save with "
                                "Ctrl+S; nothing is saved until you do.")


def test_the_parts_the_console_does_not_read_are_kept_with_the_case_once_the_draft_is_saved(
        db: Database, city: dict[str, Site], call_taker: Actor) -> None:
    with db.write() as session:
        result = eido.import_document(session, actor=call_taker, data=encoded(FOREIGN), source="cad-4471.json",
                                      draft_id="d-1", now=NOW)
    with db.write() as session:
        saved = intake.save_threat(session, actor=call_taker, data=eido.threat_input(result), now=NOW + timedelta(
            minutes=3), tz=CENTER, received_at=datetime.fromisoformat(result.draft["received_at"]), draft_id="d-1")
    with db.read() as session:
        kept = eido.attachments_of(session, threat_id=saved.threat_id)
    assert kept == [("$.vehicleComponent", FOREIGN["vehicleComponent"]),
                    ("$.x-vendorExtension", FOREIGN["x-vendorExtension"])]
