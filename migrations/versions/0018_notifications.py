"""notifications: in-app notices with their mail, per-user mail opt-outs, the unread counter

Revision ID: 0018
Revises: 0021
Create Date: 2026-12-03 14:00:00

`notifications` holds one row per (user, kind, key): an event that repeats never notifies or
mails twice. `notification_mail_opt_outs` lists the kinds a person does not want by mail.
`users.unread_notifications` is the bell's count, kept with the rows in the same transaction.
The webinar reminder mails become notices: `webinar_reminders` is dropped, and a reminder
already mailed for a webinar still to come is carried over as a read, mailed "webinar
tomorrow" notice, so nobody is mailed again for it.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0021"  # chained after main's head (search and calendar)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "kind", "key", name=op.f("uq_notifications_user_id_kind_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_id_created_at", ["user_id", "created_at"], unique=False)
    op.create_table(
        "notification_mail_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_mail_opt_outs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_mail_opt_outs")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unread_notifications", sa.Integer(), server_default="0", nullable=False)
        )

    bind = op.get_bind()
    reminders = sa.table(
        "webinar_reminders",
        sa.column("webinar_id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("sent_at", sa.DateTime(timezone=True)),
    )
    webinars = sa.table(
        "webinars",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("starts_at", sa.DateTime(timezone=True)),
    )
    notifications = sa.table(
        "notifications",
        sa.column("user_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("key", sa.String),
        sa.column("params", sa.JSON),
        sa.column("path", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("read_at", sa.DateTime(timezone=True)),
        sa.column("mailed_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(
            reminders.c.user_id, reminders.c.sent_at, webinars.c.id, webinars.c.title, webinars.c.starts_at
        )
        .join(webinars, webinars.c.id == reminders.c.webinar_id)
        .where(webinars.c.starts_at > datetime.now(UTC))
    ).all()
    for user_id, sent_at, webinar_id, title, starts_at in rows:
        starts_at = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
        bind.execute(
            notifications.insert().values(
                user_id=user_id,
                kind="webinar_tomorrow",
                key=f"webinar:{webinar_id}:{starts_at.astimezone(UTC).isoformat()}",
                params={"webinar": title, "starts_at": starts_at.astimezone(UTC).isoformat()},
                path=f"/webinars/{webinar_id}",
                created_at=sent_at,
                read_at=sent_at,
                mailed_at=sent_at,
            )
        )
    op.drop_table("webinar_reminders")


def downgrade():
    op.create_table(
        "webinar_reminders",
        sa.Column("webinar_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_webinar_reminders_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"],
            ["webinars.id"],
            name=op.f("fk_webinar_reminders_webinar_id_webinars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("webinar_id", "user_id", name=op.f("pk_webinar_reminders")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("unread_notifications")
    op.drop_table("notification_mail_opt_outs")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_at")
    op.drop_table("notifications")
