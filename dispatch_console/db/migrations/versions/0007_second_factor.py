"""Second factor and operator management: TOTP secrets (encrypted), recovery codes, a fresh lockout window

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00

* ``operators.totp_secret``: the operator's TOTP secret, AES-GCM encrypted under the center key that each console
  keeps in its OS keyring (``nonce || ciphertext``, base64); never stored in plain text.
* ``operators.totp_last_step``: the last accepted 30-second step, so a code is accepted once (no replay).
* ``operators.failures_since``: when an admin released the account (or reset its password); failures before it no
  longer count towards the lockout, so one wrong password after a release does not lock the account again.
* ``operators.must_change_password``: set by an admin's password reset (a one-time password).
* ``recovery_codes``: ten single-use codes per operator, stored hashed (scrypt), shown once at enrolment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import dispatch_console.db.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('failures_since', dispatch_console.db.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=400), nullable=False),
    sa.Column('used_at', dispatch_console.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recovery_codes_username', 'recovery_codes', ['username'])


def downgrade() -> None:
    op.drop_index('ix_recovery_codes_username', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('failures_since')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
