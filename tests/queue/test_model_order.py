"""Whatever column the supervisor sorts by, live changes keep the queue in exactly that order.

The model keeps its order itself (one sort per header click, a bisect per change); these checks compare it, after
many random inserts, edits and removals, with a fresh sort of the same rows.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from dispatch_console.domain.enums import Priority, Status, TargetKind
from dispatch_console.services.queue import QueueRow
from dispatch_console.ui.queue.model import COLUMNS, QueueModel

NOW = datetime(2026, 4, 12, 9, 0, tzinfo=UTC)
SITES = ("Lincoln High School", "Adams Elementary", "adams elementary", "Eastgate Mall", "Burns Middle School")


def random_row(rng: random.Random, threat_id: int) -> QueueRow:
    return QueueRow(
        threat_id=threat_id,
        case_number=f"TT-2026-{rng.randrange(100000):05d}",
        priority=rng.choice(list(Priority)),
        target_name=rng.choice(SITES),
        target_kind=rng.choice([TargetKind.SCHOOL, TargetKind.BUSINESS]),
        division=rng.choice(("North", "South", "east")),
        threatened_at=NOW + timedelta(minutes=rng.randrange(-60, 600)) if rng.random() < 0.7 else None,
        threatened_text="",
        status=rng.choice([s for s in Status if s is not Status.CLOSED]),
        received_at=NOW - timedelta(minutes=rng.randrange(0, 300)),
        call_taker=rng.choice(("ct1", "CT2", "ct3")),
        version=1,
        units=tuple(rng.sample(("SRO-7", "3A12", "CIT-1"), rng.randrange(0, 3))),
        notified=rng.randrange(0, 4),
        acknowledged=rng.randrange(0, 2),
        failed=rng.randrange(0, 2),
        ack_overdue=rng.random() < 0.2,
    )


def shown(model: QueueModel) -> list[int]:
    return [model.row_at(i).threat_id for i in range(model.rowCount())]


def freshly_sorted(rows: list[QueueRow], column: int, order: Qt.SortOrder) -> list[int]:
    model = QueueModel(now=NOW)
    model.sort(column, order)
    model.reset_rows(rows)
    return shown(model)


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
@pytest.mark.parametrize("column", range(len(COLUMNS)), ids=COLUMNS)
def test_live_changes_keep_the_chosen_order(qapp, column: int, order: Qt.SortOrder) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(column * 2 + int(order == Qt.SortOrder.DescendingOrder))
    rows = {i: random_row(rng, i) for i in range(1, 151)}
    model = QueueModel(now=NOW)
    model.reset_rows(rows.values())
    model.sort(column, order)
    assert shown(model) == freshly_sorted(list(rows.values()), column, order)

    next_id = 1000
    for step in range(300):
        action = rng.random()
        if action < 0.3:  # another console saves a threat
            next_id += 1
            rows[next_id] = random_row(rng, next_id)
            model.apply([rows[next_id]], alert=False)
        elif action < 0.85:  # a triage edit: a few fields change
            tid = rng.choice(list(rows))
            fresh = random_row(rng, tid)
            changed = dataclasses.replace(rows[tid], version=rows[tid].version + 1, priority=fresh.priority,
                                          target_name=fresh.target_name, status=fresh.status, units=fresh.units,
                                          acknowledged=fresh.acknowledged, failed=fresh.failed)
            rows[tid] = changed
            model.apply([changed], alert=False)
        else:  # closed on some console
            tid = rng.choice(list(rows))
            del rows[tid]
            model.apply([], [tid], alert=False)
        if step % 50 == 0:
            assert shown(model) == freshly_sorted(list(rows.values()), column, order), step
    assert shown(model) == freshly_sorted(list(rows.values()), column, order)
    model.sort(0, Qt.SortOrder.AscendingOrder)  # and back to triage order
    assert shown(model) == freshly_sorted(list(rows.values()), 0, Qt.SortOrder.AscendingOrder)


def test_rows_equal_in_the_sorted_column_keep_the_triage_order_in_both_directions(qapp) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    rows = [dataclasses.replace(random_row(rng, i), division="North") for i in range(1, 40)]
    triage = freshly_sorted(rows, 0, Qt.SortOrder.AscendingOrder)
    division = COLUMNS.index("Division")
    assert freshly_sorted(rows, division, Qt.SortOrder.AscendingOrder) == triage
    assert freshly_sorted(rows, division, Qt.SortOrder.DescendingOrder) == triage
