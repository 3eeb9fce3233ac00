"""Ten threats a threat desk really sees, saved through the real services, and the project's EIDO schema.

The threats cover what the EIDO rules are about: juveniles masked and revealed, a confidential caller, a linked
duplicate, a closed case with outcomes, units notified and acknowledged, hostile text, an anonymous tip with
evidence. They are written by ``intake.save_threat`` and the triage services, as the console writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Notification, ThreatRow
from dispatch_console.domain.eido.case import Issuer
from dispatch_console.domain.enums import (
    CallerRelation,
    Indicator,
    LearnedHow,
    Outcome,
    TargetKind,
    UnitKind,
    Weapon,
)
from dispatch_console.domain.sites import Site
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.resources import resource
from dispatch_console.services import eido, intake, privacy, sites, triage
from dispatch_console.services.actor import SYSTEM, Actor
from dispatch_console.services.bootstrap import DEMO_SITES

CENTER: tzinfo = ZoneInfo("America/Chicago")
NOW = datetime(2027, 4, 11, 9, 0, tzinfo=CENTER)
ISSUER = Issuer("console-a.psap.riverton.example", "psap.riverton.example", "Riverton Police Department")
SCHEMA_PATH = resource("eido", "eido-1.0-subset.schema.json")


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every violation of the project's EIDO schema (formats checked: date-time, date, uri)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    return [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]


@dataclass(frozen=True)
class Story:
    case_number: str
    threat_id: int


@pytest.fixture
def city(db: Database) -> dict[str, Site]:
    with db.write() as session:
        sites.import_csv(session, actor=SYSTEM, text=DEMO_SITES.read_text(encoding="utf-8"), source="demo")
    with db.read() as session:
        return {site.name: site for site in sites.all_sites(session)}


def _school(site: Site, **fields: Any) -> ThreatInput:
    return ThreatInput(target_kind=TargetKind.SCHOOL, site_id=site.site_id, target_name=site.name,
                       target_address=site.address, division=site.division, **fields)


def _version(db: Database, threat_id: int) -> int:
    with db.read() as session:
        row = session.get(ThreatRow, threat_id)
        assert row is not None
        return row.version


@pytest.fixture
def stories(db: Database, city: dict[str, Site], supervisor: Actor, call_taker: Actor) -> dict[str, Story]:
    """The ten threats, by story name."""
    central, lincoln = city["Central High School"], city["Lincoln Middle School"]
    after_school = datetime(2027, 4, 12, 15, 10, tzinfo=CENTER)
    inputs: dict[str, ThreatInput] = {
        "juvenile_masked": _school(
            central, caller_name="Pat Parent", callback_number="(816) 234-5678",
            caller_relation=CallerRelation.PARENT, learned_how=LearnedHow.TOLD_BY_SOMEONE,
            threatened_text="4/12 after school", threatened_at=after_school,
            statement="My son says a boy in his class will bring a gun after school on April 12.",
            weapons=frozenset({Weapon.FIREARM}), indicators=frozenset({Indicator.SPECIFIC_TIME}),
            suspects=[SuspectInput(name="Jordan Doe", age=15, school="Central High School", grade="9",
                                   description="red hoodie", social_handles="@jd_rvt")]),
        "juvenile_revealed": _school(
            lincoln, caller_name="Sam Teacher", callback_number="816-234-5600",
            caller_relation=CallerRelation.SCHOOL_STAFF, learned_how=LearnedHow.WRITTEN_NOTE,
            statement="A note in the girls' restroom says the school will burn Friday.",
            suspects=[SuspectInput(name="Riley Roe", date_of_birth=date(2013, 5, 2), school="Lincoln Middle School",
                                   grade="7", weapon_access=True)]),
        "confidential_caller": _school(
            central, caller_name="Morgan Secret", callback_number="816-234-9000", confidential_reporter=True,
            caller_relation=CallerRelation.SCHOOL_STAFF, learned_how=LearnedHow.OVERHEARD,
            statement="I overheard two seniors planning to shoot up the assembly."),
        "closed_with_outcomes": _school(
            lincoln, caller_name="Alex Neighbor", callback_number="816-234-7001",
            caller_relation=CallerRelation.OTHER, learned_how=LearnedHow.HEARD_DIRECTLY,
            statement="Someone yelled at the bus stop that he will blow up the middle school."),
        "adult_suspect": _school(
            central, caller_name="Dana Clerk", callback_number="816-234-7002",
            caller_relation=CallerRelation.SCHOOL_STAFF, learned_how=LearnedHow.HEARD_DIRECTLY,
            statement="A former employee said he will come back with a rifle.",
            weapons=frozenset({Weapon.FIREARM}), weapon_access=True,
            indicators=frozenset({Indicator.WEAPON_ACCESS, Indicator.PRIOR_THREATS}),
            suspects=[SuspectInput(name="Chris Adult", date_of_birth=date(1990, 1, 15),
                                   description="tall, grey pickup truck")]),
        "business_free_address": ThreatInput(
            target_kind=TargetKind.BUSINESS, target_name="Riverton Diner", target_address="12 Mill Rd, Riverton",
            division="North", caller_name="Lee Owner", callback_number="816-234-7003",
            caller_relation=CallerRelation.OTHER, learned_how=LearnedHow.TEXT_MESSAGE,
            evidence="screenshot kept by the caller; sender +1 816 234 7999",
            threatened_text="tomorrow at noon", threatened_at=datetime(2027, 4, 12, 12, 0, tzinfo=CENTER),
            statement="Text message: 'tomorrow at noon your diner goes up in flames'.",
            weapons=frozenset({Weapon.EXPLOSIVE, Weapon.KNIFE}),
            indicators=frozenset({Indicator.SPECIFIC_TARGET, Indicator.SPECIFIC_TIME,
                                  Indicator.PLAN_OR_PREPARATION})),
        "units_acknowledged": _school(
            central, caller_name="Kim Counselor", callback_number="816-234-7004",
            caller_relation=CallerRelation.SCHOOL_STAFF, learned_how=LearnedHow.SOCIAL_MEDIA,
            evidence="https://social.example/p/123 by @angry_kid",
            statement="A student posted a picture of a gun with the school's name.",
            weapons=frozenset({Weapon.FIREARM}), indicators=frozenset({Indicator.REPEATED_SPREADING})),
        "hostile_text": _school(
            lincoln, caller_name="=HYPERLINK(\"http://evil.example\")", callback_number="816-234-7005",
            caller_relation=CallerRelation.STUDENT, learned_how=LearnedHow.HEARD_DIRECTLY,
            statement="He wrote <script>alert('x')</script> & said \"boom\"\nsecond line\n\n  indented <b>bold</b>",
            narrative="Caller is 14 and was scared.\nMother on the line too: &amp; <i>not</i> a joke."),
        "anonymous_social": _school(
            central, caller_relation=CallerRelation.ANONYMOUS, learned_how=LearnedHow.SOCIAL_MEDIA,
            evidence="https://video.example/v/9", named_persons="Ms. Alvarez (teacher); the 10th-grade class",
            threatened_text="next week", statement="An anonymous tip: a video threatens Ms. Alvarez's class.",
            suspects=[SuspectInput(description="unknown student, deep voice"),
                      SuspectInput(name="Taylor Older", age=19, description="graduated last year")]),
    }
    found: dict[str, Story] = {}
    with db.write() as session:
        for name, data in inputs.items():
            saved = intake.save_threat(session, actor=call_taker, data=data, now=NOW, tz=CENTER,
                                       received_at=NOW - timedelta(minutes=len(found) + 1))
            found[name] = Story(saved.case_number, saved.threat_id)
        duplicate = _school(central, caller_name="Another Parent", callback_number="816-234-7006",
                            caller_relation=CallerRelation.PARENT, learned_how=LearnedHow.TOLD_BY_SOMEONE,
                            statement="Same thing: a gun after school on the 12th.",
                            linked_to=found["juvenile_masked"].case_number)
        saved = intake.save_threat(session, actor=call_taker, data=duplicate, now=NOW, tz=CENTER)
        found["linked_duplicate"] = Story(saved.case_number, saved.threat_id)
    with db.write() as session:
        privacy.reveal(session, actor=supervisor, threat_id=found["juvenile_revealed"].threat_id,
                       reason="juvenile detective follow-up")
    closed = found["closed_with_outcomes"].threat_id
    with db.write() as session:
        triage.close(session, actor=supervisor, threat_id=closed, expected_version=_version(db, closed),
                     outcomes=[Outcome.UNFOUNDED, Outcome.OTHER], other_text="prank by a former student")
    units = found["units_acknowledged"].threat_id
    for unit_id, kind in (("SRO-01", UnitKind.SRO), ("3A12", UnitKind.PATROL)):
        with db.write() as session:
            triage.assign_unit(session, actor=supervisor, threat_id=units, expected_version=_version(db, units),
                               unit_id=unit_id, kind=kind, division="Central")
    sent = NOW + timedelta(minutes=2)
    with db.write() as session:
        for unit_id, state in (("SRO-01", "acknowledged"), ("3A12", "delivered")):
            session.add(Notification(
                id=f"n-{unit_id}", threat_id=units, unit_id=unit_id, state=state, payload={}, next_attempt_at=sent,
                created_at=sent, created_by="supervisor", delivered_at=sent + timedelta(seconds=5),
                acknowledged_at=sent + timedelta(seconds=40) if state == "acknowledged" else None,
                acknowledged_by=unit_id if state == "acknowledged" else ""))
    hostile = found["hostile_text"].threat_id
    for text in ("Called the school: the principal knows.", "Mother called back <again> & added: 'no'."):
        with db.write() as session:
            triage.add_note(session, actor=supervisor, threat_id=hostile, text=text)
    return found


def export(db: Database, actor: Actor, story: Story) -> dict[str, Any]:
    with db.write() as session:
        return eido.export_threat(session, actor=actor, case_number=story.case_number, issuer=ISSUER)
