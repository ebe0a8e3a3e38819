"""evaluations: reaction surveys after a course or webinar, their extra questions, follow-ups

Revision ID: 0019
Revises: 0022
Create Date: 2026-12-03 13:26:51

`evaluation_surveys`: one per completed enrolment or present attendance (unique), with the
learner's agency and unit as they were, the four 1-5 ratings and a comment once answered, and
when its follow-ups were opened. `evaluation_questions`: a trainer's extra questions per course or
webinar; `evaluation_answers` their answers. `evaluation_follow_ups`: one per survey and role
(learner, supervisor).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("webinar_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rating",
                "text",
                name="evaluation_question_kind",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (webinar_id IS NULL)", name=op.f("ck_evaluation_questions_one_subject")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_evaluation_questions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"],
            ["webinars.id"],
            name=op.f("fk_evaluation_questions_webinar_id_webinars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_questions")),
    )
    with op.batch_alter_table("evaluation_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_questions_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_questions_webinar_id"), ["webinar_id"], unique=False)

    op.create_table(
        "evaluation_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("webinar_id", sa.Integer(), nullable=True),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("relevance", sa.SmallInteger(), nullable=True),
        sa.Column("trainer", sa.SmallInteger(), nullable=True),
        sa.Column("materials", sa.SmallInteger(), nullable=True),
        sa.Column("apply", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("follow_ups_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(course_id IS NULL) <> (webinar_id IS NULL)", name=op.f("ck_evaluation_surveys_one_subject")
        ),
        sa.CheckConstraint("apply BETWEEN 1 AND 5", name=op.f("ck_evaluation_surveys_apply_range")),
        sa.CheckConstraint("materials BETWEEN 1 AND 5", name=op.f("ck_evaluation_surveys_materials_range")),
        sa.CheckConstraint("relevance BETWEEN 1 AND 5", name=op.f("ck_evaluation_surveys_relevance_range")),
        sa.CheckConstraint("trainer BETWEEN 1 AND 5", name=op.f("ck_evaluation_surveys_trainer_range")),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_evaluation_surveys_agency_id_agencies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["webinar_attendances.id"],
            name=op.f("fk_evaluation_surveys_attendance_id_webinar_attendances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_evaluation_surveys_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_evaluation_surveys_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_evaluation_surveys_unit_id_units"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_surveys_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"],
            ["webinars.id"],
            name=op.f("fk_evaluation_surveys_webinar_id_webinars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_surveys")),
        sa.UniqueConstraint("attendance_id", name=op.f("uq_evaluation_surveys_attendance_id")),
        sa.UniqueConstraint("enrolment_id", name=op.f("uq_evaluation_surveys_enrolment_id")),
    )
    with op.batch_alter_table("evaluation_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evaluation_surveys_follow_ups_opened_at"), ["follow_ups_opened_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_learned_at"), ["learned_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_surveys_webinar_id"), ["webinar_id"], unique=False)

    op.create_table(
        "evaluation_answers",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_evaluation_answers_rating_range")),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["evaluation_questions.id"],
            name=op.f("fk_evaluation_answers_question_id_evaluation_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["evaluation_surveys.id"],
            name=op.f("fk_evaluation_answers_survey_id_evaluation_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "question_id", name=op.f("pk_evaluation_answers")),
    )
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_answers_question_id"), ["question_id"], unique=False)

    op.create_table(
        "evaluation_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "learner",
                "supervisor",
                name="evaluation_respondent",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "applied",
            sa.Enum(
                "yes",
                "partly",
                "no",
                name="evaluation_applied",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=True,
        ),
        sa.Column("example", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["users.id"],
            name=op.f("fk_evaluation_follow_ups_respondent_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["evaluation_surveys.id"],
            name=op.f("fk_evaluation_follow_ups_survey_id_evaluation_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_follow_ups")),
        sa.UniqueConstraint("survey_id", "role", name=op.f("uq_evaluation_follow_ups_survey_id_role")),
    )
    with op.batch_alter_table("evaluation_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_follow_ups_respondent_id"), ["respondent_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("evaluation_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_follow_ups_respondent_id"))

    op.drop_table("evaluation_follow_ups")
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_answers_question_id"))

    op.drop_table("evaluation_answers")
    with op.batch_alter_table("evaluation_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_webinar_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_user_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_unit_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_learned_at"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_follow_ups_opened_at"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_course_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_surveys_agency_id"))

    op.drop_table("evaluation_surveys")
    with op.batch_alter_table("evaluation_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_questions_webinar_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_questions_course_id"))

    op.drop_table("evaluation_questions")
