"""Threats and cases: threats, suspects, drafts, notes, units, notifications, follow-ups, changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:46:36.258928
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch_console.db.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_threat_id'), ['threat_id'], unique=False)
    op.create_table('drafts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('console', sa.String(length=200), nullable=False),
    sa.Column('created_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_operator'), ['operator'], unique=False)
    op.create_table('threats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=20), nullable=False),
    sa.Column('received_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('call_taker', sa.String(length=64), nullable=False),
    sa.Column('caller_name', sa.String(length=200), nullable=False),
    sa.Column('callback_number', sa.String(length=40), nullable=False),
    sa.Column('caller_relation', sa.String(length=20), nullable=False),
    sa.Column('confidential_reporter', sa.Boolean(), nullable=False),
    sa.Column('learned_how', sa.String(length=30), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('target_kind', sa.String(length=30), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('target_name', sa.String(length=300), nullable=False),
    sa.Column('target_address', sa.String(length=300), nullable=False),
    sa.Column('division', sa.String(length=60), nullable=False),
    sa.Column('named_persons', sa.Text(), nullable=False),
    sa.Column('threatened_text', sa.String(length=300), nullable=False),
    sa.Column('threatened_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('weapons', sa.JSON(), nullable=False),
    sa.Column('weapon_access', sa.Boolean(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('priority', sa.String(length=2), nullable=False),
    sa.Column('priority_reasons', sa.JSON(), nullable=False),
    sa.Column('priority_overridden', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.Column('outcome_other', sa.Text(), nullable=False),
    sa.Column('linked_to_id', sa.Integer(), nullable=True),
    sa.Column('sealed', sa.Boolean(), nullable=False),
    sa.Column('ack_overdue', sa.Boolean(), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('first_notified_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('first_ack_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['linked_to_id'], ['threats.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number')
    )
    with op.batch_alter_table('threats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threats_linked_to_id'), ['linked_to_id'], unique=False)
        batch_op.create_index('ix_threats_open', ['status', 'priority'], unique=False)
        batch_op.create_index('ix_threats_received', ['received_at'], unique=False)
    op.create_table('assigned_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('division', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('assigned_by', sa.String(length=64), nullable=False),
    sa.Column('assigned_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['threat_id'], ['threats.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('threat_id', 'unit_id')
    )
    with op.batch_alter_table('assigned_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assigned_units_threat_id'), ['threat_id'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('due_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('done_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['threat_id'], ['threats.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_open', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_threat_id'), ['threat_id'], unique=False)
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['threat_id'], ['threats.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_threat_id'), ['threat_id'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=40), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('escalation', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('sent_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=100), nullable=False),
    sa.Column('deadline_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('claimed_until', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['threat_id'], ['threats.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('threat_id', 'unit_id', 'round')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_threat_id'), ['threat_id'], unique=False)
    op.create_table('suspects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('threat_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('social_handles', sa.Text(), nullable=False),
    sa.Column('weapon_access', sa.Boolean(), nullable=False),
    sa.Column('juvenile', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['threat_id'], ['threats.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('suspects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspects_threat_id'), ['threat_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('suspects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspects_threat_id'))
    op.drop_table('suspects')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_threat_id'))
        batch_op.drop_index('ix_notifications_due')
    op.drop_table('notifications')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_threat_id'))
    op.drop_table('notes')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_threat_id'))
        batch_op.drop_index('ix_follow_ups_open')
    op.drop_table('follow_ups')
    with op.batch_alter_table('assigned_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assigned_units_threat_id'))
    op.drop_table('assigned_units')
    with op.batch_alter_table('threats', schema=None) as batch_op:
        batch_op.drop_index('ix_threats_received')
        batch_op.drop_index('ix_threats_open')
        batch_op.drop_index(batch_op.f('ix_threats_linked_to_id'))
    op.drop_table('threats')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_operator'))
    op.drop_table('drafts')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_threat_id'))
    op.drop_table('changes')
