"""Storage stories for the queue read model and supervisor triage, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Change, FollowUp
from dispatch_console.domain.enums import Outcome, Priority, Status, Verification
from dispatch_console.domain.masking import MASK
from dispatch_console.services import audit, queue, triage
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow
from tests.queue.factories import add_notification, add_threat


def test_open_threats_carry_everything_the_columns_need(db: Database, supervisor: Actor) -> None:
    with db.write() as s:
        a = add_threat(s, priority="P1", ack_overdue=True)
        add_threat(s, priority="P3", status="closed")
        add_notification(s, threat_id=a, unit_id="3A12", state="acknowledged")
        add_notification(s, threat_id=a, unit_id="SRO-7", state="sent")
        add_notification(s, threat_id=a, unit_id="CIT-1", state="failed")
        s.add(FollowUp(threat_id=a, due_at=utcnow() - timedelta(hours=1), owner="CIT", text="check-in",
                       created_by="supervisor", created_at=utcnow()))
    with db.write() as s:
        triage.assign_unit(s, actor=supervisor, threat_id=a, expected_version=1, unit_id="3A12")
    with db.read() as s:
        rows = queue.load_open(s)
    assert [r.threat_id for r in rows] == [a]
    row = rows[0]
    assert row.priority is Priority.P1 and row.is_school and row.units == ("3A12",)
    assert row.notification_text == "1/3 ack, 1 failed"
    assert row.ack_overdue and row.followups_due == 1 and row.followups_overdue == 1


def test_a_supervisor_triages_and_every_step_is_audited_and_published(db: Database, supervisor: Actor) -> None:
    with db.write() as s:
        tid = add_threat(s)
    with db.write() as s:
        result = triage.change_status(s, actor=supervisor, threat_id=tid, expected_version=1,
                                      status=Status.INVESTIGATING)
    assert result.row.status is Status.INVESTIGATING and result.version == 2
    with db.write() as s:
        result = triage.set_verification(s, actor=supervisor, threat_id=tid, expected_version=2,
                                         verification=Verification.VERIFIED)
    with db.write() as s:
        result = triage.change_priority(s, actor=supervisor, threat_id=tid, expected_version=result.version,
                                        priority=Priority.P1, reason="photo of the gun posted")
    assert result.row.priority is Priority.P1
    with db.write() as s, pytest.raises(triage.TriageError, match="at least one outcome"):
        triage.close(s, actor=supervisor, threat_id=tid, expected_version=result.version, outcomes=[])
    with db.write() as s, pytest.raises(triage.TriageError, match="describe the outcome"):
        triage.close(s, actor=supervisor, threat_id=tid, expected_version=result.version, outcomes=[Outcome.OTHER])
    with db.write() as s:
        closed = triage.close(s, actor=supervisor, threat_id=tid, expected_version=result.version,
                              outcomes=[Outcome.IN_CUSTODY, Outcome.CHARGED])
    assert closed.row.status is Status.CLOSED
    with db.read() as s:
        assert queue.load_open(s) == []
        kinds = [c.what for c in s.execute(select(Change).where(Change.threat_id == tid).order_by(Change.id)).scalars()]
    assert kinds[1:] == ["status → investigating", "verification → verified", kinds[3], "closed: in custody, charged"]
    with db.write() as s:
        reopened = triage.reopen(s, actor=supervisor, threat_id=tid, expected_version=closed.version,
                                 reason="second caller, new details")
    assert reopened.row.status is Status.NEW
    with db.read() as s:
        assert audit.verify(s) is None
        detail = queue.threat_detail(s, actor=supervisor, threat_id=tid, audit_view=False)
    texts = " | ".join(e.text for e in detail.timeline)
    assert "supervisor set the status to investigating" in texts  # no operators on file here: their usernames
    assert "supervisor reopened the case — second caller, new details" in texts


def test_call_takers_add_notes_but_triage_is_refused_and_audited(db: Database, call_taker: Actor) -> None:
    with db.write() as s:
        tid = add_threat(s)
    with db.write() as s:
        triage.add_note(s, actor=call_taker, threat_id=tid, text="caller called back: suspect has a brother's rifle")
    with pytest.raises(PermissionDenied, match="Only a supervisor can close"), db.write() as s:
        triage.close(s, actor=call_taker, threat_id=tid, expected_version=1, outcomes=[Outcome.UNFOUNDED])
    with db.read() as s:
        denied = s.execute(select(AuditEntry).where(AuditEntry.outcome == "denied")).scalars().all()
        row = queue.load_rows(s, [tid])[0]
    assert [(d.action, d.operator) for d in denied] == [("threat.close", "calltaker")]
    assert row.status is Status.NEW and row.version == 1  # the note did not move the version


def test_two_supervisors_change_the_same_threat_the_second_is_told_who_changed_what(
    db: Database, supervisor: Actor
) -> None:
    other = Actor("sv2", "Pat Partner", supervisor.role, "console-b")
    with db.write() as s:
        tid = add_threat(s)
    with db.read() as s:
        seen_by_both = queue.load_rows(s, [tid])[0].version
    with db.write() as s:
        triage.change_status(s, actor=supervisor, threat_id=tid, expected_version=seen_by_both,
                             status=Status.INVESTIGATING)
    with pytest.raises(triage.StaleThreat) as refused, db.write() as s:
        triage.change_status(s, actor=other, threat_id=tid, expected_version=seen_by_both, status=Status.NOTIFIED)
    message = str(refused.value)
    assert message.startswith("TT-") and "was changed by supervisor (status → investigating) at" in message
    assert "your change was not applied" in message
    assert refused.value.fresh is not None and refused.value.fresh.status is Status.INVESTIGATING
    with db.read() as s:
        assert queue.load_rows(s, [tid])[0].status is Status.INVESTIGATING
        stale = s.execute(select(AuditEntry).where(AuditEntry.outcome == "stale")).scalars().one()
    assert stale.operator == "sv2"


@pytest.mark.postgres
def test_on_postgresql_two_open_sessions_cannot_both_win(pg_db: Database, supervisor: Actor) -> None:
    """Both sessions read version 1 and write at the same time: the row lock makes the second see version 2."""
    other = Actor("sv2", "Pat Partner", supervisor.role, "console-b")
    with pg_db.write() as s:
        tid = add_threat(s)
    first = pg_db._write_factory()
    second = pg_db._write_factory()
    try:
        first.begin()
        second.begin()
        assert queue.load_rows(second, [tid])[0].version == 1
        triage.change_status(first, actor=supervisor, threat_id=tid, expected_version=1, status=Status.NOTIFIED)
        first.commit()
        with pytest.raises(triage.StaleThreat, match="changed by supervisor \\(status → notified\\)"):
            triage.change_status(second, actor=other, threat_id=tid, expected_version=1,
                                 status=Status.INVESTIGATING)
        second.rollback()
    finally:
        first.close()
        second.close()
    with pg_db.read() as s:
        assert queue.load_rows(s, [tid])[0].status is Status.NOTIFIED


def test_juvenile_suspects_are_masked_unless_revealed_to_this_operator(db: Database, supervisor: Actor) -> None:
    with db.write() as s:
        tid = add_threat(s, suspects=[{"name": "Jamie Doe", "age": 15, "grade": "9", "juvenile": True},
                                      {"name": "Adult Person", "age": 30, "juvenile": False}])
    with db.write() as s:
        detail = queue.threat_detail(s, actor=supervisor, threat_id=tid)
        case = detail.row.case_number
    assert [x.name for x in detail.suspects] == [MASK, "Adult Person"]
    assert detail.suspects[0].label == "juvenile, 15, grade 9"
    with db.write() as s:
        audit.record(s, actor=supervisor, action="threat.reveal", record_type="threat", record_id=case,
                     detail={"reason": "custody"})
    with db.write() as s:
        revealed = queue.threat_detail(s, actor=supervisor, threat_id=tid)
        views = s.execute(select(AuditEntry).where(AuditEntry.action == "threat.view")).scalars().all()
    assert revealed.revealed and revealed.suspects[0].name == "Jamie Doe"
    assert len(views) == 2 and {v.record_id for v in views} == {case}
