"""appraisals: a rating for each of the seven BerAKHLAK core values

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 13:09:54.365999

Seven nullable columns, one per value, each 'above' / 'meets' / 'below' with its CHECK constraint
(added explicitly: add_column does not render the constraint of a non-native enum).

Existing appraisals keep their overall behaviour rating and predikat unchanged and get NULL for
the seven values: the old rows never recorded them, and copying the overall rating into every
value would invent ratings no supervisor gave. Pages show such appraisals with the overall
rating and a note that the values were not rated one by one; editing one asks for all seven.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

VALUES = ('pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif')


def upgrade():
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        for code in VALUES:
            batch_op.add_column(sa.Column(f'behaviour_{code}', sa.String(length=8), nullable=True))
            batch_op.create_check_constraint(
                op.f(f'ck_appraisals_behaviour_{code}'),
                sa.column(f'behaviour_{code}').in_(['above', 'meets', 'below']),
            )


def downgrade():
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        for code in reversed(VALUES):
            batch_op.drop_constraint(op.f(f'ck_appraisals_behaviour_{code}'), type_='check')
            batch_op.drop_column(f'behaviour_{code}')
