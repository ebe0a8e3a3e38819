"""Issuing, finding and revoking certificates; what other features (careers) read from them.

Services take plain arguments, `flush()` and never `commit()`. A certificate is issued at once
when a course is completed (the `course_completed` signal) or a webinar attended, exactly once
per source even under concurrent events: the unique constraint on (source, source_id) decides,
and the loser of a race returns the winner's certificate.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.agencies import can_manage_agency
from ..accounts.models import Agency, Role, User
from ..core.clock import utcnow
from ..core.domain import DomainError
from ..courses import services as course_services
from ..courses.models import Course, CourseCompetency, Enrolment
from ..extensions import db
from . import credential, numbers, signatories, signing
from .models import Certificate, CertificateSource
from .signals import certificate_issued, certificate_revoked

logger = logging.getLogger(__name__)

NUMBER_ATTEMPTS = 3


class CertificateError(DomainError):
    """A rule of certificates refused the action."""


# ---------------------------------------------------------------- URLs


def verify_url(number: str, base_url: str) -> str:
    """The public verification page of a certificate, under the site's public base URL."""
    return f"{base_url.rstrip('/')}/verify/{number}"


# ---------------------------------------------------------------- issuing


@dataclass
class Award:
    """What a certificate certifies, from whichever feature awards it."""

    source: CertificateSource
    source_id: int
    learner: User
    title: str
    jp: int
    completed_at: datetime
    competencies: list[dict] = field(default_factory=list)  # {"code", "name", "type", "level"}
    agency: Agency | None = None  # the issuing agency, if any
    course_id: int | None = None
    achievement_url: str | None = None


def certificate_for_source(source: CertificateSource, source_id: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.source == source, Certificate.source_id == source_id)
    )


def _build(award: Award, base_url: str) -> Certificate:
    learner = award.learner
    signer = signatories.signatory_of(award.agency)
    cert = Certificate(
        number=numbers.generate(),
        uuid=str(uuid.uuid4()),
        source=award.source,
        source_id=award.source_id,
        user_id=learner.id,
        course_id=award.course_id,
        issuer_agency_id=award.agency.id if award.agency else None,
        holder_name=learner.name,
        holder_nip=learner.nip,
        title=award.title,
        jp=award.jp,
        competencies=list(award.competencies),
        issuer_name=award.agency.name if award.agency else current_app.config["SITE_NAME"],
        signatory_name=signer.name if signer else None,
        signatory_position=signer.position if signer else None,
        timezone=learner.effective_timezone,
        completed_at=award.completed_at,
        issued_at=utcnow().replace(microsecond=0),
    )
    payload = credential.build(
        cert,
        base_url=base_url.rstrip("/"),
        achievement_url=award.achievement_url,
        site_name=current_app.config["SITE_NAME"],
    )
    cert.credential_jwt, cert.key_id = signing.sign(payload, base_url=base_url.rstrip("/"))
    return cert


def issue(award: Award, *, base_url: str) -> Certificate:
    """Issue the certificate of an award, or return the one already issued for the same source.
    `base_url` is the site's public address, signed into the credential (core.urls.public_base_url)."""
    existing = certificate_for_source(award.source, award.source_id)
    if existing is not None:
        return existing
    for _attempt in range(NUMBER_ATTEMPTS):
        cert = _build(award, base_url)
        try:
            with db.session.begin_nested():
                db.session.add(cert)
        except IntegrityError:
            # Either a concurrent event issued it first (return theirs) or, against odds of 2^-80,
            # the number was taken (draw another).
            existing = certificate_for_source(award.source, award.source_id)
            if existing is not None:
                return existing
            continue
        logger.info(
            "certificate %s issued to user %s for %s %s (%s JP)",
            cert.number,
            cert.user_id,
            award.source.value,
            award.source_id,
            award.jp,
        )
        certificate_issued.send(current_app._get_current_object(), certificate=cert)
        return cert
    raise RuntimeError("could not draw an unused certificate number")


def course_competencies(course: Course) -> list[dict]:
    awards = db.session.scalars(
        sa.select(CourseCompetency)
        .where(CourseCompetency.course_id == course.id)
        .options(selectinload(CourseCompetency.competency))
        .order_by(CourseCompetency.competency_id)
    )
    return [
        {
            "code": a.competency.code,
            "name": a.competency.name,
            "type": a.competency.type.value,
            "level": a.level,
        }
        for a in awards
    ]


