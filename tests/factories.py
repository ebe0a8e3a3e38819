"""Test data builders. Each returns committed objects usable after their session closed."""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from datetime import date

import sqlalchemy as sa
from flask import has_app_context

from lms.accounts import agencies, services
from lms.accounts.models import Agency, Role, User
from lms.extensions import db

PASSWORD = "rahasia-uji-123"
_seq = itertools.count(1)


def make_nip(*, birth=date(1990, 5, 17), appointed=(2015, 3), gender=1, seq=None) -> str:
    """A structurally valid NIP; seq defaults to a fresh number so NIPs do not collide."""
    seq = seq if seq is not None else next(_seq) % 1000 or 1
    year, month = appointed
    return f"{birth:%Y%m%d}{year:04d}{month:02d}{gender}{seq:03d}"


def make_pppk(*, birth=date(1994, 2, 14), year=2022, gender=2, seq=None) -> str:
    seq = seq if seq is not None else next(_seq) % 1000 or 1
    return f"{birth:%Y%m%d}{year:04d}21{gender}{seq:03d}"


def unique_nip() -> str:
    n = next(_seq)
    return make_nip(birth=date(1960 + n % 30, 1 + n % 12, 1 + n % 28), seq=n % 999 + 1)


def agency(code=None, name="Badan Uji Coba", timezone="Asia/Jakarta", units=("UMUM", "KEU")):
    code = code or f"AG{next(_seq)}"
    created = agencies.create_agency(code, name, timezone, by=None)
    for unit_code in units:
        agencies.add_unit(created, unit_code, f"Bagian {unit_code.title()}", None, by=None)
    return created


def user(agency=None, roles=(Role.LEARNER,), password=PASSWORD, unit=None, **over):
    unit = unit or (agency.units[0] if agency is not None and agency.units else None)
    data = services.NewUser(
        nip=over.pop("nip", None) or unique_nip(),
        name=over.pop("name", "Pegawai Uji"),
        email=over.pop("email", None) or f"user{next(_seq)}@uji.go.id",
        password=password,
        unit_id=unit.id if unit else None,
        agency_id=agency.id if agency else None,
        roles=tuple(roles),
        **over,
    )
    return services.create_user(data)


def bind(app, builder):
    """Run a builder in the current app context, or in a short one of its own, and commit."""

    def build(*args, **kwargs):
        with nullcontext() if has_app_context() else app.app_context():
            obj = builder(*args, **kwargs)
            db.session.commit()
            # Load what templates and tests commonly touch before the session may close.
            for attr in ("units", "role_rows", "agency", "unit"):
                getattr(obj, attr, None)
            return obj

    return build


# ---------------------------------------------------------------- courses


def course(
    by=None,
    title="Kursus Uji",
    modules=2,
    lessons=2,
    publish=True,
    jp=2,
    competencies=(("KOM", 2),),
    category="Umum",
    summary="Ringkasan kursus uji.",
    **over,
):
    """A course with `modules` modules of `lessons` lessons each, published unless told not to."""
    from lms.courses import services as course_services

    created = course_services.create_course(
        course_services.CourseData(
            title=title,
            summary=summary,
            category=category,
            jp=jp,
            competencies=list(competencies),
            **over,
        ),
        by=by,
    )
    for m in range(1, modules + 1):
        module = course_services.add_module(created, f"Modul {m}", by=by)
        for n in range(1, lessons + 1):
            course_services.add_lesson(
                module,
                course_services.LessonData(
                    title=f"Pelajaran {m}.{n}",
                    body_md=f"Isi pelajaran **{m}.{n}**.",
                    duration_minutes=10,
                ),
                by=by,
            )
    if publish:
        course_services.publish(created, by=by)
    for module in created.modules:
        list(module.lessons)
    list(created.competencies)
    return created


def png(width=4, height=3) -> bytes:
    """A valid PNG image of the given size."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---------------------------------------------------------------- webinars


def webinar(host, *, starts_at=None, minutes=60, jp=2, threshold=80, video_url="", competencies=(), **over):
    """A webinar hosted by `host`; by default it started 10 minutes ago and lasts an hour.
    `competencies` are (code, level) pairs it awards to the people present."""
    from datetime import UTC, datetime, timedelta

    from lms.competencies.services import competencies_by_code
    from lms.webinars.models import Webinar, WebinarCompetency

    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    created = Webinar(
        title=over.pop("title", "Webinar Uji"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        timezone=over.pop("timezone", "Asia/Jakarta"),
        jp=jp,
        present_threshold=threshold,
        video_url=video_url,
        host_id=host.id,
        **over,
    )
    known = competencies_by_code(code for code, _level in competencies)
    created.competencies = [
        WebinarCompetency(competency_id=known[code].id, level=level) for code, level in competencies
    ]
    db.session.add(created)
    db.session.flush()
    return created


def registration(webinar, user):
    from lms.webinars.models import Registration

    created = Registration(webinar_id=webinar.id, user_id=user.id)
    db.session.add(created)
    db.session.flush()
    return created


def delete_course(course_id: int) -> None:
    """Delete a committed course and everything under it (tests that commit for real clean up
    this way): the database cascades to its modules, lessons, enrolments and their lesson
    completions (both of a completion's keys cascade since migration 0024, so the order in which
    PostgreSQL fires the cascades no longer matters)."""
    from lms.courses.models import Course

    db.session.execute(sa.delete(Course).where(Course.id == course_id))


def delete_committed(ids: dict) -> None:
    """Delete what a test committed for real: `ids["course"]` (see delete_course), then the users
    `ids["users"]` and the agency `ids["agency"]`."""
    delete_course(ids["course"])
    db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
    db.session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
