"""quizzes: embedded-answer (cloze) questions and plain-text questions

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 10:30:00

`questions.qtype` gains 'cloze' (Moodle's embedded answers, "multianswer": short answer, numerical
and multiple-choice gaps inside the text, each with its own weight), and `questions.text_format`
gains 'plain' (Aiken files, GIFT [plain] and Moodle XML plain_text: shown exactly as written).
Both columns are non-native enums with a CHECK constraint; only the constraints change.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_TYPES = ['single', 'multiple', 'truefalse', 'shortanswer', 'numerical', 'matching', 'essay']
NEW_TYPES = [*OLD_TYPES, 'cloze']
OLD_FORMATS = ['markdown', 'html']
NEW_FORMATS = [*OLD_FORMATS, 'plain']


def _checks(types, formats):
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_questions_question_type'), type_='check')
        batch_op.drop_constraint(op.f('ck_questions_text_format'), type_='check')
        batch_op.create_check_constraint(op.f('ck_questions_question_type'), sa.column('qtype').in_(types))
        batch_op.create_check_constraint(op.f('ck_questions_text_format'), sa.column('text_format').in_(formats))


def upgrade():
    _checks(NEW_TYPES, NEW_FORMATS)


def downgrade():
    # Cloze questions cannot be expressed in the old types: they are removed (attempts keep
    # their own snapshots); plain-text questions become Markdown, whose HTML was stored already.
    op.execute("DELETE FROM questions WHERE qtype = 'cloze'")
    op.execute("UPDATE questions SET text_format = 'markdown' WHERE text_format = 'plain'")
    _checks(OLD_TYPES, OLD_FORMATS)
