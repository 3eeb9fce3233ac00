"""Exporting a threat as an EIDO: valid against the schema, every reference resolving, and the privacy rules kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry
from dispatch_console.domain.eido import registry
from dispatch_console.domain.eido.build import references
from dispatch_console.services import eido, privacy
from dispatch_console.services.actor import Actor
from tests.eido.conftest import ISSUER, Story, export, schema_errors


def _persons(document: dict, role: str) -> list[dict]:
    return [p for p in document.get("personComponent", []) if role in p["personIncidentRoleRegistryText"]]


def test_every_one_of_the_ten_threats_exports_a_valid_eido_whose_references_all_resolve(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    for name, story in stories.items():
        document = export(db, supervisor, story)
        assert schema_errors(document) == [], name
        assert references(document) == [], name
        assert document["eidoVersion"] == "1.0"
        assert document["$id"] == f"urn:emergency:uid:incidentid:{story.case_number}:psap.riverton.example"
        assert document["issuingElementIdentification"] == "console-a.psap.riverton.example"
        incident = document["incidentComponent"]
        assert (incident["incidentTypeCommonRegistryText"], incident["incidentTypeInternalCode"],
                incident["internalIncidentId"]) == ("THREATS", "terroristic_threat", story.case_number)


def test_the_same_case_exported_twice_gives_the_same_document(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    story = stories["units_acknowledged"]
    assert export(db, supervisor, story) == export(db, supervisor, story)


def test_a_juvenile_is_described_not_named_until_the_operator_has_revealed_the_case(
        db: Database, stories: dict[str, Story], supervisor: Actor, call_taker: Actor) -> None:
    masked = export(db, supervisor, stories["juvenile_masked"])
    assert [p["ncPersonComponent"] for p in _persons(masked, "Suspect")] == [{
        "ageMeasure": [{"integerValue": [{"value": 15}], "unit": [{"value": "years"}]}],
        "description": [{"value": "juvenile, 15, grade 9, Central High School"}],
    }]
    text = json.dumps(masked)
    assert "Jordan" not in text and "@jd_rvt" not in text and "red hoodie" not in text

    revealed = export(db, supervisor, stories["juvenile_revealed"])
    assert [p["ncPersonComponent"] for p in _persons(revealed, "Suspect")] == [{
        "name": [{"fullName": [{"value": "Riley Roe"}]}],
        "birthDate": [{"date": [{"value": "2013-05-02"}]}],
    }]
    # the reveal is the supervisor's: the call-taker exporting the same case gets the masked description
    for_call_taker = export(db, call_taker, stories["juvenile_revealed"])
    assert [p["ncPersonComponent"] for p in _persons(for_call_taker, "Suspect")] == [{
        "description": [{"value": "juvenile, grade 7, Lincoln Middle School"}],
    }]
    assert "Riley" not in json.dumps(for_call_taker)


def test_an_adult_suspect_is_named(db: Database, stories: dict[str, Story], call_taker: Actor) -> None:
    document = export(db, call_taker, stories["adult_suspect"])
    assert [p["ncPersonComponent"] for p in _persons(document, "Suspect")] == [{
        "name": [{"fullName": [{"value": "Chris Adult"}]}],
        "birthDate": [{"date": [{"value": "1990-01-15"}]}],
        "description": [{"value": "tall, grey pickup truck"}],
    }]


def test_a_confidential_caller_never_leaves_the_console(
        db: Database, stories: dict[str, Story], admin: Actor) -> None:
    document = export(db, admin, stories["confidential_caller"])
    text = json.dumps(document)
    assert "Morgan" not in text and "Secret" not in text and "234-9000" not in text and "2349000" not in text
    assert "callbackComponent" not in document
    [caller] = _persons(document, "Caller")
    assert caller["ncPersonComponent"] == {"description": [{"value": eido.CONFIDENTIAL_CALLER}]}
    assert "callBackReference" not in caller and "callBackReference" not in document["callComponent"][0]


def test_a_caller_who_is_not_confidential_comes_with_the_callback_number(
        db: Database, stories: dict[str, Story], call_taker: Actor) -> None:
    document = export(db, call_taker, stories["juvenile_masked"])
    [caller] = _persons(document, "Caller")
    assert caller["ncPersonComponent"] == {"name": [{"fullName": [{"value": "Pat Parent"}]}]}
    [callback] = document["callbackComponent"]
    assert callback["callBackInformationUri"] == ["tel:+18162345678"]
    assert caller["callBackReference"] == document["callComponent"][0]["callBackReference"] == {
        "$ref": callback["$id"]}


def test_a_sealed_case_is_never_exported_and_a_non_admin_is_not_told_it_exists(
        db: Database, stories: dict[str, Story], supervisor: Actor, admin: Actor) -> None:
    story = stories["adult_suspect"]
    with db.write() as session:
        privacy.seal(session, actor=supervisor, threat_id=story.threat_id, reason="court order 2027-114")
    with pytest.raises(privacy.CaseNotFound) as not_found, db.write() as session:
        eido.export_threat(session, actor=supervisor, case_number=story.case_number, issuer=ISSUER)
    assert str(not_found.value) == f"No case {story.case_number}. Check the case number (e.g. TT-2026-00042)."
    with pytest.raises(eido.EidoRefused) as refused, db.write() as session:
        eido.export_threat(session, actor=admin, case_number=story.case_number, issuer=ISSUER)
    assert str(refused.value) == f"{story.case_number} is sealed; sealed cases are never exported."
    with db.read() as session:
        entries = session.execute(select(AuditEntry.operator, AuditEntry.outcome, AuditEntry.detail).where(
            AuditEntry.action == "threat.export_eido", AuditEntry.record_id == story.case_number)).all()
    assert [tuple(e) for e in entries] == [("admin", "denied", {"reason": "sealed"})]


def test_every_export_is_audited_with_what_it_showed(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    export(db, supervisor, stories["juvenile_revealed"])
    with db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.export_eido")).scalar_one()
    assert (entry.operator, entry.record_type, entry.record_id, entry.outcome, entry.detail) == (
        "supervisor", "threat", stories["juvenile_revealed"].case_number, "success",
        {"element": "console-a.psap.riverton.example", "suspects": 1, "identities_shown": 1, "caller": "yes"})


def test_a_closed_case_carries_its_outcomes_as_dispositions(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    incident = export(db, supervisor, stories["closed_with_outcomes"])["incidentComponent"]
    assert [(d["dispositionCommonRegistryCode"], d["dispositionPrimaryIndicator"], d["dispositionDescriptionText"])
            for d in incident["dispositionComponent"]] == [
        ("UNFOUNDED", True, "Unfounded / hoax"), ("OTHER", False, "prank by a former student")]
    assert incident["incidentStatusInternalText"] == ["closed"]


def test_notified_units_and_their_acknowledgements_are_resources_of_one_dispatch(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    document = export(db, supervisor, stories["units_acknowledged"])
    resources = document["emergencyResourceComponent"]
    assert [(r["emergencyResourceName"], r["emergencyResourceTypeInternalText"], r["primaryUnitStatusRegistryText"],
             r["unitStatusInternal"], r["lastUpdateTimeStamp"], r["agentReference"]) for r in resources] == [
        ("SRO-01", "sro", "Dispatched", ["acknowledged"], "2027-04-11T14:02:40+00:00",
         [{"$ref": "supervisor@psap.riverton.example"}]),
        ("3A12", "patrol", "Dispatched", ["delivered"], "2027-04-11T14:02:00+00:00",
         [{"$ref": "supervisor@psap.riverton.example"}]),
    ]
    [dispatch] = document["dispatchComponent"]
    assert (dispatch["lastUpdateTimeStamp"], dispatch["agentReference"], dispatch["emergencyResourceReference"]) == (
        "2027-04-11T14:02:00+00:00", {"$ref": "supervisor@psap.riverton.example"},
        [{"$ref": r["$id"]} for r in resources])


def test_a_linked_duplicate_points_at_its_original_incident(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    document = export(db, supervisor, stories["linked_duplicate"])
    original = stories["juvenile_masked"].case_number
    assert [(link["incidentTrackingIdentifier"], link["linkDirectionCode"], link["transactionReasonText"])
            for link in document["linkComponent"]] == [
        (f"urn:emergency:uid:incidentid:{original}:psap.riverton.example", "PARENT", f"Duplicate report of {original}")]


def test_notes_are_html_that_shows_a_dictated_script_as_text(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    document = export(db, supervisor, stories["hostile_text"])
    notes = [n["notesActionComments"] for n in document["notesComponent"]]
    assert notes[0] == ("He wrote &lt;script&gt;alert('x')&lt;/script&gt; &amp; said \"boom\"<br>second line<br>"
                        "<br>  indented &lt;b&gt;bold&lt;/b&gt;")
    assert notes[-2:] == ["Called the school: the principal knows.",
                          "Mother called back &lt;again&gt; &amp; added: 'no'."]
    assert all("<script" not in n for n in notes)


def test_the_target_school_is_a_current_incident_location_with_its_civic_address(
        db: Database, stories: dict[str, Story], supervisor: Actor) -> None:
    [location] = export(db, supervisor, stories["juvenile_masked"])["locationComponent"]
    assert location["locationTypeDescriptionRegistryText"] == "CurrentIncident"
    assert location["locationDescriptionText"] == "Central High School"
    civic = re.search(r"<civicAddress[^>]*>(.*)</civicAddress>", location["locationByValue"])
    assert civic is not None
    assert civic.group(1) == "<country>US</country><HNO>100</HNO><RD>Park Ave</RD><A3>Riverton</A3>"


def test_the_readme_lists_every_registry_value_the_console_writes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## EIDO", 1)[1].split("\n## ", 1)[0]
    for row in registry.TABLE:
        mark = "console's choice" if row.own_choice else row.registry
        assert f"| `{row.field}` | `{row.value}` | {mark}" in section, row
