"""The P1 deadline passes with the backend down: every signed-in supervisor console shows the alarm and chimes.

Three consoles share one database: two supervisors and a call-taker. The notification services run with an
injected clock (so three minutes pass in a moment) against the real reference backend, which is down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_console.db.models import AuditEntry, ThreatRow
from dispatch_console.domain.enums import Priority
from dispatch_console.gateway.server import ReferenceBackend
from dispatch_console.services import outbox, units_alarm
from tests.notify.conftest import MakeStack, wait_until
from tests.notify.factories import make_threat
from tests.notify.test_never_give_up import NO_PROBE, REAL_SCHEDULE, ConsoleClock, outage, settled
from tests.notify.test_units_panel import CALL_TAKER
from tests.ui.conftest import make_console, sign_in

__all__ = ["make_console"]


def test_every_signed_in_supervisor_sees_and_hears_units_not_reached(
    qtbot: QtBot, make_console: Any, make_stack: MakeStack, backend: ReferenceBackend, tmp_path: Path
) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'shared.db'}"
    first, second, taker = (make_console(database_url=url) for _ in range(3))
    sign_in(qtbot, first)
    sign_in(qtbot, second)
    sign_in(qtbot, taker, "calltaker", "training-ct")
    banners = [c.ctx.units_alarm for c in (first, second, taker)]
    assert not any(b.isVisible() for b in banners)

    clock = ConsoleClock()
    services = make_stack(first.db, backend.url).start(
        policy=REAL_SCHEDULE, clock=clock, probe_interval=NO_PROBE, deadlines={Priority.P1: 180.0})
    wait_until(lambda: services.feed.cycles >= 2)  # the roster is known before the outage
    backend.stop()
    threat_id = make_threat(first.db, CALL_TAKER, priority="P1")
    with first.db.write() as session:
        outbox.notify_designated_units(session, actor=first.ctx.operator, threat_id=threat_id,
                                       unit_ids=["NOR-P1", "SRO-04"], now=clock())
        case = session.get(ThreatRow, threat_id).case_number  # type: ignore[union-attr]
    services.dispatcher.wake()
    wait_until(lambda: settled(first.db, clock))
    outage(first.db, clock, services, 185)

    expected = (f"⚠ P1 {case}: units not reached for 3 min (NOR-P1, SRO-04)\n"
                "The backend has not taken these pages; reach the units by radio or phone.")
    for banner in banners[:2]:
        qtbot.waitUntil(lambda banner=banner: banner.isVisible() and banner.text() == expected, timeout=10_000)
        assert banner.sound.played == 1 and banner.accessibleName() == "Units not reached"
    assert not banners[2].isVisible() and banners[2].sound.played == 0  # a call-taker is not the one to act

    def shown_to() -> list[tuple[str, str]]:
        with first.db.read() as session:
            entries = session.execute(
                select(AuditEntry).where(AuditEntry.action == units_alarm.SHOWN_ACTION)).scalars()
            return sorted((e.operator, e.detail["case_number"]) for e in entries)

    qtbot.waitUntil(lambda: len(shown_to()) == 2, timeout=10_000)
    assert shown_to() == [("supervisor", case), ("supervisor", case)]  # once per console, each audited

    backend.start()
    clock.advance(REAL_SCHEDULE.max_delay)
    services.dispatcher.wake()
    for banner in banners[:2]:  # every page reached the backend: the alarm is over by itself
        qtbot.waitUntil(lambda banner=banner: not banner.isVisible(), timeout=15_000)
        assert banner.sound.played == 1
