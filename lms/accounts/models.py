"""Users, roles, agencies (instansi) and their unit trees (unit kerja)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..core.columns import UTCDateTime, enum_column
from ..extensions import db
from .nip import EmployeeType


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    AGENCY_ADMIN = "agency_admin"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.LEARNER: _l("Peserta"),
    Role.TRAINER: _l("Pengajar"),
    Role.AGENCY_ADMIN: _l("Admin instansi"),
    Role.ADMIN: _l("Administrator"),
}


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(32), default="Asia/Jakarta")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(
        back_populates="agency", order_by="Unit.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))

    agency: Mapped[Agency] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "role", 20),
        primary_key=True,
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    employee_type: Mapped[EmployeeType | None] = mapped_column(enum_column(EmployeeType, "employee_type", 10))
    name: Mapped[str] = mapped_column(sa.String(150))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    position_title: Mapped[str | None] = mapped_column(sa.String(200))
    supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    timezone: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(default=True)
    # A self-registered account proves its email address by a link, and its identity (that this
    # NIP is really this person) is confirmed by an agency admin or an HR import. Until then it
    # learns, but it is no supervisor, no team member, and absent from HR analytics and exports.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept by lms.notifications in the transaction that adds or reads a notice, so the bell on
    # every page reads it from the user already loaded, without a statement of its own.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    agency: Mapped[Agency | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    supervisor: Mapped[User | None] = relationship(remote_side=[id])
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.nip or self.email}>"

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        # The user of a live login session (sessions.load_user reads only active users) stays
        # authenticated for the rest of the request without reading `active` again: after a POST's
        # commit that read loaded the whole user once more, for the page's after-request hooks.
        return self.login_token is not None or self.is_active

    # The server-side login session this object was loaded with (or just started); set by
    # accounts.sessions, never stored on the user row.
    login_session = None  # sessions.LoginSession | None
    login_token = None  # str | None
    # The roles read with the user by that statement, as a set of their own; forgotten as soon as
    # `role_rows` changes (see the listener below), which then answers.
    login_roles = None  # frozenset[Role] | None
    # What features asked to load with the logged-in user (sessions.load_with_user), by name.
    loaded_with: dict = {}  # replaced per instance, never mutated

    def get_id(self) -> str | None:
        """What the session and remember cookies carry: "<user id>:<login session token>"."""
        if self.login_token is None:
            return None
        return f"{self.id}:{self.login_token}"

    @property
    def is_verified(self) -> bool:
        """An agency admin or an HR import confirmed who this person is."""
        return self.identity_verified_at is not None

    @property
    def roles(self) -> set[Role]:
        if self.login_roles is not None:
            return set(self.login_roles)
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def effective_timezone(self) -> str:
        if self.timezone:
            return self.timezone
        if self.agency is not None:
            return self.agency.timezone
        return "Asia/Jakarta"


@sa.event.listens_for(User.role_rows, "append")
@sa.event.listens_for(User.role_rows, "remove")
@sa.event.listens_for(User.role_rows, "bulk_replace")
def _forget_login_roles(user: User, *args) -> None:
    """A change of the roles in this request (an admin editing their own) wins over the roles
    read at login, which `User.roles` then stops answering from."""
    user.login_roles = None


class UserSession(db.Model):
    """One login (a browser or device): the session and remember cookies both name it.

    `id` is the SHA-256 of the random token in the cookies, so the table alone opens nothing.
    Ending it (logout, "end this session", password change or reset) makes both cookies useless
    at once, on every server process.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    RESET_PASSWORD = "reset"  # noqa: S105 - "Lupa kata sandi"
    SET_PASSWORD = "set"  # noqa: S105 - HR confirmed an identity: the person sets a first password
    CONFIRM_EMAIL = "email"  # a self-registered account proves its address


class AccountToken(db.Model):
    """A single-use link sent by mail. Only the SHA-256 of the token is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, "token_purpose", 10))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))  # where the link was sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """The HR audit log: every change to a competency (record), JP record, appraisal or position.

    Rows are never updated or deleted by the application. They outlive the people they are about
    (the user references are set to NULL, the snapshots keep the values). The table keeps the name
    it had when careers alone wrote it.
    """

    __tablename__ = "career_audit_log"
    __table_args__ = (
        sa.Index("ix_career_audit_log_entity", "entity", "entity_id"),
        sa.Index("ix_career_audit_log_subject_at", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(30))  # "competency_record", "appraisal", "jp_record"
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(20))  # "create", "update", "revoke", "respond", ...
    # The person the entity is about, and who changed it (None: the system, e.g. a course completion).
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
