"""Every audit action reads as a sentence in the timeline, and a new action without one fails here.

The actions are found in the source, not listed by hand: every ``action=`` literal of a call, every ``…_ACTION``
constant, every literal assigned to a variable named ``action``, and every string of the shape ``threat.…`` (or of
another family that names a case) passed around positionally. Each must have a wording in
``services/timeline.WORDINGS`` or be declared in ``NOT_ABOUT_A_CASE``.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dispatch_console.services import timeline
from dispatch_console.services.timeline import AuditFact, CaseContext, NotificationFact

PACKAGE = Path(__file__).resolve().parents[2] / "dispatch_console"
CASE_FAMILIES = ("threat", "notification", "followup", "draft", "eido", "intake", "report")
RAW = re.compile(r"[a-z]+_[a-z_]+|site id|threat\.")
NAMES = {"supervisor": "Sam Supervisor", "calltaker": "Casey Call-Taker", "admin": "Alex Admin"}
CTX = CaseContext(case_number="TT-2026-00042", names=lambda u: NAMES.get(u, u), tz=UTC,
                  notifications={"n-1": "SOU-P3"}, follow_ups={7: "CIT check-in with the family"})
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _strings(node: ast.AST) -> list[str]:
    return [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value]


def audit_actions_in_the_source() -> dict[str, str]:
    """action → the first place it appears (file:line), from the whole package except the timeline itself."""
    found: dict[str, str] = {}
    families = "|".join(CASE_FAMILIES)
    family = re.compile(rf"^({families})\.[a-z_]+$")
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "timeline.py" and path.parent.name == "services":
            continue
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[str] = []
            if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Attribute)
                                                   and node.func.attr == "add_argument"):  # argparse's action=
                for kw in node.keywords:
                    if kw.arg == "action":
                        values += _strings(kw.value)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and (t.id == "action" or t.id.endswith("_ACTION")) for t in targets):
                    values += _strings(node.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and family.match(node.value):
                values.append(node.value)
            for value in values:
                found.setdefault(value, f"{where}:{getattr(node, 'lineno', '?')}")
    return found


def test_every_audit_action_in_the_source_has_a_sentence_or_is_declared_not_about_a_case() -> None:
    found = audit_actions_in_the_source()
    assert {"threat.create", "notification.retry", "followup.done", "step_up", "sign_in"} <= set(found)  # it scans
    missing = {action: where for action, where in found.items()
               if action not in timeline.WORDINGS and action not in timeline.NOT_ABOUT_A_CASE}
    assert missing == {}, "give these audit actions a wording in services/timeline.WORDINGS"
    assert not set(timeline.WORDINGS) & timeline.NOT_ABOUT_A_CASE


@pytest.mark.parametrize("outcome", ["success", "denied", "stale", "failed"])
@pytest.mark.parametrize("action", sorted(timeline.WORDINGS))
def test_each_wording_reads_as_a_sentence_naming_who_even_with_an_empty_detail(action: str, outcome: str) -> None:
    sentence = timeline.audit_sentence(action, {}, outcome, "Sam Supervisor", CTX, record_id=CTX.case_number, at=T0)
    if sentence is None:
        return  # told by another line (a note's entry, a delivery step)
    assert RAW.search(sentence) is None, sentence
    assert "None" not in sentence and "{" not in sentence and "  " not in sentence, sentence
    assert sentence[0].isupper(), sentence


def test_an_action_written_by_a_newer_console_reads_by_its_family_never_by_its_identifier() -> None:
    assert timeline.audit_sentence("threat.merge_cases", {"summary": "TT-1: site id 3"}, "success",
                                   "Sam Supervisor", CTX) == (
        "Sam Supervisor recorded an action on the case (see the audit log)")
    assert timeline.audit_sentence("followup.snooze_until", {}, "denied", "Casey Call-Taker", CTX) == (
        "Casey Call-Taker tried to act on a follow-up; refused: not permitted")


def fact(n: int, action: str, operator: str = "supervisor", outcome: str = "success", record_id: str = "",
         **detail: object) -> AuditFact:
    return AuditFact(n, T0 + timedelta(seconds=n), operator, action, outcome, record_id or CTX.case_number, detail)


def test_refusals_stale_attempts_escalations_alarms_and_retries_read_as_one_sentence_each() -> None:
    audits = [
        fact(1, "threat.create", "calltaker", priority="P1", site_id=3, suspects=1, linked_to="", cad_number=""),
        fact(2, "threat.close", "calltaker", "denied", summary="threat.close refused: role call_taker"),
        fact(3, "threat.status", "admin", "stale", summary="threat.status refused: record changed by supervisor "
             "(status → investigating)", changed_by="supervisor"),
        fact(4, "threat.notify", queued=["NOR-P1", "SOU-P3"], skipped=[]),
        fact(5, "notification.accepted", "outbox", record_id="n-1", unit_id="SOU-P3", round=0),
        fact(6, "notification.retrying", "outbox", "failed", record_id="n-1", unit_id="SOU-P3", round=0,
             reason="the backend is temporarily unavailable"),
        fact(6, "notification.paused", "outbox", "denied", record_id="n-1", unit_id="SOU-P3", round=0),
        fact(7, "notification.failed", "outbox", "failed", record_id="n-1", unit_id="SOU-P3", round=0,
             reason="SOU-P3 is out of service; the page was not delivered"),
        fact(8, "notification.retry", record_id="n-1", unit_id="SOU-P3", previous_error="out of service"),
        fact(9, "notification.failed", "outbox", "failed", record_id="n-1", unit_id="SOU-P3", round=0,
             reason="SOU-P3 is out of service; the page was not delivered"),
        fact(10, "threat.units_not_reached", "outbox", "failed", record_id="42", case_number=CTX.case_number,
             priority="P1", units=["NOR-P1"], minutes=3),
        fact(11, "threat.units_alarm_shown", "supervisor", record_id="42", alarm=10),
        fact(12, "threat.units_alarm_shown", "admin", record_id="42", alarm=10),
        fact(13, "threat.escalate", "outbox", record_id="42", not_acknowledged=["NOR-P1"], notified="NOR-SUP",
             escalation=1),
        fact(14, "threat.ack_overdue", "outbox", "failed", record_id="42", not_acknowledged=["NOR-SUP"],
             limit_reached=True),
        fact(15, "threat.view", "calltaker"),
        fact(16, "threat.seal", reason="court order 2026-118"),
        fact(17, "threat.view", "admin"),
        fact(18, "threat.view", "admin"),
        fact(19, "threat.unseal", "admin", reason="order lifted"),
        fact(20, "threat.view", "supervisor"),
        fact(21, "threat.export_eido", "admin", "denied", reason="sealed"),
        fact(22, "followup.done", follow_up=7),
    ]
    pages = [NotificationFact("n-1", "SOU-P3", False, "failed", None, None, T0, "out of service"),
             NotificationFact("n-2", "NOR-P1", False, "acknowledged", T0 + timedelta(seconds=30), "NOR-P1", None,
                              None)]
    lines = timeline.story(audits, [], pages, CaseContext(**{**CTX.__dict__, "sites": {3: "Northview High School"}}))
    assert [line.text for line in lines] == [
        "Casey Call-Taker saved the report as P1 for Northview High School",
        "Casey Call-Taker tried to close the case; refused: only a supervisor may do that",
        "Alex Admin tried to change the status, but Sam Supervisor had changed the case meanwhile; not applied",
        "Sam Supervisor notified 2 units",
        "The notification to SOU-P3 failed: SOU-P3 is out of service; the page was not delivered",
        "Sam Supervisor sent the failed notification to SOU-P3 again",
        "The notification to SOU-P3 failed: SOU-P3 is out of service; the page was not delivered",
        "Alarm: 1 unit not reached for 3 min (NOR-P1); shown to Sam Supervisor, Alex Admin",
        "No acknowledgement in time from NOR-P1: escalated to NOR-SUP (escalation 1)",
        "No acknowledgement in time from 1 unit (NOR-SUP); the escalation limit is reached",
        "Sam Supervisor sealed the case: court order 2026-118",
        "Alex Admin opened the sealed case",
        "Alex Admin opened the sealed case",
        "Alex Admin unsealed the case: order lifted",
        "Alex Admin tried to export the case as an EIDO document; refused: sealed cases are never exported",
        "Sam Supervisor marked the follow-up done: CIT check-in with the family",
        "NOR-P1 acknowledged the notification",
    ]
    assert [line.who for line in lines][:1] == ["Casey Call-Taker"]
    assert not any(RAW.search(line.text) for line in lines)
