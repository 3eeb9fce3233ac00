"""The call's answered time and the CAD event number

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00

Why (issue 11): ``threats.received_at`` was stamped when the intake form was last cleared, so a report typed 20
minutes after the previous one claimed to have arrived 20 minutes early, and every response-time figure built on it
(call → first notification, call → first acknowledgement) was wrong by that much.

* ``received_at`` keeps its name (the report rollups of 0005, their triggers and the wait indexes are built on it)
  but now holds **when the call was answered**: stamped at the first keystroke into an empty report (or the
  explicit "call answered" key), or the time the call-taker corrected it to.
* ``answered_original_at``: the automatic stamp, kept when the call-taker corrected the answered time (the call may
  have been answered on another screen first); ``NULL`` when it was not corrected. The correction is audited
  (``threat.answered_corrected``).
* ``cad_number``: the CAD event / incident number the center's CAD gave the call (optional, ``''`` when none); shown
  and searchable in the queue and exported. Existing rows get ``''``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("threats", sa.Column("cad_number", sa.String(40), nullable=False, server_default=""))
    op.add_column("threats", sa.Column("answered_original_at", sa.DateTime(timezone=True), nullable=True,
                                       server_default=sa.text("NULL")))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table and lose 0005's triggers on it
    op.drop_column("threats", "answered_original_at")
    op.drop_column("threats", "cad_number")
