"""webinars: the competencies (and levels) a webinar awards; records revoked because of a webinar

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 14:30:00

Until now a participant present at a webinar earned the competencies of the webinar's course, at
the course's levels, without finishing the course. From now on a webinar awards its own
competencies (`webinar_competencies`, set by the trainer) and a webinar without any awards JP only.

Existing data: a webinar whose attendance is already final (finalized_at set) gets its course's
competencies copied, so the records its present participants hold and the signed certificates
they were issued (which list those competencies) stay what they are and agree with the webinar;
a trainer can change them later, and the records follow with an audit entry. Webinars not final
yet get none: their trainer chooses them.

`competency_records.revoked_cause` gains 'webinar': the webinar no longer awards it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_CAUSES = ['hr', 'certificate', 'attendance', 'course']
NEW_CAUSES = [*OLD_CAUSES, 'webinar']


def _causes(values):
    with op.batch_alter_table('competency_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_competency_records_revoke_cause'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_competency_records_revoke_cause'), sa.column('revoked_cause').in_(values)
        )


def upgrade():
    op.create_table('webinar_competencies',
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_webinar_competencies_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_webinar_competencies_competency_id_competencies')),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_competencies_webinar_id_webinars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('webinar_id', 'competency_id', name=op.f('pk_webinar_competencies'))
    )
    op.execute(
        "INSERT INTO webinar_competencies (webinar_id, competency_id, level) "
        "SELECT webinars.id, course_competencies.competency_id, course_competencies.level "
        "FROM webinars JOIN course_competencies ON course_competencies.course_id = webinars.course_id "
        "WHERE webinars.finalized_at IS NOT NULL"
    )
    _causes(NEW_CAUSES)


def downgrade():
    # The old rule revoked a record its webinar's course no longer awarded with the cause 'course'.
    op.execute("UPDATE competency_records SET revoked_cause = 'course' WHERE revoked_cause = 'webinar'")
    _causes(OLD_CAUSES)
    op.drop_table('webinar_competencies')
