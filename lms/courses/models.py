"""Courses, their modules and lessons, media, enrolments and lesson completions.

Lessons are never replaced when a course is edited or re-imported: they keep their ids, so
completions keep pointing at what the learner completed. A lesson removed from a course that
learners have already completed is archived (hidden) instead of deleted.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Agency, User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..extensions import db

# Lesson HTML is stored with media URLs in it, so the path must not depend on a request.
MEDIA_URL_PREFIX = "/courses/media/"


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str({CourseStatus.DRAFT: _l("Draf"), CourseStatus.PUBLISHED: _l("Terbit")}[self])


class Course(db.Model):
    __tablename__ = "courses"
    __table_args__ = (sa.CheckConstraint("jp >= 0 AND jp <= 1000", name="jp_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    jp: Mapped[int] = mapped_column(default=0)
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus, "course_status", 10), default=CourseStatus.DRAFT, index=True
    )
    owner_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agencies.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Criterion name -> option, e.g. {"lessons": "required"}; see completion.py.
    completion_rule: Mapped[dict] = mapped_column(sa.JSON, default=lambda: {"lessons": "required"})
    # 0 until first published; incremented at every publish.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner_agency: Mapped[Agency | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        order_by="Module.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    competencies: Mapped[list[CourseCompetency]] = relationship(
        back_populates="course",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CourseCompetency.competency_id",
    )
    media: Mapped[list[Media]] = relationship(
        back_populates="course",
        order_by="Media.original_name",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"

    @property
    def is_published(self) -> bool:
        return self.status is CourseStatus.PUBLISHED

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_at is None or self.updated_at > self.published_at

    @property
    def active_modules(self) -> list[Module]:
        return [module for module in self.modules if module.archived_at is None]


class CourseCompetency(db.Model):
    """A competency (and level) that completing the course awards."""

    __tablename__ = "course_competencies"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger)

    course: Mapped[Course] = relationship(back_populates="competencies")
    competency: Mapped[Competency] = relationship()


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def active_lessons(self) -> list[Lesson]:
        return [lesson for lesson in self.lessons if lesson.archived_at is None]


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "source_file"),
        sa.CheckConstraint("duration_minutes >= 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    # Rendered by lms.content when saved; the only lesson HTML that is ever shown.
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    # Its plain words, also set when saved: what the catalogue search reads (courses/search.py), in
    # SQL only. Deferred: every outline loads its lessons, and the words of the whole course were
    # read (a few KB a lesson) on every lesson page for nothing.
    body_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="", deferred=True)
    required: Mapped[bool] = mapped_column(default=True)
    duration_minutes: Mapped[int] = mapped_column(default=0)
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    video_media_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    # The lesson's file in a course bundle (lessons/01-pengantar.md): how re-imports find it.
    source_file: Mapped[str] = mapped_column(sa.String(200))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="lessons")
    course: Mapped[Course] = relationship()
    video_media: Mapped[Media | None] = relationship(foreign_keys=[video_media_id])

    @property
    def video_host(self) -> str:
        return urlsplit(self.video_url or "").hostname or ""


class Media(db.Model):
    """An uploaded file of a course (image, PDF, video), stored under instance/uploads/."""

    __tablename__ = "media"
    __table_args__ = (sa.UniqueConstraint("course_id", "original_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(120))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="media")

    @property
    def url(self) -> str:
        return MEDIA_URL_PREFIX + self.stored_name

    @property
    def kind(self) -> str:
        """ "image", "video", "audio" or "document"."""
        major = self.content_type.split("/", 1)[0]
        return major if major in ("image", "video", "audio") else "document"


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The course version the learner completed (the course may be re-published later).
    completed_version: Mapped[int | None]
    # When HR last sent a reminder about this enrolment (at most one a day; reports.completion).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    lesson: Mapped[Lesson] = relationship()
