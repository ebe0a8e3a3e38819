"""careers: competency records from learning elsewhere, approved by HR

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-04 10:00:00

An approved report of learning elsewhere (`external_learning`) now makes a competency record per
claimed competency: `competency_records.source` gains 'external' (source_id is the report's id),
and `competency_records.revoked_cause` gains 'external' (HR revoked the approval). Both columns
are VARCHARs with a named CHECK constraint (`core.columns.enum_column`, no native enum), so only
the constraints change, on SQLite through a batch copy of the table.

Reports approved before this revision are given their records here, as the application makes
them: one per claimed competency at the claimed level, dated the day the learning ended, recorded
by the officer who approved it. Run `flask lms careers-refresh` afterwards so the derived levels,
gaps and heatmap count them (the migration touches only the records).

Downgrade: the old schema has no 'external' source. Those records become assessment records
without a source id (their evidence names the report, so HR can still see where they came
from), and records revoked because their approval was revoked keep counting as revoked with the
cause 'hr', which nothing reinstates.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0018"
branch_labels = None
depends_on = None

OLD_SOURCES = ["course", "webinar", "assessment"]
NEW_SOURCES = [*OLD_SOURCES, "external"]
OLD_CAUSES = ["hr", "certificate", "attendance", "course", "webinar"]
NEW_CAUSES = [*OLD_CAUSES, "external"]


def _checks(sources, causes):
    with op.batch_alter_table("competency_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_competency_records_record_source"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_competency_records_record_source"), sa.column("source").in_(sources)
        )
        batch_op.drop_constraint(op.f("ck_competency_records_revoke_cause"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_competency_records_revoke_cause"), sa.column("revoked_cause").in_(causes)
        )


def _backfill():
    """Records for the reports approved before this revision (the evidence text is the one
    `careers.awards.external_evidence` writes)."""
    conn = op.get_bind()
    items = sa.table(
        "external_learning",
        sa.column("id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("organizer", sa.String),
        sa.column("ended_on", sa.Date),
        sa.column("certificate_number", sa.String),
        sa.column("evidence_name", sa.String),
        sa.column("status", sa.String),
        sa.column("answered_by_id", sa.Integer),
        sa.column("answered_at", sa.DateTime(timezone=True)),
    )
    claims = sa.table(
        "external_learning_competencies",
        sa.column("item_id", sa.Integer),
        sa.column("competency_id", sa.Integer),
        sa.column("level", sa.SmallInteger),
    )
    records = sa.table(
        "competency_records",
        sa.column("user_id", sa.Integer),
        sa.column("competency_id", sa.Integer),
        sa.column("level", sa.SmallInteger),
        sa.column("source", sa.String),
        sa.column("source_id", sa.Integer),
        sa.column("evidence", sa.String),
        sa.column("achieved_on", sa.Date),
        sa.column("recorded_by_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    rows = conn.execute(
        sa.select(items, claims.c.competency_id, claims.c.level)
        .join(claims, claims.c.item_id == items.c.id)
        .where(items.c.status == "approved")
        .order_by(items.c.id, claims.c.competency_id)
    ).all()
    new = []
    now = datetime.now(UTC)
    for row in rows:
        shown = (
            f"sertifikat No. {row.certificate_number}"
            if row.certificate_number
            else f"berkas {row.evidence_name}"
            if row.evidence_name
            else ""
        )
        text = f"{row.title} ({row.organizer})" + (f", {shown}" if shown else "")
        new.append(
            {
                "user_id": row.user_id,
                "competency_id": row.competency_id,
                "level": row.level,
                "source": "external",
                "source_id": row.id,
                "evidence": f"Laporan pegawai No. {row.id}: {text}"[:500],
                "achieved_on": row.ended_on,
                "recorded_by_id": row.answered_by_id,
                "created_at": row.answered_at or now,
                "updated_at": row.answered_at or now,
            }
        )
    if new:
        conn.execute(records.insert(), new)


def upgrade():
    _checks(NEW_SOURCES, NEW_CAUSES)
    _backfill()


def downgrade():
    op.execute(
        "UPDATE competency_records SET source = 'assessment', source_id = NULL WHERE source = 'external'"
    )
    op.execute("UPDATE competency_records SET revoked_cause = 'hr' WHERE revoked_cause = 'external'")
    _checks(OLD_SOURCES, OLD_CAUSES)
