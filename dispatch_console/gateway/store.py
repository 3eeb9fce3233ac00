"""The reference backend's storage: notifications and idempotency keys in SQLite (stdlib ``sqlite3``).

Why SQLite rather than dicts: tests stop the backend in the middle of a fan-out and start it again on the same file,
and the console's retries must then be answered from what was recorded before the stop (replay, not a second page).

Concurrency model: one connection, guarded by one lock, every write in a ``BEGIN IMMEDIATE`` transaction. The
backend is a training and test tool, so simplicity and obvious correctness beat throughput; a few thousand
requests per second through one lock is far more than any test needs. An idempotency key is *claimed* (row in
state ``in_progress``) in its own committed transaction before the request is processed, so a second request with
the same key sees the claim and gets ``409`` - the "in progress" state is real, not simulated. Recording the
notification and storing the response happen in one transaction, so a crash leaves either both or neither; claims
left ``in_progress`` by a crash are dropped on open because nothing can still be processing them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from dispatch_console.gateway.contract import (
    NotificationRequest,
    NotificationState,
    NotificationStatus,
    format_rfc3339,
)

KEY_RETENTION_SECONDS = 48 * 3600
"""Keys are kept at least 24 hours by contract; twice that, so a console left overnight still gets replays."""
PRUNE_EVERY_SECONDS = 60.0
"""How often expired keys are swept: a key may outlive its retention by this much, never the other way round."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    notification_id TEXT PRIMARY KEY,
    unit_id         TEXT NOT NULL,
    call_sign       TEXT NOT NULL,
    case_number     TEXT NOT NULL,
    status          TEXT NOT NULL,
    accepted_at     REAL NOT NULL,
    delivered_at    REAL,
    acknowledged_at REAL,
    acknowledged_by TEXT,
    failure_reason  TEXT,
    deliver_due     REAL NOT NULL,
    ack_due         REAL,
    fail_on_delivery TEXT,
    change_seq      INTEGER NOT NULL,
    body            TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS notifications_change ON notifications(change_seq);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications(status, deliver_due);
CREATE INDEX IF NOT EXISTS notifications_ack_due ON notifications(status, ack_due);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
    status_code  INTEGER,
    response     BLOB,
    created_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(created_at);
"""


class ClaimResult(StrEnum):
    """What :meth:`NotificationStore.claim` found for a key."""

    CLAIMED = "claimed"
    """New key: the caller now owns it and must :meth:`~NotificationStore.complete` or ``release`` it."""
    IN_PROGRESS = "in_progress"
    """Same key and body, first request still being processed → ``409``."""
    REUSED = "reused"
    """Same key, different body → ``422 idempotency_key_reused``."""
    REPLAY = "replay"
    """Same key and body, already answered → send the stored response again."""


@dataclass(frozen=True)
class Claim:
    """Outcome of a claim; ``status_code`` and ``response`` are set for :attr:`ClaimResult.REPLAY`."""

    result: ClaimResult
    status_code: int = 0
    response: bytes = b""


@dataclass(frozen=True)
class StoredResponse:
    """The response stored for a key and sent for the first request."""

    status_code: int
    body: bytes


def fingerprint(body: Any) -> str:
    """A stable hash of a JSON body: key order and whitespace do not matter, values do."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


MAX_SEQ = 2**63 - 1
"""The largest feed sequence number SQLite can store (a signed 64-bit INTEGER)."""


