"""webinars: sessions, registrations, reminders, live connections, attendance and corrections,
chat, mutes, questions and votes, polls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:40:27.154075

Times are timestamps with time zone, always UTC (the models read them back as aware UTC on
SQLite too). `webinar_connections` is the presence table: one row per live Socket.IO connection
to a room; its composite index serves the "open connections of this webinar, stale first" sweep.
The integrator may re-point down_revision when merging next to other features' migrations.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webinars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_md', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=32), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('present_threshold', sa.Integer(), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('required_for_course', sa.Boolean(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_webinars_ends_after_start')),
    sa.CheckConstraint('jp >= 0 AND jp <= 100', name=op.f('ck_webinars_jp_range')),
    sa.CheckConstraint('present_threshold BETWEEN 1 AND 100', name=op.f('ck_webinars_threshold_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_webinars_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_webinars_host_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinars'))
    )
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinars_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinars_finalized_at'), ['finalized_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinars_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinars_starts_at'), ['starts_at'], unique=False)

    op.create_table('webinar_attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_join_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_leave_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended_seconds', sa.Integer(), nullable=False),
    sa.Column('share_bp', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('jp_credited', sa.Integer(), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_attendances_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_attendances_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_attendances')),
    sa.UniqueConstraint('webinar_id', 'user_id', name=op.f('uq_webinar_attendances_webinar_id_user_id'))
    )
    with op.batch_alter_table('webinar_attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_attendances_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_attendances_webinar_id'), ['webinar_id'], unique=False)

    op.create_table('webinar_chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_webinar_chat_messages_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_chat_messages_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_chat_messages_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_chat_messages'))
    )
    with op.batch_alter_table('webinar_chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_webinar_chat_messages_page', ['webinar_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_chat_messages_user_id'), ['user_id'], unique=False)

    op.create_table('webinar_cohosts',
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_cohosts_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_cohosts_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('webinar_id', 'user_id', name=op.f('pk_webinar_cohosts'))
    )
    op.create_table('webinar_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_connections_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_connections_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_connections'))
    )
    with op.batch_alter_table('webinar_connections', schema=None) as batch_op:
        batch_op.create_index('ix_webinar_connections_open', ['webinar_id', 'closed_at', 'last_seen_at'], unique=False)
        batch_op.create_index('ix_webinar_connections_sid', ['sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_connections_user_id'), ['user_id'], unique=False)

    op.create_table('webinar_mutes',
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_webinar_mutes_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_mutes_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_mutes_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('webinar_id', 'user_id', name=op.f('pk_webinar_mutes'))
    )
    op.create_table('webinar_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='poll_status', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webinar_polls_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_polls_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_polls'))
    )
    with op.batch_alter_table('webinar_polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_polls_webinar_id'), ['webinar_id'], unique=False)

    op.create_table('webinar_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('body_md', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_questions_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_questions_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_questions'))
    )
    with op.batch_alter_table('webinar_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_questions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_questions_webinar_id'), ['webinar_id'], unique=False)

    op.create_table('webinar_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_registrations_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_registrations_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_registrations')),
    sa.UniqueConstraint('webinar_id', 'user_id', name=op.f('uq_webinar_registrations_webinar_id_user_id'))
    )
    with op.batch_alter_table('webinar_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_registrations_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_registrations_webinar_id'), ['webinar_id'], unique=False)

    op.create_table('webinar_reminders',
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_reminders_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_reminders_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('webinar_id', 'user_id', name=op.f('pk_webinar_reminders'))
    )
    op.create_table('webinar_attendance_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendance_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendance_id'], ['webinar_attendances.id'], name=op.f('fk_webinar_attendance_corrections_attendance_id_webinar_attendances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_webinar_attendance_corrections_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_attendance_corrections'))
    )
    with op.batch_alter_table('webinar_attendance_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_attendance_corrections_attendance_id'), ['attendance_id'], unique=False)

    op.create_table('webinar_poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['webinar_polls.id'], name=op.f('fk_webinar_poll_options_poll_id_webinar_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_poll_options'))
    )
    with op.batch_alter_table('webinar_poll_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_poll_options_poll_id'), ['poll_id'], unique=False)

    op.create_table('webinar_question_votes',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['webinar_questions.id'], name=op.f('fk_webinar_question_votes_question_id_webinar_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_question_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_webinar_question_votes'))
    )
    op.create_table('webinar_poll_votes',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['webinar_poll_options.id'], name=op.f('fk_webinar_poll_votes_option_id_webinar_poll_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['webinar_polls.id'], name=op.f('fk_webinar_poll_votes_poll_id_webinar_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_poll_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'user_id', name=op.f('pk_webinar_poll_votes'))
    )
    with op.batch_alter_table('webinar_poll_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_poll_votes_option_id'), ['option_id'], unique=False)



def downgrade():
    with op.batch_alter_table('webinar_poll_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_poll_votes_option_id'))

    op.drop_table('webinar_poll_votes')
    op.drop_table('webinar_question_votes')
    with op.batch_alter_table('webinar_poll_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_poll_options_poll_id'))

    op.drop_table('webinar_poll_options')
    with op.batch_alter_table('webinar_attendance_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_attendance_corrections_attendance_id'))

    op.drop_table('webinar_attendance_corrections')
    op.drop_table('webinar_reminders')
    with op.batch_alter_table('webinar_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_registrations_webinar_id'))
        batch_op.drop_index(batch_op.f('ix_webinar_registrations_user_id'))

    op.drop_table('webinar_registrations')
    with op.batch_alter_table('webinar_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_questions_webinar_id'))
        batch_op.drop_index(batch_op.f('ix_webinar_questions_user_id'))

    op.drop_table('webinar_questions')
    with op.batch_alter_table('webinar_polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_polls_webinar_id'))

    op.drop_table('webinar_polls')
    op.drop_table('webinar_mutes')
    with op.batch_alter_table('webinar_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_connections_user_id'))
        batch_op.drop_index('ix_webinar_connections_sid')
        batch_op.drop_index('ix_webinar_connections_open')

    op.drop_table('webinar_connections')
    op.drop_table('webinar_cohosts')
    with op.batch_alter_table('webinar_chat_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_chat_messages_user_id'))
        batch_op.drop_index('ix_webinar_chat_messages_page')

    op.drop_table('webinar_chat_messages')
    with op.batch_alter_table('webinar_attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_attendances_webinar_id'))
        batch_op.drop_index(batch_op.f('ix_webinar_attendances_user_id'))

    op.drop_table('webinar_attendances')
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinars_starts_at'))
        batch_op.drop_index(batch_op.f('ix_webinars_host_id'))
        batch_op.drop_index(batch_op.f('ix_webinars_finalized_at'))
        batch_op.drop_index(batch_op.f('ix_webinars_course_id'))

    op.drop_table('webinars')
