"""courses: a lesson's completions go with the lesson

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 10:00:00

`lesson_completions.lesson_id` had no ON DELETE, while `enrolment_id` cascades. Deleting a course
cascades both to its lessons and to its enrolments (and on to their completions); PostgreSQL fires
those cascades in the order of its triggers' names, so whether the lesson's row went first (and
the still-referenced completion refused it) depended on the database's OIDs. With ON DELETE
CASCADE on both columns a completion goes with whichever parent goes first.

Only the constraint changes, on SQLite through a batch copy of the table. Downgrade restores the
constraint without ON DELETE.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

NAME = "fk_lesson_completions_lesson_id_lessons"


def _lesson_fk(**options):
    with op.batch_alter_table("lesson_completions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="foreignkey")
        batch_op.create_foreign_key(op.f(NAME), "lessons", ["lesson_id"], ["id"], **options)


def upgrade():
    _lesson_fk(ondelete="CASCADE")


def downgrade():
    _lesson_fk()
