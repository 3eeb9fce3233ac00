"""The timeline reads as the case's story: sentences naming people, one entry per event, no note twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import Notification, Operator, SiteRow
from dispatch_console.domain.enums import Priority, Role, Status, TargetKind
from dispatch_console.domain.threat import ThreatInput
from dispatch_console.services import audit, drafts, exports, intake, outbox, privacy, queue, triage
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from tests.queue.factories import WRITER, add_notification, add_threat

OUTBOX = Actor("outbox", "Notification service", Role.SUPERVISOR, "console-a")  # services.notify_support's actor


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


def test_the_story_includes_what_names_the_case_another_way_each_once(
    sqlite_db: Database, supervisor: Actor, call_taker: Actor
) -> None:
    """The draft it was typed in, a later report of the same threat, a page retried, its audit trail exported."""
    with sqlite_db.write() as s:
        for username, name, role in (("supervisor", "Sam Supervisor", "supervisor"),
                                     ("calltaker", "Casey Call-Taker", "call_taker")):
            s.add(Operator(username=username, display_name=name, role=role, password_hash="-", created_at=utcnow()))
        s.add(SiteRow(name="Northview High School", kind="school", address="100 Northview Rd", division="North",
                      updated_at=utcnow()))
    report = ThreatInput(target_kind=TargetKind.SCHOOL, site_id=1, statement="he said he would do it on Friday")
    with sqlite_db.write() as s:
        drafts.save_draft(s, actor=call_taker, draft_id="draft-7", data={"statement": report.statement})
    with sqlite_db.write() as s:  # the console was restarted: the call-taker takes the draft back up
        drafts.recover_draft(s, actor=call_taker, draft_id="draft-7")
    with sqlite_db.write() as s:
        first = intake.save_threat(s, actor=call_taker, data=report, now=utcnow(), tz=UTC, draft_id="draft-7")
    with sqlite_db.write() as s:
        second = intake.save_threat(s, actor=call_taker, data=replace(report, linked_to=first.case_number),
                                    now=utcnow(), tz=UTC)
    with sqlite_db.write() as s:
        outbox.notify_designated_units(s, actor=supervisor, threat_id=first.threat_id, unit_ids=["NOR-P1"],
                                       now=utcnow())
        page = s.execute(select(Notification)).scalar_one()
        page.state, page.last_error = "failed", "NOR-P1's pager did not answer"
        audit.record(s, actor=OUTBOX, action="notification.failed", record_type="notification", record_id=page.id,
                     outcome="failed", detail={"threat_id": first.threat_id, "unit_id": "NOR-P1", "round": 0,
                                               "reason": "NOR-P1's pager did not answer"})
    with sqlite_db.write() as s:
        outbox.retry_failed(s, actor=supervisor, notification_id=page.id, now=utcnow())
    with sqlite_db.write() as s:
        exports.record_export(s, actor=supervisor, kind="audit_csv", rows=6, record=f"threat {first.case_number}")
    with sqlite_db.read() as s:
        detail = queue.threat_detail(s, actor=supervisor, threat_id=first.threat_id, audit_view=False, tz=UTC)
    assert (first.priority, second.priority) == (Priority.P4, Priority.P3)  # a repeated threat is one level up
    assert [e.text for e in detail.timeline] == [
        "Casey Call-Taker took the report back up from a draft kept by the console",
        f"Casey Call-Taker saved the report as {first.priority.value} for Northview High School",
        f"Casey Call-Taker linked the report {second.case_number} to this case as the same threat reported again",
        f"The priority was raised from P4 to P3 because {second.case_number} reported the same threat again",
        "Sam Supervisor notified 1 unit",
        "The notification to NOR-P1 failed: NOR-P1's pager did not answer",
        "Sam Supervisor sent the failed notification to NOR-P1 again",
        "Sam Supervisor exported the audit trail of this case (6 entries)",
    ]


def test_who_opened_a_case_while_it_was_sealed_is_told_and_other_openings_are_not(
    sqlite_db: Database, supervisor: Actor, admin: Actor
) -> None:
    with sqlite_db.write() as s:
        for who in (supervisor, admin, WRITER):
            s.add(Operator(username=who.username, display_name=who.display_name, role=who.role.value,
                           password_hash="-", created_at=utcnow()))
        tid = add_threat(s)
    with sqlite_db.write() as s:
        queue.threat_detail(s, actor=supervisor, threat_id=tid)  # an ordinary look: audited, not a line
    with sqlite_db.write() as s:
        privacy.seal(s, actor=supervisor, threat_id=tid, reason="court order 2026-118")
    with sqlite_db.write() as s:
        queue.threat_detail(s, actor=admin, threat_id=tid)
    with sqlite_db.write() as s:
        privacy.unseal(s, actor=admin, threat_id=tid, reason="order lifted")
    with sqlite_db.write() as s:
        detail = queue.threat_detail(s, actor=supervisor, threat_id=tid)
    assert [e.text for e in detail.timeline] == [
        "Casey Call-Taker saved the report",
        "Sam Supervisor sealed the case: court order 2026-118",
        "Alex Admin opened the sealed case",
        "Alex Admin unsealed the case: order lifted",
    ]
