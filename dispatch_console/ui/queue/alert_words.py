"""What the queue's Alerts column says, and which P1/P2 threats are still waiting for anyone to be notified.

Kept apart from the table model so the words, their order and the "waiting" rule read in one place: the model
asks which alerts a row has, this module turns them into the words the operator sees (never a colour alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch_console.domain.enums import Priority
from dispatch_console.services.queue import QueueRow

# alert key → the word shown (in this order: what to do first comes first)
WORDS = {
    "new-p1": "★ NEW",
    "not-notified": "NOT NOTIFIED",
    "ack-overdue": "⚠ ACK OVERDUE",
    "failed": "✖ FAILED",
    "follow-up-overdue": "⏰ follow-up overdue",
}
WAITING_PRIORITIES = (Priority.P1, Priority.P2)
DEFAULT_LIMITS = {Priority.P1: timedelta(minutes=2), Priority.P2: timedelta(minutes=10)}
CHIME_REPEAT = timedelta(minutes=1)  # a waiting threat past its limit chimes again this often until notified


def is_waiting(row: QueueRow) -> bool:
    """A P1 or P2 that nobody has been notified about yet (it waits from the moment it was saved)."""
    return row.priority in WAITING_PRIORITIES and not row.notified and row.is_open


def minutes_text(seconds: float) -> str:
    """"40 s" under a minute, then whole minutes ("3 min", "75 min"): the wait reads at a glance and ticks."""
    seconds = max(int(seconds), 0)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"


def alert_text(row: QueueRow, alerts: tuple[str, ...], now: datetime) -> str:
    """The Alerts cell: every alert word the row has, joined by " · " (empty when all is well)."""
    words = []
    for key in WORDS:
        if key not in alerts:
            continue
        if key == "not-notified":
            words.append(f"NOT NOTIFIED {minutes_text((now - row.received_at).total_seconds())}")
        else:
            words.append(WORDS[key])
    return " · ".join(words)


@dataclass(frozen=True)
class Waiting:
    """What the lock page may show of the queue: how many P1/P2 wait to be notified, and the oldest wait."""

    count: int = 0
    oldest_seconds: float = 0.0

    @property
    def text(self) -> str:
        if not self.count:
            return "No P1/P2 threat is waiting to be notified."
        threats = "threat is" if self.count == 1 else "threats are"
        return (f"{self.count} P1/P2 {threats} waiting to be notified — the oldest for "
                f"{minutes_text(self.oldest_seconds)}.")