def encode_cursor(seq: int) -> str:
    """Make the feed cursor opaque, so clients cannot build cursors and the encoding can change later."""
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Read a cursor made by :func:`encode_cursor`.

    Raises:
        ValueError: Not a cursor this backend made.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("not a cursor from this backend") from None
    digits = raw[4:]
    # At most 19 ASCII digits before int(): a longer number is refused by int() (over 4,300 digits) or by the SQLite
    # bind (over 2**63 - 1), and either used to escape the handler and cut the connection.
    if not raw.startswith("seq:") or not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise ValueError("not a cursor from this backend")
    seq = int(digits)
    if seq > MAX_SEQ or encode_cursor(seq) != cursor:
        raise ValueError("not a cursor from this backend")
    return seq


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class NotificationStore:
    """Notifications and idempotency keys of the reference backend.

    Args:
        path: The SQLite file; created when missing. Reopening the same file keeps everything.
    """

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._lock = threading.RLock()
        self._pruned_at = 0.0
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self._path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._conn.executescript(_SCHEMA)
        with self._tx() as conn:
            # Nothing can be processing a claim made before this open: drop them so a retry is not stuck at 409.
            conn.execute("DELETE FROM idempotency_keys WHERE state = 'in_progress'")

    @property
    def path(self) -> str:
        """The SQLite file."""
        return self._path

    def close(self) -> None:
        """Close the connection; later calls raise ``sqlite3.ProgrammingError``."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialized by the lock and by SQLite's ``BEGIN IMMEDIATE`` writer lock."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError("the store is closed")
        return self._conn

    # --- idempotency ---------------------------------------------------------------------------------------------

    def claim(self, key: str, body_fingerprint: str, now: float) -> Claim:
        """Claim ``key`` for processing, or report what is already known about it.

        The claim is committed before returning, so concurrent requests with the same key see it.
        """
        with self._tx() as conn:
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
                # Expired keys are swept at most once a minute (by index), not on every POST: the sweep ran under
                # the store lock that every concurrent POST of a fan-out queues for.
                conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (now - KEY_RETENTION_SECONDS,))
                self._pruned_at = now
            row = conn.execute(
                "SELECT fingerprint, state, status_code, response FROM idempotency_keys WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key, fingerprint, state, created_at)"
                    " VALUES (?, ?, 'in_progress', ?)",
                    (key, body_fingerprint, now),
                )
                return Claim(ClaimResult.CLAIMED)
            stored_fp, state, status_code, response = row
            if stored_fp != body_fingerprint:
                return Claim(ClaimResult.REUSED)
            if state == "in_progress":
                return Claim(ClaimResult.IN_PROGRESS)
            return Claim(ClaimResult.REPLAY, int(status_code), bytes(response))

    def release(self, key: str) -> None:
        """Give up a claim without answering (the request failed before anything was recorded)."""
        with self._tx() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE key = ? AND state = 'in_progress'", (key,))

    def complete(
        self,
        key: str,
        request: NotificationRequest,
        *,
        call_sign: str,
        now: float,
        deliver_after: float,
        ack_after: float | None,
        fail_reason: str | None = None,
    ) -> StoredResponse:
        """Record the notification and the response for ``key`` in one transaction, and return the response.

        Args:
            key: The claimed idempotency key.
            request: The validated request.
            call_sign: The unit's call sign; it becomes ``acknowledged_by``.
            now: Acceptance time (epoch seconds).
            deliver_after: Seconds until the simulated pager delivery.
            ack_after: Seconds after acceptance until the unit acknowledges; ``None`` means never.
            fail_reason: When set, the notification fails at delivery time with this reason.
        """
        deliver_due = now + max(deliver_after, 0.0)
        ack_due = None if ack_after is None or fail_reason else max(now + ack_after, deliver_due)
        body = {
            "notification_id": request.notification_id,
            "status": NotificationState.ACCEPTED.value,
            "accepted_at": format_rfc3339(datetime.fromtimestamp(now, UTC)),
        }
        response = json.dumps(body).encode()
        with self._tx() as conn:
            seq = self._next_seq(conn)
            conn.execute(
                "INSERT INTO notifications (notification_id, unit_id, call_sign, case_number, status, accepted_at,"
                " deliver_due, ack_due, fail_on_delivery, change_seq, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    request.notification_id,
                    request.unit_id,
                    call_sign,
                    request.incident.case_number,
                    NotificationState.ACCEPTED.value,
                    now,
                    deliver_due,
                    ack_due,
                    fail_reason,
                    seq,
                    json.dumps(request.to_json()),
                ),
            )
            conn.execute(
                "UPDATE idempotency_keys SET state = 'done', status_code = 202, response = ? WHERE key = ?",
                (response, key),
            )
        return StoredResponse(202, response)

    # --- lifecycle ---------------------------------------------------------------------------------------------

    @staticmethod
    def _next_seq(conn: sqlite3.Connection) -> int:
        # Safe because every write holds the writer lock: sequence numbers are handed out in commit order, so a
        # feed reader can never skip a change that commits later with a smaller number.
        row = conn.execute("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM notifications").fetchone()
        return int(row[0])

    def advance(self, now: float) -> int:
        """Apply every simulated delivery, failure and acknowledgement due by ``now``; return how many changed.

        Changes are applied in the order they fell due, each with a new feed sequence number, so the feed shows them
        in time order.
        """
        with self._lock:
            conn = self._connection()
            pending = conn.execute(
                "SELECT 1 FROM notifications WHERE (status = 'accepted' AND deliver_due <= ?)"
                " OR (status = 'delivered' AND ack_due <= ?) LIMIT 1",
                (now, now),
            ).fetchone()
            if pending is None:
                return 0
            changed = 0
            with self._tx() as tx:
                for nid, due, fail in tx.execute(
                    "SELECT notification_id, deliver_due, fail_on_delivery FROM notifications"
                    " WHERE status = 'accepted' AND deliver_due <= ? ORDER BY deliver_due, change_seq",
                    (now,),
                ).fetchall():
                    seq = self._next_seq(tx)
                    if fail:
                        tx.execute(
                            "UPDATE notifications SET status = 'failed', failure_reason = ?, change_seq = ?"
                            " WHERE notification_id = ?",
                            (fail, seq, nid),
                        )
                    else:
                        tx.execute(
                            "UPDATE notifications SET status = 'delivered', delivered_at = ?, change_seq = ?"
                            " WHERE notification_id = ?",
                            (due, seq, nid),
                        )
                    changed += 1
                for nid, due in tx.execute(
                    "SELECT notification_id, ack_due FROM notifications"
                    " WHERE status = 'delivered' AND ack_due IS NOT NULL AND ack_due <= ?"
                    " ORDER BY ack_due, change_seq",
                    (now,),
                ).fetchall():
                    tx.execute(
                        "UPDATE notifications SET status = 'acknowledged', acknowledged_at = ?,"
                        " acknowledged_by = call_sign, change_seq = ? WHERE notification_id = ?",
                        (due, self._next_seq(tx), nid),
                    )
                    changed += 1
            return changed

    def next_due(self) -> float | None:
        """When the next simulated change falls due (epoch seconds), or ``None`` when nothing is pending."""
        with self._lock:
            row = (
                self._connection()
                .execute(
                    "SELECT MIN(t) FROM (SELECT MIN(deliver_due) AS t FROM notifications WHERE status = 'accepted'"
                    " UNION ALL SELECT MIN(ack_due) FROM notifications WHERE status = 'delivered')"
                )
                .fetchone()
            )
        return None if row is None or row[0] is None else float(row[0])

    # --- reads -------------------------------------------------------------------------------------------------

    _COLUMNS = (
        "notification_id, unit_id, status, accepted_at, delivered_at, acknowledged_at, acknowledged_by,"
        " failure_reason, change_seq"
    )

    @staticmethod
    def _status(row: tuple[Any, ...]) -> NotificationStatus:
        return NotificationStatus(
            notification_id=row[0],
            unit_id=row[1],
            status=NotificationState(row[2]),
            accepted_at=_ts(row[3]) or datetime.now(UTC),
            delivered_at=_ts(row[4]),
            acknowledged_at=_ts(row[5]),
            acknowledged_by=row[6],
            failure_reason=row[7],
        )

    def get(self, notification_id: str) -> NotificationStatus | None:
        """One notification's status, or ``None`` when the id is unknown."""
        with self._lock:
            row = (
                self._connection()
                .execute(f"SELECT {self._COLUMNS} FROM notifications WHERE notification_id = ?", (notification_id,))
                .fetchone()
            )
        return None if row is None else self._status(row)

    def feed(self, after: int, limit: int) -> tuple[list[NotificationStatus], int]:
        """Notifications whose status changed after sequence ``after``, oldest change first, and the new cursor."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {self._COLUMNS} FROM notifications WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
                    (after, limit),
                )
                .fetchall()
            )
        last = int(rows[-1][8]) if rows else after
        return [self._status(r) for r in rows], last

    def delivery_counts(self) -> dict[tuple[str, str], int]:
        """How many notifications were recorded per ``(case_number, unit_id)``: more than 1 means a double page."""
        with self._lock:
            rows = (
                self._connection()
                .execute("SELECT case_number, unit_id, COUNT(*) FROM notifications GROUP BY case_number, unit_id")
                .fetchall()
            )
        return {(case, unit): int(n) for case, unit, n in rows}

    def notification_count(self) -> int:
        """How many notifications are recorded."""
        with self._lock:
            row = self._connection().execute("SELECT COUNT(*) FROM notifications").fetchone()
        return int(row[0])

    def in_progress_keys(self) -> list[str]:
        """Idempotency keys claimed and still being processed."""
        with self._lock:
            rows = (
                self._connection().execute("SELECT key FROM idempotency_keys WHERE state = 'in_progress'").fetchall()
            )
        return [str(r[0]) for r in rows]
