"""external learning: training taken outside the platform, reported by the learner for HR

Revision ID: 0020
Revises: 0022
Create Date: 2026-12-03 13:45:00

A learner reports a training with its evidence (a file or a certificate number) and the
competencies it developed; HR of their agency approves it (it then points to the JP record the
approval made) or returns it with a reason.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0022'
branch_labels = None
depends_on = None

KINDS = ['classroom', 'coaching', 'mentoring', 'seminar', 'self_study', 'other']
STATUSES = ['pending', 'returned', 'approved', 'withdrawn', 'revoked']


def upgrade():
    op.create_table(
        'external_learning',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(*KINDS, name='external_learning_kind', native_enum=False, length=12, create_constraint=True),
            nullable=False,
        ),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('organizer', sa.String(length=200), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=False),
        sa.Column('jp', sa.Integer(), nullable=False),
        sa.Column('certificate_number', sa.String(length=100), nullable=False),
        sa.Column('evidence_file', sa.String(length=40), nullable=True),
        sa.Column('evidence_name', sa.String(length=120), nullable=True),
        sa.Column('evidence_type', sa.String(length=40), nullable=True),
        sa.Column(
            'status',
            sa.Enum(*STATUSES, name='external_status', native_enum=False, length=10, create_constraint=True),
            nullable=False,
        ),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('jp_record_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('jp BETWEEN 1 AND 1000', name=op.f('ck_external_learning_jp_range')),
        sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_external_learning_dates_in_order')),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_external_learning_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['answered_by_id'],
            ['users.id'],
            name=op.f('fk_external_learning_answered_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['jp_record_id'],
            ['jp_records.id'],
            name=op.f('fk_external_learning_jp_record_id_jp_records'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_learning')),
        sa.UniqueConstraint('jp_record_id', name=op.f('uq_external_learning_jp_record_id')),
    )
    with op.batch_alter_table('external_learning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_learning_status'), ['status'], unique=False)
        batch_op.create_index('ix_external_learning_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table(
        'external_learning_competencies',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('competency_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_external_learning_competencies_level_range')),
        sa.ForeignKeyConstraint(
            ['item_id'],
            ['external_learning.id'],
            name=op.f('fk_external_learning_competencies_item_id_external_learning'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['competency_id'],
            ['competencies.id'],
            name=op.f('fk_external_learning_competencies_competency_id_competencies'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('item_id', 'competency_id', name=op.f('pk_external_learning_competencies')),
    )
    with op.batch_alter_table('external_learning_competencies', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_external_learning_competencies_competency_id'), ['competency_id'], unique=False
        )


def downgrade():
    op.drop_table('external_learning_competencies')
    op.drop_table('external_learning')
