"""certificates name the signing official, configured per agency

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 11:10:00

- `certificate_signatories`: per agency, the official (name and position) who signs its
  certificates; set by the agency's admins on /certificates/signatory/<agency>.
- `certificates.signatory_name`, `certificates.signatory_position`: the official as configured
  when the certificate was issued, printed on its PDF (a later change does not rewrite it).
  Certificates issued before this have none and print no signature block.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_signatories",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_certificate_signatories_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_signatories_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_certificate_signatories")),
    )
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("signatory_name", sa.String(150), nullable=True))
        batch.add_column(sa.Column("signatory_position", sa.String(200), nullable=True))


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("signatory_position")
        batch.drop_column("signatory_name")
    op.drop_table("certificate_signatories")
