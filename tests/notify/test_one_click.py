"""Stories of the one click: each designated unit is paged exactly once, whatever the supervisor's fingers do."""

from __future__ import annotations

from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Change, Notification, ThreatRow
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import outbox
from dispatch_console.services.actor import Actor, PermissionDenied
from tests.notify.conftest import Stack, all_in, click, exactly_once, states, views, wait_until
from tests.notify.factories import make_threat

UNITS = ["SRO-04", "NOR-P1", "NOR-P2", "NOR-P3", "JUV-1", "NOR-SUP"]
DONE = {"accepted", "delivered"}


def case_of(db: Database, threat_id: int) -> str:
    with db.read() as session:
        return session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]


def test_one_click_notifies_each_designated_unit_exactly_once(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    result = click(db, supervisor, threat_id, UNITS, services)
    assert result.queued == tuple(UNITS) and not result.skipped

    wait_until(lambda: all_in(db, threat_id, DONE, len(UNITS)))
    exactly_once(backend, case_of(db, threat_id), UNITS)
    with db.read() as session:
        threat = session.get(ThreatRow, threat_id)
        assert threat is not None and threat.status == "notified" and threat.first_notified_at is not None
        actions = list(session.execute(select(AuditEntry.action).where(AuditEntry.record_type == "notification")))
        assert sum(1 for (a,) in actions if a == "notification.accepted") == len(UNITS)
        notify = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.notify")).scalar_one()
        assert notify.operator == "supervisor" and notify.detail["queued"] == UNITS
        assert session.execute(select(Change).where(Change.threat_id == threat_id, Change.by == "outbox")).first()
    assert all(v.state_text in ("accepted", "delivered") for v in views(db, threat_id))


def test_double_and_repeated_clicks_never_page_a_unit_twice(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = make_threat(db, call_taker)
    first = click(db, supervisor, threat_id, UNITS[:3])
    second = click(db, supervisor, threat_id, UNITS[:3])  # the double click, before anything was sent
    assert second.queued == () and second.skipped == tuple(UNITS[:3])
    services = stack.start()
    services.dispatcher.wake()
    wait_until(lambda: all_in(db, threat_id, DONE, 3))
    third = click(db, supervisor, threat_id, UNITS[:4], services)  # later: one more unit added, click again
    assert third.queued == ("NOR-P3",) and third.skipped == tuple(UNITS[:3])
    wait_until(lambda: all_in(db, threat_id, DONE, 4))
    exactly_once(backend, case_of(db, threat_id), UNITS[:4])
    ids = {v.unit_id: v.notification_id for v in views(db, threat_id)}
    assert ids["SRO-04"] == first.notification_ids[0]  # the key written at the first click is the one sent
    with db.read() as session:
        assert len(session.execute(select(Notification.id)).all()) == 4


def test_a_call_taker_cannot_notify_and_the_refusal_is_audited(
    db: Database, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = make_threat(db, call_taker)
    try:
        click(db, call_taker, threat_id, UNITS)
    except PermissionDenied as refusal:
        assert "supervisor" in str(refusal)
    else:
        raise AssertionError("a call-taker was allowed to page units")
    with db.read() as session:
        denied = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.notify")).scalar_one()
        assert denied.outcome == "denied" and denied.operator == "calltaker"
        assert not session.execute(select(Notification.id)).first()
    assert states(db, threat_id) == {}


def test_payload_masks_a_juvenile_and_never_names_the_confidential_caller(
    db: Database, supervisor: Actor, call_taker: Actor
) -> None:
    threat_id = make_threat(db, call_taker, juvenile_name="Jordan Minor", caller_name="Pat Confidential")
    result = click(db, supervisor, threat_id, ["SRO-04"])
    with db.read() as session:
        payload = outbox.payload_of(session, result.notification_ids[0])
    assert payload is not None
    text = repr(payload)
    assert "Jordan" not in text and "2011-03-04" not in text
    assert "Pat Confidential" not in text and "555-0100" not in text
    suspect = payload["incident"]["suspects"][0]
    assert suspect["juvenile"] is True and suspect["display_name"].startswith("[suspect 1] juvenile, 1")
    assert payload["notification_id"] == result.notification_ids[0] and payload["priority"] == "P1"


def test_two_consoles_sharing_the_database_never_send_the_same_row_twice(
    db: Database, stack: Stack, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor
) -> None:
    backend.set_faults(latency_ms=150)
    threat_id = make_threat(db, call_taker)
    units = [*UNITS, "NOR-P4", "SRO-05", "SRO-06", "CIT-1"]
    a = stack.start(console_name="console-a")
    b = stack.start(console_name="console-b")
    click(db, supervisor, threat_id, units)
    a.dispatcher.wake()
    b.dispatcher.wake()
    wait_until(lambda: all_in(db, threat_id, DONE, len(units)))
    exactly_once(backend, case_of(db, threat_id), units)
    assert backend.response_counts().get(202) == len(units)  # no second POST at all, not even a replay
