"""enrolments remember when HR last sent a reminder

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-03 13:30:00

- `enrolments.reminded_at`: when HR last asked the learner (from the completion report) to
  finish an assigned course; a reminder is sent at most once per enrolment and day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("reminded_at")
