"""Reports saved while no database server is writable: kept in a local SQLite file, filed when the server is back.

During a failover (seconds) or a longer outage the call-taker must be able to press Save and take the next call. The
report goes into ``pending-reports.db`` beside the settings, in the order it was saved; ``file_pending`` files them
in that order once a writable server answers, and the case number is assigned then (case numbers come from the
shared database, so none can be promised offline).

Filing is exactly-once: each local report has a uuid, and the transaction that saves the threat also writes an
audit entry ``intake.filed_from_local`` for that uuid. A report whose uuid is already in the audit log was filed
before a crash removed it locally, and is only removed.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dispatch_console.db.engine import Database, DatabaseUnavailable
from dispatch_console.db.models import AuditEntry
from dispatch_console.domain import enums
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.services import audit, intake
from dispatch_console.services.actor import Actor

SAVED_LOCALLY = "Saved locally, will be filed when the database is back."
FILED_ACTION = "intake.filed_from_local"


@dataclass(frozen=True)
class Pending:
    local_id: str
    operator: str
    console: str
    received_at: datetime
    data: ThreatInput


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, frozenset):
        return {"set": [_encode(v) for v in sorted(value, key=str)]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, SuspectInput):
        return {"suspect": {f.name: _encode(getattr(value, f.name)) for f in fields(SuspectInput)}}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "enum" in value:
        return getattr(enums, value["enum"])(value["value"])
    if "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if "date" in value:
        return date.fromisoformat(value["date"])
    if "set" in value:
        return frozenset(_decode(v) for v in value["set"])
    return SuspectInput(**{k: _decode(v) for k, v in value["suspect"].items()})


def encode_input(data: ThreatInput) -> str:
    return json.dumps({f.name: _encode(getattr(data, f.name)) for f in fields(ThreatInput)}, ensure_ascii=False)


def decode_input(text: str) -> ThreatInput:
    return ThreatInput(**{k: _decode(v) for k, v in json.loads(text).items()})


class PendingStore:
    """The local file; one row per report, in save order. Every write is committed (and synced) at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                               "local_id TEXT UNIQUE NOT NULL, operator TEXT NOT NULL, console TEXT NOT NULL, "
                               "received_at TEXT NOT NULL, data TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=15)
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def keep(self, *, actor: Actor, data: ThreatInput, received_at: datetime) -> str:
        local_id = str(uuid.uuid4())
        with self._connect() as connection:
            connection.execute("INSERT INTO pending (local_id, operator, console, received_at, data) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (local_id, actor.username, actor.console, received_at.isoformat(), encode_input(data)))
        return local_id

    def pending(self) -> list[Pending]:
        with self._connect() as connection:
            rows = connection.execute("SELECT local_id, operator, console, received_at, data FROM pending "
                                      "ORDER BY seq").fetchall()
        return [Pending(r[0], r[1], r[2], datetime.fromisoformat(r[3]), decode_input(r[4])) for r in rows]

    def remove(self, local_id: str) -> None:
        with self._connect() as connection:
            connection.execute("DELETE FROM pending WHERE local_id = ?", (local_id,))


def file_pending(
    store: PendingStore, db: Database, *, actor_for: Callable[[Pending], Actor], now: Callable[[], datetime],
    tz: tzinfo,
) -> list[intake.SavedThreat]:
    """File every locally kept report, oldest first; stops (raising) at the first that cannot reach the database.

    Raises:
        DatabaseUnavailable, CommitInDoubt: from ``Database.write_retrying``; the remaining reports stay local
            (a report in doubt is found by its uuid next time and not filed twice).
    """
    filed: list[intake.SavedThreat] = []
    for report in store.pending():
        def work(session: Any, report: Pending = report) -> intake.SavedThreat | None:
            done = session.execute(select(AuditEntry.id).where(
                AuditEntry.action == FILED_ACTION, AuditEntry.record_id == report.local_id)).first()
            if done is not None:
                return None
            actor = actor_for(report)
            saved = intake.save_threat(session, actor=actor, data=report.data, now=now(), tz=tz,
                                       received_at=report.received_at)
            audit.record(session, actor=actor, action=FILED_ACTION, record_type="local_report",
                         record_id=report.local_id, detail={"case_number": saved.case_number})
            return saved

        result = db.write_retrying(work)
        store.remove(report.local_id)
        if result is not None:
            filed.append(result)
    return filed


class SavedLocally(Exception):
    """The report is safe in the local file; the call-taker sees :data:`SAVED_LOCALLY` and takes the next call."""

    def __init__(self, local_id: str) -> None:
        super().__init__(SAVED_LOCALLY)
        self.local_id = local_id


def _typed_by(report: Pending, current: Actor) -> Actor:
    """The call-taker who typed ``report`` (usually the one signed in now)."""
    if report.operator == current.username:
        return current
    return Actor(report.operator, report.operator, enums.Role.CALL_TAKER, report.console, False)


def default_store() -> PendingStore:
    """``pending-reports.db`` beside the settings file."""
    from dispatch_console.settings import config_dir

    return PendingStore(config_dir() / "pending-reports.db")


def save_or_keep(
    db: Database, store: PendingStore, *, actor: Actor, data: ThreatInput, now: datetime, tz: tzinfo,
    received_at: datetime | None = None, draft_id: str | None = None, answered_original: datetime | None = None,
) -> intake.SavedThreat:
    """The intake form's save: earlier local reports are filed first (order kept), then this one.

    Raises:
        SavedLocally: no writable server; the report was kept locally (with everything before it).
        CommitInDoubt: the COMMIT was cut off; the form keeps the text and says so.
    """
    try:
        if store.pending():
            file_pending(store, db, actor_for=lambda report: _typed_by(report, actor), now=lambda: now, tz=tz)
        return db.write_retrying(lambda session: intake.save_threat(
            session, actor=actor, data=data, now=now, tz=tz, received_at=received_at, draft_id=draft_id,
            answered_original=answered_original))
    except DatabaseUnavailable:
        raise SavedLocally(store.keep(actor=actor, data=data, received_at=received_at or now)) from None
