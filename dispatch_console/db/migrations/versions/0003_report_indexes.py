"""Report indexes: covering indexes so a report over a million threats is a few index scans, never a table scan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:15:00

Why each index exists (see services/reports.py):

* ``ix_threats_report_week``: the week series is one range count per week on received_at; covering, so the rows
  themselves (with their long statements) are never read.
* ``ix_threats_report_groups``: division x target kind x verification counts; its order is the GROUP BY order, so
  SQLite streams the groups without sorting a million rows.
* ``ix_threats_linked_received``: partial index counting the linked duplicate reports of a range (they are not
  counted, but the report says how many there were).
* ``ix_threats_report_outcomes`` (SQLite): outcome combinations, same idea. PostgreSQL cannot index a ``json``
  column and groups with a hash instead.
* ``ix_threats_notify_delay`` / ``ix_threats_ack_delay`` (SQLite): partial expression indexes on the seconds from
  the call to the first notification / acknowledgement, in order, so the median and p90 are an OFFSET walk along the
  index (SQLite has no percentile_cont; PostgreSQL uses it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

NOTIFY_DELAY = "(julianday(first_notified_at) - julianday(received_at))"
ACK_DELAY = "(julianday(first_ack_at) - julianday(received_at))"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_index("ix_threats_report_week", "threats",
                    ["received_at", "sealed", "linked_to_id", "verification", "target_kind"])
    op.create_index("ix_threats_report_groups", "threats",
                    ["division", "target_kind", "verification", "received_at", "sealed", "linked_to_id",
                     "first_notified_at", "first_ack_at"])
    op.create_index("ix_threats_linked_received", "threats", ["received_at", "sealed"],
                    sqlite_where=sa.text("linked_to_id IS NOT NULL"),
                    postgresql_where=sa.text("linked_to_id IS NOT NULL"))
    if sqlite:
        op.create_index("ix_threats_report_outcomes", "threats", ["outcomes", "received_at", "sealed", "linked_to_id"])
        op.create_index("ix_threats_notify_delay", "threats",
                        [sa.text(NOTIFY_DELAY), "received_at", "sealed", "linked_to_id"],
                        sqlite_where=sa.text("first_notified_at IS NOT NULL"))
        op.create_index("ix_threats_ack_delay", "threats",
                        [sa.text(ACK_DELAY), "received_at", "sealed", "linked_to_id"],
                        sqlite_where=sa.text("first_ack_at IS NOT NULL"))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in ("ix_threats_ack_delay", "ix_threats_notify_delay", "ix_threats_report_outcomes"):
            op.drop_index(name, table_name="threats")
    op.drop_index("ix_threats_linked_received", table_name="threats")
    op.drop_index("ix_threats_report_groups", table_name="threats")
    op.drop_index("ix_threats_report_week", table_name="threats")
