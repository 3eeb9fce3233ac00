"""Stories of the intake service on real SQLite and PostgreSQL: save, case numbers, duplicates, override, drafts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import AuditEntry, Change, Draft, SuspectRow, ThreatRow
from dispatch_console.domain.enums import Indicator, Priority
from dispatch_console.domain.priority import PriorityError
from dispatch_console.domain.sites import Site
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.services import audit, drafts, intake
from dispatch_console.services.actor import Actor, PermissionDenied
from tests.intake.conftest import CENTER, NOW, april_12


def _save(db: Database, actor: Actor, data: ThreatInput, **kw: object) -> intake.SavedThreat:
    with db.write() as session:
        return intake.save_threat(session, actor=actor, data=data, now=NOW, tz=CENTER, **kw)  # type: ignore[arg-type]


def test_a_call_taker_saves_the_april_12_threat_as_p1_with_its_audit_and_change_rows(
    db: Database, city: dict[str, Site], call_taker: Actor
) -> None:
    saved = _save(db, call_taker, april_12(city["Central High School"]))

    assert saved.case_number == "TT-2027-00001"
    assert saved.priority is Priority.P1
    assert saved.reasons[0].startswith("P1: firearm mentioned; threatened time in 1 day 6 h")
    with db.read() as session:
        row = session.get(ThreatRow, saved.threat_id)
        assert row is not None
        assert row.threatened_at is not None and row.threatened_at.astimezone(CENTER).hour == 15
        assert row.division == "Central" and row.target_kind == "school" and row.status == "new"
        suspects = session.execute(select(SuspectRow).where(SuspectRow.threat_id == row.id)).scalars().all()
        assert [s.juvenile for s in suspects] == [True, True]  # age unknown counts as juvenile
        entries = audit.search(session, audit.AuditQuery(record_id=saved.case_number))
        assert [e.action for e in entries] == ["threat.create"]
        assert session.execute(select(Change.kind).where(Change.threat_id == row.id)).scalars().all() == ["inserted"]
        assert audit.verify(session) is None


def test_a_report_without_target_or_statement_is_refused_and_nothing_is_written(
    db: Database, city: dict[str, Site], call_taker: Actor
) -> None:
    with pytest.raises(intake.ValidationFailed) as refused:
        _save(db, call_taker, ThreatInput(caller_name="Pat", callback_number="12"))
    assert set(refused.value.errors) == {"target_name", "statement", "callback_number"}
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(ThreatRow)).scalar() == 0
        assert session.execute(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "threat.create")).scalar() == 0


def test_a_free_address_and_a_callback_number_are_stored_normalised(db: Database, call_taker: Actor) -> None:
    data = ThreatInput(target_name="Joe's Diner", target_address="12 Elm St", statement="I'll shoot up the diner",
                       callback_number="(816) 234-5678", threatened_text="tomorrow 3pm")
    saved = _save(db, call_taker, data)
    with db.read() as session:
        row = session.get(ThreatRow, saved.threat_id)
        assert row is not None
        assert row.callback_number == "+18162345678"
        assert row.site_id is None and row.target_kind == "other"
        assert row.threatened_at is not None  # the service reads an unambiguous time text itself
        assert row.threatened_at.astimezone(CENTER) == NOW.replace(day=12, hour=15)


def test_two_consoles_saving_at_once_get_distinct_case_numbers(
    db: Database, city: dict[str, Site], call_taker: Actor
) -> None:
    site = city["Lincoln Middle School"]
    numbers: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def console(name: str) -> None:
        actor = Actor(call_taker.username, call_taker.display_name, call_taker.role, name)
        start.wait()
        try:
            for i in range(8):
                numbers.append(_save(db, actor, april_12(site, statement=f"{name} report {i}")).case_number)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=console, args=(f"console-{c}",)) for c in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    assert sorted(numbers) == [f"TT-2027-{n:05d}" for n in range(1, 25)]
    with db.read() as session:
        assert audit.verify(session) is None


def test_a_second_caller_is_offered_the_open_case_and_linking_counts_the_threat_once(
    db: Database, city: dict[str, Site], call_taker: Actor
) -> None:
    site = city["Central High School"]
    vague = {"weapons": frozenset(), "suspects": [], "threatened_text": "", "threatened_at": None,
             "indicators": frozenset({Indicator.SPECIFIC_TARGET})}
    first = _save(db, call_taker, april_12(site, **vague))
    assert first.priority is Priority.P3

    second = april_12(site, statement="My son says kids are going to shoot up Central High some day.", **vague)
    with db.read() as session:
        matches = intake.find_duplicates(session, data=second, now=NOW + timedelta(hours=1))
    assert [m.case_number for m in matches] == [first.case_number]
    assert "same target, both threatened times unknown" in matches[0].reason

    second.linked_to = first.case_number
    linked = _save(db, call_taker, second)
    assert linked.linked_to == first.case_number
    with db.read() as session:
        originals = session.execute(select(func.count()).select_from(ThreatRow)
                                    .where(ThreatRow.linked_to_id.is_(None))).scalar()
        assert originals == 1  # two reports, one threat
        row = session.get(ThreatRow, linked.threat_id)
        assert row is not None and row.status == "new" and row.linked_to_id == first.threat_id
        original = session.get(ThreatRow, first.threat_id)
        assert original is not None and original.priority == "P2"  # repeated: raised one level
        actions = [e.action for e in audit.search(session, audit.AuditQuery(action="threat."))]
        assert "threat.link" in actions
        # a third caller is offered the original, never the linked duplicate
        again = intake.find_duplicates(session, data=second, now=NOW)
        assert [m.case_number for m in again] == [first.case_number]


def test_only_a_supervisor_overrides_a_priority_and_both_attempts_are_audited(
    db: Database, city: dict[str, Site], call_taker: Actor, supervisor: Actor
) -> None:
    saved = _save(db, call_taker, april_12(city["Central High School"]))
    with db.read() as session:
        row = session.get(ThreatRow, saved.threat_id)
        assert row is not None
        version = row.version

    with pytest.raises(PermissionDenied), db.write() as session:
        intake.override_priority(session, actor=call_taker, threat_id=saved.threat_id, priority=Priority.P3,
                                 reason="looks like a hoax", expected_version=version)
    with pytest.raises(PriorityError), db.write() as session:
        intake.override_priority(session, actor=supervisor, threat_id=saved.threat_id, priority=Priority.P3,
                                 reason="   ", expected_version=version)
    with db.write() as session:
        changed = intake.override_priority(session, actor=supervisor, threat_id=saved.threat_id,
                                           priority=Priority.P3, reason="both students in custody",
                                           expected_version=version)
    assert changed.priority is Priority.P3 and changed.version == version + 1
    assert "supervisor override from P1 — both students in custody" in changed.reasons[0]
    with pytest.raises(intake.StaleThreat), db.write() as session:
        intake.override_priority(session, actor=supervisor, threat_id=saved.threat_id, priority=Priority.P2,
                                 reason="again", expected_version=version)
    with db.read() as session:
        row = session.get(ThreatRow, saved.threat_id)
        assert row is not None and row.priority_overridden and row.priority == "P3"
        entries = audit.search(session, audit.AuditQuery(action="threat.priority_override"))
        assert sorted((e.operator, e.outcome) for e in entries) == [("calltaker", "denied"), ("supervisor", "success")]
        assert session.execute(select(Change.kind).where(Change.threat_id == saved.threat_id)
                               .order_by(Change.id)).scalars().all() == ["inserted", "updated"]


def test_drafts_are_kept_quietly_recovered_and_discarded_with_an_audit_and_removed_by_the_save(
    db: Database, city: dict[str, Site], call_taker: Actor
) -> None:
    with db.write() as session:
        for n in range(5):  # five pauses in typing
            drafts.save_draft(session, actor=call_taker, draft_id="d-1",
                              data={"target_name": "Central High School", "statement": "two students" + "!" * n})
        drafts.save_draft(session, actor=call_taker, draft_id="d-2", data={"statement": "other call"})
    with db.read() as session:
        listed = drafts.list_drafts(session, operator=call_taker.username)
        assert {d.draft_id for d in listed} == {"d-1", "d-2"}
        assert drafts.list_drafts(session, operator="someone-else") == []
        assert audit.search(session, audit.AuditQuery(record_type="draft")) == []  # keystrokes are not audited
    with db.write() as session:
        view = drafts.recover_draft(session, actor=call_taker, draft_id="d-1")
        assert view is not None and view.data["statement"] == "two students!!!!"
        assert drafts.delete_draft(session, actor=call_taker, draft_id="d-2")
    _save(db, call_taker, april_12(city["Central High School"]), draft_id="d-1")
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(Draft)).scalar() == 0
        actions = [e.action for e in audit.search(session, audit.AuditQuery(record_type="draft"))]
        assert sorted(actions) == ["draft.discard", "draft.recover"]


def test_a_juvenile_flag_follows_the_date_of_birth_or_age(db: Database, call_taker: Actor) -> None:
    from datetime import date

    data = ThreatInput(target_name="Mall", statement="bomb at the mall", suspects=[
        SuspectInput(name="A", age=15), SuspectInput(name="B", date_of_birth=date(1990, 1, 1)), SuspectInput(),
    ])
    saved = _save(db, call_taker, data)
    with db.read() as session:
        flags = session.execute(select(SuspectRow.juvenile).where(SuspectRow.threat_id == saved.threat_id)
                                .order_by(SuspectRow.id)).scalars().all()
    assert flags == [True, False]  # the blank third suspect is not stored


def test_a_time_with_several_readings_and_none_chosen_is_refused_never_saved_as_a_guess(
    db: Database, call_taker: Actor
) -> None:
    data = ThreatInput(target_name="Joe's Diner", statement="I'll shoot up the diner", threatened_text="tomorrow 3:00")
    with pytest.raises(intake.ValidationFailed) as refused:
        _save(db, call_taker, data)
    assert refused.value.errors == {"threatened_text": (
        "Unresolved: Mon 03:00 or Mon 15:00. 3:00: am or pm? Choose a reading (Down, then Enter or its number), type "
        "the time more exactly, or clear the field to save it as unknown.")}
    chosen = _save(db, call_taker, ThreatInput(**{**data.__dict__, "threatened_at": NOW.replace(day=12, hour=15)}))
    with db.read() as session:  # with the reading chosen (the form passes it as threatened_at), it is saved
        row = session.get(ThreatRow, chosen.threat_id)
        assert row is not None and row.threatened_at is not None
        assert row.threatened_at.astimezone(CENTER) == NOW.replace(day=12, hour=15)
        assert session.execute(select(func.count()).select_from(ThreatRow)).scalar() == 1


def test_an_answered_time_in_the_future_is_refused(db: Database, call_taker: Actor) -> None:
    data = ThreatInput(target_name="Joe's Diner", statement="I'll shoot up the diner")
    with pytest.raises(intake.ValidationFailed) as refused:
        _save(db, call_taker, data, received_at=NOW + timedelta(minutes=5))
    assert refused.value.errors == {"answered_at": "The call cannot have been answered at 09:05:00, later than now. "
                                                   "Correct the answered time."}
