"""courses: the completion rule counts every quiz and webinar marked required

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-03 11:00:00

Until now a quiz form's "Wajib untuk kelulusan kursus" (ticked by default) told learners a quiz
was required while the course's rule could leave quizzes out ("Tidak dipakai"), so the course
completed, and a certificate was issued, without the quiz. From now on a rule always counts the
items the course marks required: a data migration adds "quizzes": "required" (or "webinars")
to every rule that ignores a required published quiz (or a required webinar). Certificates
already issued stay; the trainer's and HR's "sertifikat perlu ditinjau" pages list them.
No schema change; downgrade leaves the rules as they are (they are correct under both versions).
"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None


def _rule(value):
    if value is None:
        return {}
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def upgrade():
    bind = op.get_bind()
    courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('completion_rule', sa.JSON))
    needed = {
        'quizzes': sa.text('SELECT DISTINCT course_id FROM quizzes WHERE required AND published'),
        'webinars': sa.text(
            'SELECT DISTINCT course_id FROM webinars WHERE required_for_course AND course_id IS NOT NULL'
        ),
    }
    wanted: dict[int, set[str]] = {}
    for name, query in needed.items():
        for (course_id,) in bind.execute(query):
            wanted.setdefault(course_id, set()).add(name)
    if not wanted:
        return
    rows = bind.execute(
        sa.select(courses.c.id, courses.c.completion_rule).where(courses.c.id.in_(list(wanted)))
    ).all()
    for course_id, value in rows:
        rule = _rule(value)
        missing = [name for name in sorted(wanted[course_id]) if not rule.get(name)]
        if missing:
            rule.update({name: 'required' for name in missing})
            bind.execute(courses.update().where(courses.c.id == course_id).values(completion_rule=rule))


def downgrade():
    pass
