"""Writing, searching and verifying the audit log.

``record`` is called inside the caller's transaction, so an action and its audit entry commit together or not at
all. The chain head lives in the ``sequences`` table; updating it takes a row lock that serialises writers on
PostgreSQL (SQLite already serialises them with ``BEGIN IMMEDIATE``), so the chain never forks.

Nothing secret goes in: ``detail`` must never hold a token, a password or a juvenile's identity. ``record`` drops
keys that look like secrets as a last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_console.db.models import AuditEntry, Sequence
from dispatch_console.domain.audit_chain import GENESIS, AuditRecord, ChainBreak, compute_hash, first_broken
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow

HEAD = "audit_head"
FORBIDDEN_DETAIL_KEYS = ("token", "password", "secret", "suspect_name", "date_of_birth")


_HEAD_KEY = "dispatch_console.audit_head"


def _lock_head(session: Session) -> Sequence:
    """The chain head, locked for this transaction; looked up once per transaction, however many entries follow.

    A fan-out to twenty units writes twenty entries in one transaction: one locking SELECT instead of twenty.
    """
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached in session and session.in_transaction():
        return cached  # type: ignore[no-any-return]
    head = _select_head(session)
    session.info[_HEAD_KEY] = head
    return head


def _select_head(session: Session) -> Sequence:
    head = session.execute(select(Sequence).where(Sequence.name == HEAD).with_for_update()).scalar_one_or_none()
    if head is None:
        session.add(Sequence(name=HEAD, value=0, text_value=GENESIS))
        session.flush()
        head = session.execute(select(Sequence).where(Sequence.name == HEAD).with_for_update()).scalar_one()
    return head


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: str | int,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    clean = {k: v for k, v in (detail or {}).items() if not any(word in k.lower() for word in FORBIDDEN_DETAIL_KEYS)}
    head = _lock_head(session)
    entry = AuditEntry(
        id=head.value + 1,  # the locked head hands out ids, so the hash can cover the id before the INSERT
        at=(at or utcnow()).astimezone(UTC),
        operator=actor.username,
        console=actor.console,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        outcome=outcome,
        detail=clean,
        prev_hash=head.text_value,
        hash="",
    )
    entry.hash = compute_hash(_to_record(entry), head.text_value)
    session.add(entry)
    head.value = entry.id
    head.text_value = entry.hash
    return entry  # flushed with the transaction (or by autoflush before the next query)


def _to_record(entry: AuditEntry) -> AuditRecord:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return AuditRecord(
        entry_id=entry.id,
        at=at.astimezone(UTC),
        operator=entry.operator,
        console=entry.console,
        action=entry.action,
        record_type=entry.record_type,
        record_id=entry.record_id,
        outcome=entry.outcome,
        detail=dict(entry.detail or {}),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def _iter_records(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            return
        for row in rows:
            yield _to_record(row)
        last = rows[-1].id
        session.expunge_all()


def verify(session: Session) -> ChainBreak | None:
    """Check the whole chain; the first broken entry, or None when intact."""
    broken = first_broken(_iter_records(session))
    if broken is not None:
        return broken
    head = session.execute(select(Sequence).where(Sequence.name == HEAD)).scalar_one_or_none()
    last = session.execute(select(func.max(AuditEntry.id))).scalar()
    if head is not None and last is not None and head.value != last:
        return ChainBreak(int(head.value), "the newest entries are missing (the log was truncated)")
    return None


def entry_count(session: Session) -> int:
    """How many entries the log holds (``verify-audit`` reports it with the verdict)."""
    return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


@dataclass(frozen=True)
class AuditQuery:
    operator: str = ""
    record_type: str = ""
    record_id: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500


def search(session: Session, query: AuditQuery) -> list[AuditRecord]:
    stmt = select(AuditEntry)
    if query.operator:
        stmt = stmt.where(AuditEntry.operator == query.operator)
    if query.record_type:
        stmt = stmt.where(AuditEntry.record_type == query.record_type)
    if query.record_id:
        stmt = stmt.where(AuditEntry.record_id == query.record_id)
    if query.action:
        stmt = stmt.where(AuditEntry.action.contains(query.action))
    if query.since:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEntry.at < query.until)
    rows = session.execute(stmt.order_by(AuditEntry.id.desc()).limit(query.limit)).scalars().all()
    return [_to_record(r) for r in rows]
