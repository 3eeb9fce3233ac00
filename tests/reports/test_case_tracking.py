"""Case tracking to outcome: the seed's count, closing rules, follow-ups, juvenile privacy and sealed cases.

Every story runs on SQLite and on a real PostgreSQL server (the ``db`` fixture).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry, Change, ThreatRow
from dispatch_console.domain.enums import Outcome
from dispatch_console.domain.masking import MASK
from dispatch_console.services import exports, followups, privacy, reports, triage
from dispatch_console.services.actor import Actor, PermissionDenied
from tests.reports.factory import SEED_SINCE, SEED_UNTIL, Suspect, Threat, add_threats, at, seed_case_file

NOW = datetime(2018, 5, 3, 12, tzinfo=UTC)


def _report(db, **kwargs) -> reports.Report:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return reports.build_report(session, since=kwargs.pop("since", SEED_SINCE),
                                    until=kwargs.pop("until", SEED_UNTIL), now=NOW, **kwargs)


def _audit(db, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)).scalars())


def test_the_seeds_count_is_reproduced_with_duplicate_reports_counted_once(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_case_file(db, supervisor)

    report = _report(db)

    assert report.summary == "21 verified incidents since February 14, 2018; 20 of 21 directed at schools."
    assert (report.verified, report.verified_at_schools) == (21, 20)
    # 21 verified + 2 unfounded + 1 unverified; the 4 linked reports, the sealed case and the one before the range
    # are not counted
    assert report.total == 24
    assert report.linked_duplicates == len(seeded["duplicates"]) == 4
    assert report.at_schools == 23 and report.share_at_schools == pytest.approx(23 / 24)
    assert sum(w.total for w in report.by_week) == report.total
    assert sum(w.verified for w in report.by_week) == report.verified
    assert report.by_week[0].week == date(2018, 2, 12)  # the Monday of Feb 14, 2018
    assert sum(c.total for c in report.by_division) == report.total
    assert {c.key: (c.total, c.verified) for c in report.by_target_kind} == {"school": (23, 20), "business": (1, 1)}
    assert dict((k, n) for k, _label, n in report.by_outcome) == {
        "cit_contact": 5, "in_custody": 5, "charged": 5, "unfounded": 2}
    # notified 2..22 min and acknowledged 4..24 min after the call: percentile_cont over 21 cases
    assert report.to_notification == reports.Timing(21, 12 * 60.0, 20 * 60.0)
    assert report.to_acknowledgement == reports.Timing(21, 14 * 60.0, 22 * 60.0)


def test_any_since_date_moves_the_count_and_the_default_is_the_last_90_days(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    seed_case_file(db, supervisor)
    later = _report(db, since=date(2018, 3, 1))
    assert later.summary.startswith(f"{later.verified} verified incidents since March 1, 2018;")
    assert 0 < later.verified < 21
    assert reports.default_since(date(2018, 5, 15)) == date(2018, 2, 14)
    assert reports.summary_line(1, 1, date(2018, 2, 14)) == \
        "1 verified incident since February 14, 2018; 1 of 1 directed at schools."


def test_a_case_cannot_be_closed_without_an_outcome(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    [threat_id] = add_threats(db, supervisor, [Threat(received_at=at(date(2018, 3, 1)))])
    with pytest.raises(triage.TriageError, match="at least one outcome"), db.write() as session:
        triage.close(session, actor=supervisor, threat_id=threat_id, expected_version=1, outcomes=[])
    with db.write() as session:
        triage.close(session, actor=supervisor, threat_id=threat_id, expected_version=1,
                     outcomes=[Outcome.IN_CUSTODY, Outcome.CHARGED])
    report = _report(db)
    assert dict((k, n) for k, _l, n in report.by_outcome) == {"in_custody": 1, "charged": 1}


def test_follow_ups_are_proposed_listed_as_due_or_overdue_and_completed_with_an_audit_trail(  # type: ignore[no-untyped-def]
    db, supervisor: Actor, call_taker: Actor
) -> None:
    threatened = NOW + timedelta(days=3)
    [threat_id] = add_threats(db, supervisor, [Threat(received_at=NOW - timedelta(hours=1), threatened_at=threatened,
                                                     status="closed", outcomes=["cit_contact", "juvenile_referral"])])
    with db.read() as session:
        proposed = followups.propose(session, actor=supervisor, threat_id=threat_id, now=NOW)
    assert {p.owner for p in proposed} == {"Crisis Intervention Team", "Juvenile unit"}
    assert next(p for p in proposed if p.owner == "Crisis Intervention Team").due_at == NOW + timedelta(days=7)

    with db.write() as session:
        overdue = followups.add(session, actor=supervisor, threat_id=threat_id, due_at=NOW - timedelta(hours=2),
                                owner="Central division supervisor", text="Call the school", now=NOW)
        due = followups.add(session, actor=supervisor, threat_id=threat_id, due_at=NOW + timedelta(hours=5),
                            owner=proposed[0].owner, text=proposed[0].text, now=NOW)
    with pytest.raises(PermissionDenied), db.write() as session:
        followups.add(session, actor=call_taker, threat_id=threat_id, due_at=NOW, owner="x", text="y", now=NOW)
    with db.read() as session:
        listed = followups.open_follow_ups(session, actor=call_taker, now=NOW)
        counts = followups.due_counts(session, actor=supervisor, threat_ids=[threat_id], now=NOW)
        still_proposed = followups.propose(session, actor=supervisor, threat_id=threat_id, now=NOW)
    assert [(f.follow_up_id, f.state) for f in listed] == [
        (overdue.follow_up_id, followups.FollowUpState.OVERDUE), (due.follow_up_id, followups.FollowUpState.DUE)]
    assert counts == {threat_id: (1, 1)}
    assert proposed[0].text not in {p.text for p in still_proposed}
    assert _report(db, since=date(2018, 5, 1), until=date(2018, 5, 3)).overdue_follow_ups == 1

    with db.write() as session:
        done = followups.mark_done(session, actor=supervisor, follow_up_id=overdue.follow_up_id, now=NOW)
    assert done.state is followups.FollowUpState.DONE
    with db.read() as session:
        assert [f.follow_up_id for f in followups.open_follow_ups(session, actor=supervisor, now=NOW)] == \
            [due.follow_up_id]
        whats = list(session.execute(select(Change.what).where(Change.threat_id == threat_id)).scalars())
    assert [(e.outcome, e.operator) for e in _audit(db, "followup.add")] == [
        ("success", "supervisor"), ("success", "supervisor"), ("denied", "calltaker")]
    assert [e.outcome for e in _audit(db, "followup.done")] == ["success"]
    assert "follow-up done: Call the school" in whats


def _export(db, actor: Actor, path: Path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        exports.write_cases_csv(session, actor=actor, since=SEED_SINCE, until=SEED_UNTIL, tz=UTC, path=path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_csv_has_one_row_per_case_and_matches_the_report(db, supervisor: Actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed_case_file(db, supervisor)
    report = _report(db)
    rows = _export(db, supervisor, tmp_path / "cases.csv")

    assert list(rows[0]) == [name for name, _ in exports.CASE_COLUMNS]
    counted = [r for r in rows if r["counted_in_report"] == "yes"]
    assert len(counted) == report.total
    assert sum(r["verification"] == "verified" for r in counted) == report.verified
    assert sum(r["verification"] == "verified" and r["target_kind"] == "school" for r in counted) == \
        report.verified_at_schools
    assert len(rows) - len(counted) == report.linked_duplicates
    assert all(r["linked_to"].startswith("TT-") for r in rows if r["counted_in_report"] == "no")
    with db.read() as session:
        sealed = session.execute(select(ThreatRow.case_number).where(ThreatRow.sealed)).scalar_one()
    assert sealed not in {r["case_number"] for r in rows}


def test_spreadsheet_formulas_typed_into_a_case_are_neutralised(db, supervisor: Actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_threats(db, supervisor, [Threat(received_at=at(date(2018, 3, 1)), target_name='=HYPERLINK("http://x","y")',
                                        caller_name="@SUM(A1)", outcome_other="+1 555 0100", division="-2+3",
                                        status="closed", outcomes=["other"]),
                                 Threat(received_at=at(date(2018, 3, 2)), target_name="\tTab School",
                                        caller_name="\rReturn")])
    rows = _export(db, supervisor, tmp_path / "cases.csv")
    first, second = rows
    assert first["target_name"] == '\'=HYPERLINK("http://x","y")'
    assert first["caller_name"] == "'@SUM(A1)"
    assert first["outcome_other"] == "'+1 555 0100"
    assert first["division"] == "'-2+3"
    assert second["target_name"] == "'\tTab School"
    assert second["caller_name"].startswith("'\r")
    assert exports.neutralise(-5) == -5 and exports.neutralise("Lincoln High") == "Lincoln High"


def test_juvenile_identity_is_masked_for_a_call_taker_and_revealed_audited_for_a_permitted_supervisor(  # type: ignore[no-untyped-def]
    db, supervisor: Actor, call_taker: Actor, tmp_path: Path
) -> None:
    [threat_id] = add_threats(db, supervisor, [Threat(
        received_at=at(date(2018, 3, 1)),
        suspects=[Suspect(name="Jordan Planted", date_of_birth=date(2003, 5, 1), age=14, grade="9"),
                  Suspect(name="Adult Person", age=30, juvenile=False)])])

    with db.read() as session:
        shown = privacy.shown_suspects(session, actor=call_taker, threat_id=threat_id)
    assert [(s.name, s.date_of_birth, s.masked) for s in shown] == [(MASK, MASK, True), ("Adult Person", "", False)]
    assert "Jordan" not in _export(db, call_taker, tmp_path / "ct.csv")[0]["suspects"]

    with pytest.raises(PermissionDenied, match="need-to-know"), db.write() as session:
        privacy.reveal(session, actor=call_taker, threat_id=threat_id, reason="curious")
    with pytest.raises(ValueError, match="reason"), db.write() as session:
        privacy.reveal(session, actor=supervisor, threat_id=threat_id, reason="   ")
    with db.read() as session:
        assert not privacy.is_revealed(session, actor=supervisor, threat_id=threat_id)

    with db.write() as session:
        privacy.reveal(session, actor=supervisor, threat_id=threat_id, reason="juvenile detective follow-up")

    with db.read() as session:
        assert privacy.is_revealed(session, actor=supervisor, threat_id=threat_id)
        assert not privacy.is_revealed(session, actor=call_taker, threat_id=threat_id)
        assert privacy.shown_suspects(session, actor=supervisor, threat_id=threat_id)[0].name == "Jordan Planted"
    assert "Jordan Planted, 2003-05-01" in _export(db, supervisor, tmp_path / "sv.csv")[0]["suspects"]
    assert "Jordan" not in _export(db, call_taker, tmp_path / "ct2.csv")[0]["suspects"]
    entries = _audit(db, privacy.REVEAL_ACTION)
    assert [(e.operator, e.outcome, e.detail.get("reason")) for e in entries] == [
        ("calltaker", "denied", "curious"), ("supervisor", "success", "juvenile detective follow-up")]
    assert entries[-1].record_id.startswith("TT-")


def test_a_sealed_case_is_hidden_from_reports_and_exports_and_visible_to_admins_only(  # type: ignore[no-untyped-def]
    db, supervisor: Actor, call_taker: Actor, admin: Actor, tmp_path: Path
) -> None:
    [threat_id, _other] = add_threats(db, supervisor, [Threat(received_at=at(date(2018, 3, 1))),
                                                       Threat(received_at=at(date(2018, 3, 2)))])
    assert _report(db).verified == 2

    with pytest.raises(PermissionDenied), db.write() as session:
        privacy.seal(session, actor=call_taker, threat_id=threat_id, reason="court order 18-JV-1")
    with db.write() as session:
        case = privacy.seal(session, actor=supervisor, threat_id=threat_id, reason="court order 18-JV-1")

    assert _report(db).verified == 1
    assert case.case_number not in {r["case_number"] for r in _export(db, admin, tmp_path / "a.csv")}
    with db.read() as session:
        with pytest.raises(privacy.CaseNotFound):
            privacy.find_case(session, actor=supervisor, case_number=case.case_number)
        assert privacy.find_case(session, actor=admin, case_number=case.case_number).sealed
    with pytest.raises(privacy.CaseNotFound), db.write() as session:  # not even confirmed to exist
        privacy.unseal(session, actor=supervisor, threat_id=threat_id, reason="order lifted")
    with db.write() as session:
        privacy.unseal(session, actor=admin, threat_id=threat_id, reason="order lifted")
    assert _report(db).verified == 2
    assert [(e.operator, e.outcome) for e in _audit(db, privacy.SEAL_ACTION)] == [
        ("calltaker", "denied"), ("supervisor", "success")]
    assert [(e.operator, e.outcome) for e in _audit(db, privacy.UNSEAL_ACTION)] == [("admin", "success")]
