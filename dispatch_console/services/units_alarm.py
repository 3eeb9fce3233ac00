"""The console's own alarm when a P1/P2 page has not reached the backend by its acknowledgement deadline.

Why the console raises it itself: the normal answer to a late acknowledgement is a page to the division supervisor,
but when the backend is unreachable that page waits in the same outbox as the late ones. So the escalation step also
writes an audit entry ``threat.units_not_reached`` (in its own transaction, with the escalation). That entry *is* the
alarm: every signed-in supervisor console reads new ones from the database (``alarms_after``) and shows a banner with
a chime, for as long as the threat's pages are still owed (``still_unreached``). A console that shows one records
``threat.units_alarm_shown`` (who saw it, where), so the audit log proves the alarm was in front of a supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_console.db.models import AuditEntry, Notification, ThreatRow
from dispatch_console.domain.enums import Status
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.changes import record_change
from dispatch_console.services.outbox import PENDING_STATES

ALARM_ACTION = "threat.units_not_reached"
SHOWN_ACTION = "threat.units_alarm_shown"


@dataclass(frozen=True)
class UnitsAlarm:
    """One alarm as a supervisor console shows it."""

    entry_id: int
    threat_id: int
    case_number: str
    priority: str
    units: tuple[str, ...]
    minutes: int
    at: datetime

    @property
    def text(self) -> str:
        """"P1 TT-2026-00042: units not reached for 3 min (NOR-P1, SRO-04)"."""
        units = ", ".join(self.units)
        return f"{self.priority} {self.case_number}: units not reached for {self.minutes} min ({units})"


def raise_units_not_reached(
    session: Session, *, actor: Actor, threat: ThreatRow, unreached: list[tuple[str, datetime]], now: datetime
) -> None:
    """Record the alarm for ``unreached`` (unit, page created at) of ``threat``, in the caller's transaction."""
    first = min(created for _unit, created in unreached)
    minutes = max(1, int((now - first).total_seconds() // 60))
    units = sorted({unit for unit, _created in unreached})
    audit.record(session, actor=actor, action=ALARM_ACTION, record_type="threat", record_id=threat.id,
                 outcome="failed", at=now,
                 detail={"case_number": threat.case_number, "priority": threat.priority, "units": units,
                         "minutes": minutes})
    record_change(session, threat_id=threat.id, kind="updated", by=actor.username,
                  what=f"units not reached for {minutes} min")


def _alarm(entry: AuditEntry) -> UnitsAlarm:
    detail = entry.detail or {}
    return UnitsAlarm(entry.id, int(entry.record_id), str(detail.get("case_number", "")),
                      str(detail.get("priority", "")), tuple(str(u) for u in detail.get("units", [])),
                      int(detail.get("minutes", 0)), entry.at)


def alarms_after(session: Session, *, after_id: int = 0) -> list[UnitsAlarm]:
    """Alarms recorded after audit entry ``after_id``, oldest first."""
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.action == ALARM_ACTION, AuditEntry.id > after_id).order_by(AuditEntry.id)
    ).scalars()
    return [_alarm(e) for e in entries]


def still_unreached(session: Session, alarms: list[UnitsAlarm]) -> list[UnitsAlarm]:
    """The alarms whose threat is open and still has a page the backend never took (the rest are over)."""
    if not alarms:
        return []
    ids = {a.threat_id for a in alarms}
    owed = set(
        session.execute(
            select(Notification.threat_id)
            .join(ThreatRow, ThreatRow.id == Notification.threat_id)
            .where(Notification.threat_id.in_(ids), Notification.state.in_(PENDING_STATES),
                   ThreatRow.status != Status.CLOSED.value)
        ).scalars()
    )
    return [a for a in alarms if a.threat_id in owed]


def record_shown(session: Session, *, actor: Actor, alarm: UnitsAlarm) -> None:
    """Audit that ``alarm`` was shown to ``actor`` on this console."""
    audit.record(session, actor=actor, action=SHOWN_ACTION, record_type="threat", record_id=alarm.threat_id,
                 detail={"case_number": alarm.case_number, "alarm": alarm.entry_id})
