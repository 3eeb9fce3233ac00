"""A supervisor reads a whole case in the detail pane's timeline: one sentence per event, in words, nothing raw.

The case goes through everything a case goes through: saved (with a corrected answered time), linked to the same
threat reported earlier, priority overridden, triaged (status, verification, a unit assigned and unassigned),
notified (one unit out of service fails, one acknowledges), a note, a follow-up added and done, a juvenile's identity
revealed, closed and reopened, exported as EIDO. The test then reads the pane's timeline widget, line by line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry, FollowUp
from dispatch_console.domain.enums import Outcome, Priority, Role, Status, TargetKind, UnitKind, Verification, Weapon
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import eido, followups, intake, outbox, privacy
from dispatch_console.services.actor import Actor
from dispatch_console.services.demo_accounts import DEMO_OPERATORS
from dispatch_console.services.sites import all_sites
from dispatch_console.ui.queue.detail import DetailPane
from dispatch_console.ui.queue.dialogs import (
    AssignDialog,
    CloseDialog,
    PriorityDialog,
    StatusDialog,
    TextDialog,
    VerificationDialog,
)
from dispatch_console.ui.queue.tab import QueueTab
from tests.notify.conftest import TOKEN
from tests.notify.test_units_panel import console_with_backend
from tests.ui.conftest import answer, make_console, sign_in, tab_of

__all__ = ["make_console"]
RAW = re.compile(r"[a-z]+_[a-z_]+|site id|threat\.")
STAMP = re.compile(r"^[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} \d{2}:\d{2}:\d{2}  ")  # the pane's "Mon 02 Mar 14:00:05  "
ACK_AFTER = 3.0  # long enough that the out-of-service unit's failure is read from the feed before this acknowledges


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ReferenceBackend]:
    server = ReferenceBackend(TOKEN, db_path=tmp_path / "timeline-backend.sqlite3", deliver_after=0.05,
                              ack_after=ACK_AFTER)
    server.start()
    yield server
    server.close()


def demo(username: str, console: str = "console-b") -> Actor:
    """A training operator signed in at another console (the call-taker's desk)."""
    _name, display, role, _password = next(o for o in DEMO_OPERATORS if o[0] == username)
    return Actor(username, display, role, console, role is not Role.CALL_TAKER)


def sentences(pane: DetailPane) -> list[str]:
    """The timeline as the supervisor reads it, each line's time stripped after checking it is there."""
    items = [pane.timeline.item(i).text() for i in range(pane.timeline.count())]
    assert all(STAMP.match(item) for item in items), items
    return [STAMP.sub("", item) for item in items]


def clock(moment: datetime, entry_at: datetime, tz: Any) -> str:
    """A time inside a sentence: the clock, with the day when it is not the entry's day."""
    local = moment.astimezone(tz)
    return local.strftime("%H:%M:%S" if local.date() == entry_at.astimezone(tz).date() else "%a %d %b %H:%M:%S")


def test_a_case_from_its_call_to_its_export_reads_as_one_sentence_per_event_with_no_identifier(
    qtbot: QtBot, make_console: Any, backend: ReferenceBackend
) -> None:
    console = console_with_backend(make_console, backend)
    sign_in(qtbot, console, "supervisor", "training-sv")
    queue: QueueTab = tab_of(console, QueueTab)
    pane = queue.pane
    tz = pane.tz
    calltaker, supervisor = demo("calltaker"), console.ctx.operator

    # Two calls about the same threat: the second is saved linked to the first, with its answered time corrected.
    with console.db.read() as s:
        site = next(x for x in all_sites(s) if x.kind is TargetKind.SCHOOL)
    report = ThreatInput(caller_name="Pat Parent", callback_number="816-234-5678", target_kind=TargetKind.SCHOOL,
                         site_id=site.site_id, statement="a student said he would bring a knife tomorrow",
                         weapons=frozenset({Weapon.KNIFE}),
                         suspects=[SuspectInput(name="Jordan Minor", date_of_birth=date(2012, 5, 6), grade="8")])
    now = datetime.now(UTC)
    with console.db.write() as s:
        first = intake.save_threat(s, actor=calltaker, data=report, now=now - timedelta(minutes=10), tz=tz)
    answered, stamped = now - timedelta(seconds=95), now - timedelta(seconds=40)
    with console.db.write() as s:
        saved = intake.save_threat(s, actor=calltaker, data=ThreatInput(**{**report.__dict__,
                                   "linked_to": first.case_number}), now=now, tz=tz, received_at=answered,
                                   answered_original=stamped)
    tid, case = saved.threat_id, saved.case_number

    qtbot.waitUntil(lambda: queue.model.find(tid) is not None, timeout=10_000)
    assert queue.select_threat(tid)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.row.threat_id == tid, timeout=10_000)

    def do(action: str, dialog: type, fill: Any, until: Any) -> None:
        pane.dialog_factory = answer(dialog, fill)
        with qtbot.waitSignal(pane.message, timeout=10_000) as said:
            pane.trigger(action)
        assert said.args[1], said.args
        qtbot.waitUntil(lambda: pane.detail is not None and until(pane.detail), timeout=10_000)

    new_priority = Priority.P1 if saved.priority is not Priority.P1 else Priority.P2
    do("priority", PriorityDialog, lambda d: (d.priority.setCurrentIndex(list(Priority).index(new_priority)),
                                              d.reason.setText("the knife was seen in his locker")),
       lambda d: d.row.priority is new_priority)
    do("status", StatusDialog, lambda d: d.status.setCurrentIndex(d.status.findData(Status.INVESTIGATING)),
       lambda d: d.row.status is Status.INVESTIGATING)
    do("verification", VerificationDialog,
       lambda d: d.verification.setCurrentIndex(list(Verification).index(Verification.VERIFIED)),
       lambda d: d.row.verification is Verification.VERIFIED)
    do("assign", AssignDialog, lambda d: (d.unit.setText("JUV-2"),
                                          d.kind.setCurrentIndex(list(UnitKind).index(UnitKind.JUVENILE))),
       lambda d: [u.unit_id for u in d.units] == ["JUV-2"])
    pane.units.setCurrentRow(0)
    with qtbot.waitSignal(pane.message, timeout=10_000):
        pane.trigger("unassign")
    qtbot.waitUntil(lambda: pane.detail is not None and not pane.detail.units, timeout=10_000)

    # The notification: CEN-P1 acknowledges; SOU-P3 is out of service and its page fails.
    with console.db.write() as s:
        outbox.notify_designated_units(s, actor=supervisor, threat_id=tid, unit_ids=["CEN-P1", "SOU-P3"],
                                       now=datetime.now(UTC))
    console.ctx.outbox_dispatcher.wake()  # type: ignore[union-attr]
    failed = "The notification to SOU-P3 failed: the backend could not deliver it: SOU-P3 is out of service; the " \
             "page was not delivered"
    qtbot.waitUntil(lambda: failed in sentences(pane), timeout=15_000)
    qtbot.waitUntil(lambda: "CEN-P1 acknowledged the notification" in sentences(pane), timeout=15_000)

    do("note", TextDialog, lambda d: d.text.setPlainText("the school locked the locker until officers arrive"),
       lambda d: any("noted" in e.text for e in d.timeline))
    with console.db.write() as s:
        follow_up = followups.add(s, actor=supervisor, threat_id=tid, due_at=datetime.now(UTC) + timedelta(hours=2),
                                  owner="Juvenile detectives", text="interview the student with a parent present")
    with console.db.write() as s:
        followups.mark_done(s, actor=supervisor, follow_up_id=follow_up.follow_up_id)
    with console.db.write() as s:
        privacy.reveal(s, actor=supervisor, threat_id=tid, reason="juvenile detective follow-up")
    pane.refresh()  # a reveal writes no change row: the pane re-reads when its own dialog saves it
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.revealed, timeout=10_000)

    do("close", CloseDialog, lambda d: (d.checks[Outcome.OTHER].setChecked(True),
                                        d.other.setText("knife surrendered to the school")),
       lambda d: d.row.status is Status.CLOSED)
    do("reopen", TextDialog, lambda d: d.text.setPlainText("the second caller named another student"),
       lambda d: d.row.status is not Status.CLOSED)
    with console.db.write() as s:
        eido.export_threat(s, actor=supervisor, threat_id=tid, issuer=eido.issuer_from(console.ctx.settings))
    pane.refresh()
    qtbot.waitUntil(lambda: any("EIDO" in line for line in sentences(pane)), timeout=10_000)

    with console.db.read() as s:
        created_at = s.execute(select(AuditEntry.at).where(AuditEntry.action == "threat.create",
                                                           AuditEntry.record_id == case)).scalar_one()
        added_at, due_at = s.execute(select(FollowUp.created_at, FollowUp.due_at)
                                     .where(FollowUp.id == follow_up.follow_up_id)).one()
    assert sentences(pane) == [
        f"Casey Call-Taker saved the report as {saved.priority.value} for {site.name}",
        f"Casey Call-Taker corrected the answered time from {clock(stamped, created_at, tz)} to "
        f"{clock(answered, created_at, tz)}",
        f"Casey Call-Taker linked this report to {first.case_number}, the same threat reported earlier",
        f"Sam Supervisor changed the priority from {saved.priority.value} to {new_priority.value} because the knife "
        "was seen in his locker",
        "Sam Supervisor set the status to investigating",
        "Sam Supervisor set the verification to verified",
        "Sam Supervisor assigned JUV-2 (Juvenile detectives)",
        "Sam Supervisor unassigned JUV-2",
        "Sam Supervisor notified 2 units",
        failed,
        "CEN-P1 acknowledged the notification",
        "Sam Supervisor noted: the school locked the locker until officers arrive",
        f"Sam Supervisor added a follow-up for Juvenile detectives, due {clock(due_at, added_at, tz)}: interview "
        "the student with a parent present",
        "Sam Supervisor marked the follow-up done: interview the student with a parent present",
        "Sam Supervisor revealed the juvenile suspects' identities (reason: juvenile detective follow-up)",
        "Sam Supervisor closed the case — other: knife surrendered to the school",
        "Sam Supervisor reopened the case — the second caller named another student",
        "Sam Supervisor exported the case as an EIDO document, with 1 juvenile identity shown",
    ]
    assert not [line for line in sentences(pane) if RAW.search(line)]
