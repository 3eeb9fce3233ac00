"""Queue index: a partial index over the open threats only, so the live queue never scans the closed ones

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 01:20:00

``ix_threats_open`` (status, priority) exists, but with a million closed threats SQLite's statistics say "about
200,000 rows per status", so after ANALYZE (or ``PRAGMA optimize``) the planner prefers a full table scan for the
queue's four open statuses: 430 ms instead of a few, measured by ``benchmarks/queue_bench.py``. A partial index
``WHERE status <> 'closed'`` holds only the open threats (10,000, not 1,010,000); ``services.queue`` filters with
exactly that predicate so both SQLite and PostgreSQL pick it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "status <> 'closed'"


def upgrade() -> None:
    op.create_index("ix_threats_open_queue", "threats", ["priority", "threatened_at"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_threats_open_queue", table_name="threats")
