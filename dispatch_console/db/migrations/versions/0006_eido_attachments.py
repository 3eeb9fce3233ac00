"""EIDO attachments: the parts of an imported EIDO the console does not read, kept with the case as they came

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:10:00

An EIDO from a CAD may carry components this console has no field for (vehicles, cautions, another vendor's
extension). The import keeps each one, unchanged, against the intake draft it filled; saving the draft attaches them
to the new case (``services.eido``). Nothing here is read by the queue or the reports.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch_console.db.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'eido_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('threat_id', sa.Integer(), nullable=True),
        sa.Column('draft_id', sa.String(length=36), nullable=False),
        sa.Column('incident_id', sa.String(length=300), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('imported_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('imported_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['threat_id'], ['threats.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('eido_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eido_attachments_threat_id'), ['threat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eido_attachments_draft_id'), ['draft_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('eido_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eido_attachments_draft_id'))
        batch_op.drop_index(batch_op.f('ix_eido_attachments_threat_id'))
    op.drop_table('eido_attachments')