def issue_for_enrolment(enrolment: Enrolment, *, base_url: str) -> Certificate:
    """The certificate of a completed course enrolment (issued now if it does not exist yet)."""
    if enrolment.completed_at is None:
        raise CertificateError(_l("Kursus ini belum selesai, sertifikat belum dapat diterbitkan."))
    course, learner = enrolment.course, enrolment.user
    agency = course.owner_agency or learner.agency
    return issue(
        Award(
            source=CertificateSource.COURSE,
            source_id=enrolment.id,
            learner=learner,
            title=course.title,
            jp=course.jp,
            completed_at=enrolment.completed_at,
            competencies=course_competencies(course),
            agency=agency,
            course_id=course.id,
            achievement_url=f"{base_url.rstrip('/')}/courses/{course.slug}",
        ),
        base_url=base_url,
    )


def webinar_competencies(webinar) -> list[dict]:
    """The snapshot of what a webinar awards: its own competencies (`webinar.competencies`, each
    with .competency and .level), never its course's: attending is not finishing the course."""
    awards = getattr(webinar, "competencies", None) or []
    return [
        {
            "code": a.competency.code,
            "name": a.competency.name,
            "type": a.competency.type.value,
            "level": a.level,
        }
        for a in awards
    ]


def issue_for_webinar(
    attendance_id: int,
    learner: User,
    *,
    title: str,
    jp: int,
    attended_at: datetime,
    competencies: list[dict] | None = None,
    agency: Agency | None = None,
    course: Course | None = None,
    webinar_url: str | None = None,
    base_url: str,
) -> Certificate:
    """The certificate of a webinar attendance (issued now if it does not exist yet).

    `competencies` are the webinar's (see webinar_competencies), none when not given. With
    `course`, the course's owner agency issues it unless `agency` is given.
    """
    if competencies is None:
        competencies = []
    if agency is None:
        agency = (course.owner_agency if course is not None else None) or learner.agency
    return issue(
        Award(
            source=CertificateSource.WEBINAR,
            source_id=attendance_id,
            learner=learner,
            title=title,
            jp=jp,
            completed_at=attended_at,
            competencies=competencies,
            agency=agency,
            course_id=course.id if course is not None else None,
            achievement_url=webinar_url,
        ),
        base_url=base_url,
    )


def missing_query() -> sa.Select:
    """The completed enrolments that have no certificate yet, oldest completion first."""
    return (
        sa.select(Enrolment)
        .where(Enrolment.completed_at.is_not(None))
        .where(
            ~sa.exists().where(
                Certificate.source == CertificateSource.COURSE, Certificate.source_id == Enrolment.id
            )
        )
        .order_by(Enrolment.completed_at, Enrolment.id)
    )


def issue_missing(*, base_url: str) -> list[Certificate]:
    """Issue the certificates of completed enrolments that have none (idempotent)."""
    missing = db.session.scalars(missing_query()).all()
    return [issue_for_enrolment(enrolment, base_url=base_url) for enrolment in missing]


# ---------------------------------------------------------------- finding


def by_number(number: str) -> Certificate | None:
    """The certificate with a canonical number (see numbers.normalise)."""
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == number))


def lookup(raw: str) -> tuple[str, Certificate | None]:
    """(canonical number, certificate or None) of a typed number; raise numbers.MalformedNumber."""
    number = numbers.normalise(raw)
    return number, by_number(number)


def mask_nip(nip: str | None) -> str:
    """The NIP as the public page shows it: birth year and the last four digits, e.g. 1985**********1001.

    A verifier compares eight digits with the printout; the full birth date, which is used to
    confirm identity elsewhere, is not shown to everyone who has the number.
    """
    if not nip:
        return ""
    if len(nip) < 10:
        return "*" * len(nip)
    return nip[:4] + "*" * (len(nip) - 8) + nip[-4:]


