"""Webinars, their participants, live connections, chat, Q&A, polls and attendance.

Presence lives here, not in process memory: every live Socket.IO connection to a room is a
`WebinarConnection` row (join, last heartbeat, close), so any server process, the cron commands
and the final attendance all see the same thing.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..courses.models import Course
from ..extensions import db


class RoomSchedule:
    """The room names and the attended window of a webinar, from its id and times: shared by the
    model and by `access.RoomWebinar`, the columns the busiest room events read without the ORM.
    Its classes have `id`, `starts_at`, `ends_at`, `ended_at` and `finalized_at`."""

    __slots__ = ()

    @property
    def room(self) -> str:
        """The Socket.IO room of every participant's connection."""
        return f"webinar-{self.id}"

    @property
    def moderator_room(self) -> str:
        return f"webinar-{self.id}-mod"

    @property
    def window_end(self) -> datetime:
        """The end of the attended window: the scheduled end, or earlier if ended early."""
        if self.ended_at is not None and self.ended_at < self.ends_at:
            return max(self.ended_at, self.starts_at)
        return self.ends_at

    @property
    def scheduled_seconds(self) -> int:
        return int((self.window_end - self.starts_at).total_seconds())

    @property
    def is_over(self) -> bool:
        return self.ended_at is not None or self.finalized_at is not None


class Webinar(RoomSchedule, db.Model):
    __tablename__ = "webinars"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("jp >= 0 AND jp <= 100", name="jp_range"),
        sa.CheckConstraint("present_threshold BETWEEN 1 AND 100", name="threshold_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description_md: Mapped[str] = mapped_column(sa.Text, default="")
    # Rendered by lms.content when saved.
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The zone the trainer scheduled in (Asia/Jakarta, Asia/Makassar, Asia/Jayapura).
    timezone: Mapped[str] = mapped_column(sa.String(32), default="Asia/Jakarta")
    jp: Mapped[int] = mapped_column(default=0)
    # Percent of the scheduled time a participant must attend to count as present.
    present_threshold: Mapped[int] = mapped_column(default=80)
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    required_for_course: Mapped[bool] = mapped_column(default=False)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Set when a moderator ends the session (possibly before the scheduled end).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set when a moderator calls it off before it starts; calendars then show it cancelled.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    host: Mapped[User] = relationship()
    course: Mapped[Course | None] = relationship()
    cohosts: Mapped[list[WebinarCohost]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )
    # Loaded on access only: the room and its heartbeats load webinars often and never need them.
    competencies: Mapped[list[WebinarCompetency]] = relationship(
        back_populates="webinar",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebinarCompetency.competency_id",
    )

    def __repr__(self) -> str:
        return f"<Webinar {self.id}>"

    def moderator_ids(self) -> set[int]:
        return {self.host_id, *(c.user_id for c in self.cohosts)}


class WebinarCohost(db.Model):
    __tablename__ = "webinar_cohosts"

    webinar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinars.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    user: Mapped[User] = relationship()


class WebinarCompetency(db.Model):
    """A competency (and level) that being present at the webinar awards."""

    __tablename__ = "webinar_competencies"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    webinar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinars.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger)

    webinar: Mapped[Webinar] = relationship(back_populates="competencies")
    competency: Mapped[Competency] = relationship(lazy="joined")


class CalendarFeed(db.Model):
    """A person's secret calendar address (calendar apps cannot log in): the feed of the webinars
    they registered for. The address is `nonce` signed with the app's secret key and is never
    stored, so the table alone opens no feed; a reset draws a new nonce and the old address dies."""

    __tablename__ = "webinar_calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Registration(db.Model):
    __tablename__ = "webinar_registrations"
    __table_args__ = (sa.UniqueConstraint("webinar_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    webinar: Mapped[Webinar] = relationship()
    user: Mapped[User] = relationship()


class CloseReason(enum.StrEnum):
    LEFT = "left"  # the page said goodbye or the socket disconnected
    TIMEOUT = "timeout"  # no heartbeat: closed at the last heartbeat plus grace
    ENDED = "ended"  # the moderator ended the session or it was finalized


class WebinarConnection(db.Model):
    """One live Socket.IO connection of one person to one room: an attendance interval."""

    __tablename__ = "webinar_connections"
    __table_args__ = (
        sa.Index("ix_webinar_connections_open", "webinar_id", "closed_at", "last_seen_at"),
        sa.Index("ix_webinar_connections_sid", "sid"),
        sa.Index("ix_webinar_connections_login_session", "login_session_id", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid: Mapped[str] = mapped_column(sa.String(64))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(sa.String(10))
    # The login session (accounts.UserSession id) it came in with: logging out closes it.
    login_session_id: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()


class Attendance(db.Model):
    """The final attendance of one participant, computed once the webinar is over."""

    __tablename__ = "webinar_attendances"
    __table_args__ = (sa.UniqueConstraint("webinar_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_join_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_leave_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seconds inside the scheduled window, the union of all the person's connections.
    attended_seconds: Mapped[int] = mapped_column(default=0)
    # Share of the scheduled window, in basis points (10000 = the whole session).
    share_bp: Mapped[int] = mapped_column(default=0)
    present: Mapped[bool] = mapped_column(default=False)
    jp_credited: Mapped[int] = mapped_column(default=0)
    # A trainer's correction wins over later recomputation.
    corrected: Mapped[bool] = mapped_column(default=False)
    finalized_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    webinar: Mapped[Webinar] = relationship()
    user: Mapped[User] = relationship()

    @property
    def minutes(self) -> int:
        """Whole minutes, rounded (half a minute up): 179 s is 3 minutes, not 2."""
        return (self.attended_seconds + 30) // 60

    @property
    def duration(self) -> str:
        """The attended time as m:ss."""
        return f"{self.attended_seconds // 60}:{self.attended_seconds % 60:02d}"

    def closing(self) -> dict:
        """What the room tells this participant when the session ends: the recorded decision."""
        return {"present": self.present, "minutes": self.minutes, "percent": round(self.share * 100, 1)}

    @property
    def share(self) -> float:
        return self.share_bp / 10000


class AttendanceCorrection(db.Model):
    """A trainer's correction of an attendance record: who, why, and the values before and after."""

    __tablename__ = "webinar_attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinar_attendances.id", ondelete="CASCADE"), index=True
    )
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    before: Mapped[dict] = mapped_column(sa.JSON)
    after: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()


class ChatMessage(db.Model):
    __tablename__ = "webinar_chat_messages"
    __table_args__ = (sa.Index("ix_webinar_chat_messages_page", "webinar_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Plain text (lms.content.plain_text at write time); always escaped when shown.
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class WebinarMute(db.Model):
    """A participant a moderator has silenced in this webinar's chat and Q&A."""

    __tablename__ = "webinar_mutes"

    webinar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinars.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(db.Model):
    __tablename__ = "webinar_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(sa.Text)
    # Rendered by lms.content.render_markdown at write time.
    body_html: Mapped[str] = mapped_column(sa.Text)
    votes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class QuestionVote(db.Model):
    __tablename__ = "webinar_question_votes"

    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinar_questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class PollStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Poll(db.Model):
    __tablename__ = "webinar_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(sa.ForeignKey("webinars.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[PollStatus] = mapped_column(
        enum_column(PollStatus, "poll_status", 10),
        default=PollStatus.DRAFT,
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class PollOption(db.Model):
    __tablename__ = "webinar_poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("webinar_polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(200))


class PollVote(db.Model):
    __tablename__ = "webinar_poll_votes"

    poll_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinar_polls.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webinar_poll_options.id", ondelete="CASCADE"), index=True
    )
