"""careers: why a competency record was revoked (HR, certificate, attendance, course)

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-23 13:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competency_records', schema=None) as batch_op:
        causes = sa.Enum('hr', 'certificate', 'attendance', 'course', name='revoke_cause',
                         native_enum=False, create_constraint=True, length=12)
        batch_op.add_column(sa.Column('revoked_cause', causes, nullable=True))
    # Records revoked before this revision were all withdrawn by HR.
    op.execute("UPDATE competency_records SET revoked_cause = 'hr' WHERE revoked_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('competency_records', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_competency_records_revoke_cause'), type_='check')
        batch_op.drop_column('revoked_cause')
