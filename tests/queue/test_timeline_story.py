"""The timeline reads as the case's story: sentences naming people, one entry per event, no note twice."""

from __future__ import annotations

from datetime import timedelta

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Operator
from dispatch_console.domain.enums import Priority, Status
from dispatch_console.services import audit, queue, triage
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from tests.queue.factories import add_notification, add_threat


def test_a_case_history_reads_as_sentences_with_names_and_each_event_once(
    sqlite_db: Database, supervisor: Actor
) -> None:
    with sqlite_db.write() as s:
        for username, name, role in (("supervisor", "Sam Supervisor", "supervisor"),
                                     ("calltaker", "Casey Call-Taker", "call_taker")):
            s.add(Operator(username=username, display_name=name, role=role, password_hash="-", created_at=utcnow()))
        tid = add_threat(s, priority="P1")
    with sqlite_db.write() as s:
        triage.add_note(s, actor=supervisor, threat_id=tid, text="caller called back")
    with sqlite_db.write() as s:
        result = triage.change_status(s, actor=supervisor, threat_id=tid, expected_version=1,
                                   status=Status.INVESTIGATING)
    with sqlite_db.write() as s:
        triage.change_priority(s, actor=supervisor, threat_id=tid, expected_version=result.version,
                               priority=Priority.P2, reason="caller recanted")
    with sqlite_db.write() as s:
        audit.record(s, actor=supervisor, action="threat.notify", record_type="threat", record_id=tid,
                     detail={"case_number": result.row.case_number, "queued": ["SRO-7", "3A12"], "skipped": []})
        later = utcnow() + timedelta(seconds=5)
        add_notification(s, threat_id=tid, unit_id="SRO-7", state="acknowledged", at=later)
        add_notification(s, threat_id=tid, unit_id="3A12", state="failed", at=later + timedelta(seconds=1))
    with sqlite_db.read() as s:
        detail = queue.threat_detail(s, actor=supervisor, threat_id=tid, audit_view=False)
    assert [e.text for e in detail.timeline] == [
        "Casey Call-Taker saved the report",
        "Sam Supervisor noted: caller called back",
        "Sam Supervisor set the status to investigating",
        "Sam Supervisor changed the priority from P1 to P2 because caller recanted",
        "Sam Supervisor notified 2 units",
        "SRO-7 acknowledged the notification",
        "The notification to 3A12 failed: no reason given",
    ]
