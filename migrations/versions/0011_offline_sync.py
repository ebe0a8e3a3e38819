"""offline: sync receipts (one per client item id and user), practice quizzes, low-data mode

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-03 10:00:00

Chained after 0012, main's head when this branch was merged (0011 was reserved for it), so there is
one head.

`sync_receipts` remembers every item the offline sync processed, unique per user and client id,
so a batch sent twice is recorded once. `quizzes.practice` marks untimed practice quizzes that
may be taken offline (existing quizzes: false). `offline_preferences.low_data` is the learner's
low-data mode; a row exists only for who changed it (a table of its own, so the users table and
the code that reads it stay as they are).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_receipts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_receipts')),
    sa.UniqueConstraint('user_id', 'client_id', name=op.f('uq_sync_receipts_user_id_client_id'))
    )
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_receipts_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('offline_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('low_data', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_offline_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_offline_preferences'))
    )


def downgrade():
    op.drop_table('offline_preferences')
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('practice')
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_receipts_user_id'))
    op.drop_table('sync_receipts')
