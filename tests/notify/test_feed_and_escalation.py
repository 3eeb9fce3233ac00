"""Stories of what happens after acceptance: delivery and acknowledgement via the status feed, and escalation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Sequence, ThreatRow
from dispatch_console.domain.enums import Priority
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services.actor import Actor
from dispatch_console.services.status_feed import feed_cursor_name
from tests.notify.conftest import TOKEN, MakeStack, click, exactly_once, states, views, wait_until
from tests.notify.factories import make_threat


@pytest.fixture
def acking_backend(tmp_path: Path) -> Iterator[ReferenceBackend]:
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "ack.sqlite3", deliver_after=0.05, ack_after=0.2)
    server.start()
    yield server
    server.close()


def threat_row(db: Database, threat_id: int) -> ThreatRow:
    with db.read() as session:
        row = session.get(ThreatRow, threat_id)
        assert row is not None
        return row


def test_delivered_and_acknowledged_arrive_through_the_status_feed(
    db: Database, acking_backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    stack = make_stack(db, acking_backend.url)
    threat_id = make_threat(db, call_taker)
    services = stack.start()
    click(db, supervisor, threat_id, ["SRO-04", "NOR-P1"], services)
    wait_until(lambda: set(states(db, threat_id).values()) == {"acknowledged"})
    for view in views(db, threat_id):
        assert view.delivered_at is not None and view.acknowledged_at is not None
        assert view.acknowledged_by and view.state_text.startswith("✔ acknowledged by ")
    threat = threat_row(db, threat_id)
    assert threat.first_ack_at is not None and not threat.ack_overdue
    with db.read() as session:
        cursor = session.get(Sequence, feed_cursor_name(acking_backend.url))
        assert cursor is not None and cursor.text_value  # persisted: a restart does not re-read the feed
        actions = [a for (a,) in session.execute(select(AuditEntry.action))]
    assert actions.count("notification.delivered") == 2 and actions.count("notification.acknowledged") == 2
    exactly_once(acking_backend, threat.case_number, ["SRO-04", "NOR-P1"])


def test_no_acknowledgement_escalates_to_the_division_supervisor_a_bounded_number_of_times(
    db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    stack = make_stack(db, backend.url)  # this backend's units never acknowledge
    threat_id = make_threat(db, call_taker, priority="P1", division="North")
    services = stack.start(deadlines={Priority.P1: 0.3, Priority.P2: 0.3}, max_escalations=2)
    click(db, supervisor, threat_id, ["NOR-P1", "SRO-04"], services)
    wait_until(lambda: threat_row(db, threat_id).escalations == 2)
    assert threat_row(db, threat_id).ack_overdue
    wait_until(lambda: states(db, threat_id, 2).get("NOR-SUP") in ("accepted", "delivered"))
    cycles = services.feed.cycles
    wait_until(lambda: services.feed.cycles >= cycles + 15)  # well past round 2's deadline
    threat = threat_row(db, threat_id)
    assert threat.escalations == 2 and threat.ack_overdue
    rounds = sorted((v.round, v.unit_id, v.escalation) for v in views(db, threat_id))
    assert rounds == [(0, "NOR-P1", False), (0, "SRO-04", False), (1, "NOR-SUP", True), (2, "NOR-SUP", True)]
    counts = backend.delivery_counts()
    assert counts[(threat.case_number, "NOR-SUP")] == 2  # one page per escalation round, no more
    with db.read() as session:
        escalations = session.execute(
            select(AuditEntry).where(AuditEntry.action == "threat.escalate")
        ).scalars().all()
        overdue = session.execute(select(AuditEntry).where(AuditEntry.action == "threat.ack_overdue")).all()
    assert [e.detail["notified"] for e in escalations] == ["NOR-SUP", "NOR-SUP"]
    assert set(escalations[0].detail["not_acknowledged"]) <= {"NOR-P1", "SRO-04"}  # whoever was late first
    assert escalations[0].detail["not_acknowledged"] and escalations[1].detail["not_acknowledged"] == ["NOR-SUP"]
    assert len(overdue) <= 1  # the limit is never recorded again on every poll


def test_p3_threats_are_not_escalated(
    sqlite_db: Database, backend: ReferenceBackend, supervisor: Actor, call_taker: Actor, make_stack: MakeStack
) -> None:
    db = sqlite_db
    stack = make_stack(db, backend.url)
    threat_id = make_threat(db, call_taker, priority="P3")
    services = stack.start(deadlines={Priority.P1: 0.1, Priority.P2: 0.1})
    click(db, supervisor, threat_id, ["NOR-P1"], services)
    wait_until(lambda: states(db, threat_id).get("NOR-P1") in ("accepted", "delivered"))
    cycles = services.feed.cycles
    wait_until(lambda: services.feed.cycles >= cycles + 10)
    assert threat_row(db, threat_id).escalations == 0 and views(db, threat_id)[0].deadline_at is None
