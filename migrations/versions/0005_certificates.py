"""certificates: issued certificates with their snapshot, signed credential and revocation

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 10:38:28.232070

One certificate per source: the unique (source, source_id) constraint is what makes issuing
idempotent under concurrent completion events. source_id has no foreign key on purpose: it is an
enrolment id for courses and a webinar attendance id for webinars. Certificates outlive their
holder's account, the course and the agency (SET NULL): the snapshot columns say what was certified.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('source', sa.Enum('course', 'webinar', name='certificate_source', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('issuer_agency_id', sa.Integer(), nullable=True),
    sa.Column('holder_name', sa.String(length=150), nullable=False),
    sa.Column('holder_nip', sa.String(length=18), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('competencies', sa.JSON(), nullable=False),
    sa.Column('issuer_name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=32), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credential_jwt', sa.Text(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('jp >= 0', name=op.f('ck_certificates_jp_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certificates_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issuer_agency_id'], ['agencies.id'], name=op.f('fk_certificates_issuer_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_certificates_source_source_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_certificates_uuid'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_issuer_agency_id'), ['issuer_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_issuer_agency_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_issued_at'))
        batch_op.drop_index(batch_op.f('ix_certificates_course_id'))

    op.drop_table('certificates')