def certificates_of(user: User, *, include_revoked: bool = True) -> list[Certificate]:
    """Every certificate of a person, newest first (for the learner's page and the career profile)."""
    query = sa.select(Certificate).where(Certificate.user_id == user.id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def latest_certificates_query(limit: int = 3) -> sa.Select:
    """The `limit` newest certificates of the person `user_id` (a bind parameter) and their count:
    what the home page lists."""
    return (
        sa.select(
            Certificate.id,
            Certificate.number,
            Certificate.title,
            Certificate.issued_at,
            Certificate.timezone,
            Certificate.revoked_at.is_not(None).label("is_revoked"),
            sa.func.count().over().label("count"),
        )
        .where(Certificate.user_id == sa.bindparam("user_id"))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(limit)
    )


@dataclass(frozen=True)
class HomeCertificate:
    """A row of `latest_certificates_query`, with what the home page shows of it."""

    number: str
    title: str
    issued_on: date
    is_revoked: bool
    order: tuple

    @classmethod
    def of(cls, row: dict) -> HomeCertificate:
        issued_on = row["issued_at"].astimezone(ZoneInfo(row["timezone"])).date()
        return cls(row["number"], row["title"], issued_on, row["is_revoked"], (row["issued_at"], row["id"]))


def jp_by_year(user: User, certificates: list[Certificate] | None = None) -> dict[int, int]:
    """JP of a person's unrevoked certificates (courses and webinars) per calendar year of completion.

    The year is the one in the holder's time zone at issue. Careers should count JP from here
    rather than from enrolments, so webinar JP count too and nothing counts twice. Pass the
    person's `certificates_of(user)` when already loaded, to save the query.
    """
    totals: dict[int, int] = {}
    for cert in certificates if certificates is not None else certificates_of(user):
        if cert.is_revoked:
            continue
        year = cert.completed_on.year
        totals[year] = totals.get(year, 0) + cert.jp
    return dict(sorted(totals.items()))


def this_year(user: User) -> int:
    return datetime.now(ZoneInfo(user.effective_timezone)).year


# ---------------------------------------------------------------- permissions and revocation


def can_manage(actor: User, cert: Certificate) -> bool:
    """Admins manage every certificate; an agency admin those their agency issued."""
    if not actor.is_authenticated:
        return False
    if actor.is_admin:
        return True
    return cert.issuer_agency_id is not None and can_manage_agency(actor, cert.issuer_agency_id)


def can_download(actor: User, cert: Certificate) -> bool:
    return actor.is_authenticated and (cert.user_id == actor.id or can_manage(actor, cert))


def can_revoke(actor: User, cert: Certificate) -> bool:
    """Who manages the certificate, or the trainer who edits the course it was issued for."""
    if can_manage(actor, cert):
        return True
    course = db.session.get(Course, cert.course_id) if cert.course_id else None
    return course is not None and course_services.can_edit(actor, course)


def revoke(cert: Certificate, reason: str, *, by: User | None) -> Certificate:
    """Revoke a certificate with a reason (kept, with who and when); its signature stays valid."""
    if by is not None and not can_revoke(by, cert):
        raise CertificateError(_l("Anda tidak memiliki hak untuk mencabut sertifikat ini."))
    reason = " ".join((reason or "").split())
    if not 5 <= len(reason) <= 500:
        raise CertificateError(_l("Tuliskan alasan pencabutan (5 sampai 500 karakter)."), "reason")
    if cert.is_revoked:
        raise CertificateError(_l("Sertifikat ini sudah dicabut."))
    cert.revoked_at = datetime.now(UTC).replace(microsecond=0)
    cert.revoked_by_id = by.id if by else None
    cert.revocation_reason = reason
    db.session.flush()
    logger.warning("certificate %s revoked by %s: %s", cert.number, by.id if by else "operator", reason)
    certificate_revoked.send(current_app._get_current_object(), certificate=cert, by=by)
    return cert


def manage_query(actor: User, search: str = "") -> sa.Select:
    """The certificates an actor may manage, newest first, filtered by number, name or NIP."""
    query = sa.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if not actor.is_admin:
        if not actor.has_role(Role.AGENCY_ADMIN) or actor.agency_id is None:
            return query.where(sa.false())
        query = query.where(Certificate.issuer_agency_id == actor.agency_id)
    search = (search or "").strip()[:100]
    number, _message = numbers.try_normalise(search)
    if number:
        return query.where(Certificate.number == number)
    for word in search.split()[:5]:
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                sa.func.lower(Certificate.holder_name).like(pattern, escape="\\"),
                Certificate.holder_nip.like(pattern, escape="\\"),
                sa.func.lower(Certificate.title).like(pattern, escape="\\"),
            )
        )
    return query
