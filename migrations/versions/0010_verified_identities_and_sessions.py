"""accounts: verified identities, server-side login sessions, single-use mail links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

- `users.email_confirmed_at`, `users.identity_verified_at`: a self-registered account confirms its
  address by a link, and an agency admin or an HR import confirms the person.
- `user_sessions`: one row per login; the session and remember cookies name it (the id is the
  SHA-256 of the token in the cookies), and ending it ends both cookies at once.
- `account_tokens`: single-use links (password reset, first password, email confirmation),
  stored as SHA-256.
- `webinar_connections.login_session_id`: the login session a Socket.IO connection came in with,
  so logging out closes it.
- `users.session_token` goes: every session was a per-user token; sessions are rows now.

Existing accounts. Until now nothing recorded whether an account was registered by its owner or
created by an administrator, the CLI or an HR import, so the migration decides from what is known:
- Every existing address counts as confirmed (the accounts were in use; nobody is locked out).
- An account counts as verified unless it looks self-registered and HR never touched it: it has a
  password, only the learner role, no position title, no supervisor, nobody has it as supervisor,
  and careers has no position for it. Those accounts learn on as before, but stay out of teams,
  HR analytics and exports until their agency admin confirms them on the new "Akun belum
  diverifikasi" page (or an HR import decides the conflict). Staff created by admin or import
  carry at least one of those marks (an imported person starts without a password; the CLI and
  the admin pages give roles or positions), so they stay verified.
- Every existing login ends once (the old cookies name no session row): people log in again.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_user_sessions_user_id_ended_at', ['user_id', 'ended_at'], unique=False)

    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('reset', 'set', 'email', name='token_purpose', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identity_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at, identity_verified_at = created_at")
    op.execute(
        "UPDATE users SET identity_verified_at = NULL "
        "WHERE password_hash IS NOT NULL AND position_title IS NULL AND supervisor_id IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_roles.user_id = users.id "
        "AND user_roles.role <> 'learner') "
        "AND NOT EXISTS (SELECT 1 FROM users AS staff WHERE staff.supervisor_id = users.id) "
        "AND NOT EXISTS (SELECT 1 FROM staff_positions WHERE staff_positions.user_id = users.id)"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')

    with op.batch_alter_table('webinar_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_session_id', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_webinar_connections_login_session', ['login_session_id', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('webinar_connections', schema=None) as batch_op:
        batch_op.drop_index('ix_webinar_connections_login_session')
        batch_op.drop_column('login_session_id')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    # A fresh random token per user (every login ends once more).
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('identity_verified_at')
        batch_op.drop_column('email_confirmed_at')

    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))
    op.drop_table('account_tokens')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_user_sessions_user_id_ended_at')
    op.drop_table('user_sessions')
