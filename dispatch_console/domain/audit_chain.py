"""The hash chain that makes the audit log tamper-evident.

Each entry's hash covers its own content and the previous entry's hash. Changing, deleting or inserting a row in the
middle breaks every hash after it, and ``first_broken`` names the first entry that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as it is hashed and shown."""

    entry_id: int
    at: datetime
    operator: str
    console: str
    action: str
    record_type: str
    record_id: str
    outcome: str
    detail: dict[str, Any]
    prev_hash: str = GENESIS
    hash: str = ""


def compute_hash(record: AuditRecord, prev_hash: str) -> str:
    body = json.dumps(
        [
            record.entry_id,
            record.at.isoformat(timespec="microseconds"),
            record.operator,
            record.console,
            record.action,
            record.record_type,
            record.record_id,
            record.outcome,
            record.detail,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


def first_broken(records: Iterable[AuditRecord]) -> ChainBreak | None:
    """The first entry whose hash or link does not fit, or None for an intact chain."""
    prev = GENESIS
    for record in records:
        if record.prev_hash != prev:
            return ChainBreak(
                record.entry_id, "its link to the previous entry does not match (an entry was removed or inserted)"
            )
        if compute_hash(record, prev) != record.hash:
            return ChainBreak(record.entry_id, "its content does not match its hash (the entry was changed)")
        prev = record.hash
    return None
