"""jobs: the record of every background job, and the claim rows of scheduled work

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:10:00

`jobs` records each piece of long work (export, bulk issuance, reminders, a course edit that
reaches many completions): its state, attempts, progress, failure reason, result file and who
asked. One queued job per idempotency key (partial unique index). `scheduled_runs` holds when
each piece of scheduled work is next due; a scheduler claims a run by moving it forward.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STATES = ['queued', 'running', 'done', 'failed']
QUEUED = sa.text("state = 'queued'")


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=True),
        sa.Column('locale', sa.String(length=10), nullable=True),
        sa.Column(
            'state',
            sa.Enum(*STATES, name='job_state', native_enum=False, length=10, create_constraint=True),
            nullable=False,
        ),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=300), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('result_path', sa.String(length=500), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('result_url', sa.String(length=500), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_jobs_progress_percent')),
        sa.ForeignKeyConstraint(
            ['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_jobs_state_created_at', ['state', 'created_at'], unique=False)
        batch_op.create_index(
            'uq_jobs_pending_key', ['key'], unique=True, sqlite_where=QUEUED, postgresql_where=QUEUED
        )

    op.create_table(
        'scheduled_runs',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_runs')),
    )


def downgrade():
    op.drop_table('scheduled_runs')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_pending_key')
        batch_op.drop_index('ix_jobs_state_created_at')
        batch_op.drop_index(batch_op.f('ix_jobs_requested_by_id'))
    op.drop_table('jobs')
