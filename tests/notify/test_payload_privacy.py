"""What leaves the console: units get what lets them recognise a suspect, never a name, a birth date or the caller.

Every story compares WHOLE payloads: a field that should not be there fails the test as surely as a missing one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import Database
from dispatch_console.db.models import ThreatRow
from dispatch_console.domain.name_masking import Person, mask_names
from dispatch_console.gateway.contract import format_rfc3339
from dispatch_console.services import outbox
from dispatch_console.services.actor import Actor
from dispatch_console.ui.units.panel import UnitsPanel
from dispatch_console.ui.units.snapshot import preview_text
from tests.notify.conftest import click
from tests.notify.factories import make_threat
from tests.notify.test_units_panel import CALL_TAKER, console_with_backend, live_backend
from tests.ui.conftest import make_console, sign_in

__all__ = ["live_backend", "make_console"]

STATEMENT = (
    "Mary Smith says her son JAKE SMITH told Jake's friends he'd bring his dad's gun; smith also named "
    "Al-Hassan Omar, who drives a van. (Caller: mary, don't call back.) Alarm at 3 pm, Alma Street."
)
MASKED = (
    "[caller] says her son [suspect 1] told [suspect 1]'s friends he'd bring his dad's gun; [caller] also named "
    "[suspect 2], who drives a van. (Caller: [caller], don't call back.) Alarm at 3 pm, Alma Street."
)


def the_threat(db: Database, actor: Actor) -> int:
    return make_threat(db, actor, caller_name="Mary Smith", juvenile_name="Jake Smith", adult_name="Al-Hassan Omar",
                       juvenile_description="red hoodie, tall and thin; Jake carried a black backpack",
                       statement=STATEMENT)


def expected_incident(db: Database, threat_id: int) -> dict[str, Any]:
    with db.read() as session:
        threat = session.get(ThreatRow, threat_id)
        assert threat is not None
        case, threatened = threat.case_number, threat.threatened_at
    assert threatened is not None
    age = outbox.age_on(date(2011, 3, 4), datetime.now(UTC).date())
    return {
        "case_number": case,
        "category": "terroristic_threat",
        "target": {"name": "Northview High School", "kind": "school", "address": "100 Northview Rd",
                   "division": "North"},
        "threatened_at": format_rfc3339(threatened),
        "weapons": ["firearm"],
        "summary": MASKED,
        "suspects": [
            {"display_name": f"[suspect 1] juvenile, {age}, grade 9, Northview High; seen: red hoodie, tall and "
                             "thin; [suspect 1] carried a black backpack", "juvenile": True},
            {"display_name": "[suspect 2] adult, 34; seen: bald, grey van", "juvenile": False},
        ],
    }


def test_the_whole_payload_describes_suspects_and_masks_every_name_typed_into_the_statement(
    db: Database, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = the_threat(db, call_taker)
    result = click(db, supervisor, threat_id, ["SRO-04"])
    with db.read() as session:
        payload = outbox.payload_of(session, result.notification_ids[0])
        case = session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]
    assert payload == {
        "notification_id": result.notification_ids[0],
        "unit_id": "SRO-04",
        "priority": "P1",
        "incident": expected_incident(db, threat_id),
        "message": f"P1 terroristic threat {case} at Northview High School, threatened: 4/12 after school. "
                   "Acknowledge on receipt.",
    }
    text = repr(payload)
    for secret in ("mary", "jake", "smith", "hassan", "omar", "2011-03-04", "555-0100", "@jj_2011"):
        assert not re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text, re.IGNORECASE), secret


def test_a_threat_without_names_is_sent_as_typed(db: Database, supervisor: Actor, call_taker: Actor) -> None:
    threat_id = make_threat(db, call_taker, caller_name="", statement="someone wrote 'bomb' on the gym wall")
    result = click(db, supervisor, threat_id, ["SRO-04"])
    with db.read() as session:
        payload = outbox.payload_of(session, result.notification_ids[0])
    assert payload is not None
    assert payload["incident"]["summary"] == "someone wrote 'bomb' on the gym wall"
    assert payload["incident"]["suspects"] == []


def test_name_masking_rules() -> None:
    people = [Person("Mary Smith", "[caller]"), Person("J. Al-Hassan", "[suspect 1]")]
    assert mask_names("MARY said j. al-hassan, Hassan and Al did it", people) == (
        "[caller] said [suspect 1], [suspect 1] and [suspect 1] did it"
    )
    assert mask_names("J. said so", people) == "J. said so"  # a one-letter part alone is never masked
    assert mask_names("Smithson and Maryland; alarm; Al's bag", people) == "Smithson and Maryland; alarm; [suspect 1]'s bag"
    assert mask_names("Mary\n  Smith called", people) == "[caller] called"
    assert mask_names("nothing to hide", []) == "nothing to hide"


def test_the_panel_shows_the_supervisor_exactly_what_will_be_sent(
    qtbot: QtBot, make_console, live_backend  # type: ignore[no-untyped-def]
) -> None:
    console = console_with_backend(make_console, live_backend)
    sign_in(qtbot, console)
    threat_id = the_threat(console.db, CALL_TAKER)
    panel = UnitsPanel(console.ctx, console.window)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_threat(threat_id)
    qtbot.waitUntil(lambda: bool(panel.preview.toPlainText()), timeout=10_000)
    incident = expected_incident(console.db, threat_id)
    case = incident["case_number"]
    assert panel.preview.toPlainText() == "\n".join([
        "What every unit receives (exactly as it will be sent):",
        f"Case: {case} · P1 · terroristic_threat",
        "Target: Northview High School (school), 100 Northview Rd, North division",
        f"Threatened at: {incident['threatened_at']}",
        "Weapons: firearm",
        f"Statement: {MASKED}",
        f"Suspect: {incident['suspects'][0]['display_name']}",
        f"Suspect: {incident['suspects'][1]['display_name']}",
        f"Message: P1 terroristic threat {case} at Northview High School, threatened: 4/12 after school. "
        "You are designated as: <the unit's reason>. Acknowledge on receipt.",
    ])
    assert panel.preview.isReadOnly() and panel.preview.accessibleName() == "What the units will receive"

    with qtbot.waitSignal(panel.notified, timeout=10_000) as clicked:
        panel.notify_button.click()
    with console.db.read() as session:
        sent = [outbox.payload_of(session, nid) for nid in clicked.args[0].notification_ids]
    assert sent and all(p is not None and p["incident"] == incident for p in sent)  # the preview WAS the page
    assert all(preview_text(p).split("\nMessage:")[0] == panel.preview.toPlainText().split("\nMessage:")[0]
               for p in sent)
