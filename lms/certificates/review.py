"""Certificates issued before the course's rule counted every required item (issue 14).

A quiz marked required used to be left out of some rules, so some learners hold a certificate
although a quiz (or webinar) the course page calls required is not met. Nothing is revoked
silently: the trainer (per course) and HR (per agency) see the list and, per certificate, ask
the learner to finish (a mail) or revoke it through the usual `services.revoke`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..core.mail import send_mail
from ..courses import completion
from ..courses.completion import RequiredItem
from ..courses.models import Course, Enrolment
from ..extensions import db
from .models import Certificate, CertificateSource
from .services import CertificateError, can_revoke

logger = logging.getLogger(__name__)

REVIEW_LIMIT = 500


@dataclass
class ReviewRow:
    certificate: Certificate
    enrolment: Enrolment
    unmet: list[RequiredItem]


def to_review(*, course: Course | None = None, agency_id: int | None = None) -> list[ReviewRow]:
    """Unrevoked course certificates whose holder does not meet the course's rule today."""
    query = (
        sa.select(Certificate, Enrolment)
        .join(
            Enrolment,
            sa.and_(Certificate.source == CertificateSource.COURSE, Certificate.source_id == Enrolment.id),
        )
        .where(Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at, Certificate.id)
        .limit(REVIEW_LIMIT)
    )
    if course is not None:
        query = query.where(Enrolment.course_id == course.id)
    if agency_id is not None:
        holders = sa.select(User.id).where(User.agency_id == agency_id)
        query = query.where(sa.or_(Certificate.issuer_agency_id == agency_id, Enrolment.user_id.in_(holders)))
    rows = []
    for cert, enrolment in db.session.execute(query):
        if not completion.unmet_criteria(enrolment):
            continue
        items = completion.required_items([enrolment.course], enrolment.user_id)[enrolment.course_id]
        rows.append(ReviewRow(cert, enrolment, [item for item in items if not item.met]))
    return rows


def ask_to_finish(cert: Certificate, enrolment: Enrolment, course_url: str, *, by: User) -> None:
    """Mail the holder what the course still requires; the certificate stays valid."""
    if not can_revoke(by, cert):
        raise CertificateError(_l("Anda tidak memiliki hak untuk meninjau sertifikat ini."))
    person = enrolment.user
    if not person.email:
        raise CertificateError(_l("Peserta ini tidak memiliki alamat email."))
    items = completion.required_items([enrolment.course], enrolment.user_id)[enrolment.course_id]
    pending = "\n".join(f"- {item.kind}: {item.title}" for item in items if not item.met)
    body = _(
        'Yth. %(name)s,\n\nSertifikat %(number)s untuk kursus "%(course)s" terbit sebelum semua '
        "syarat kelulusan kursus dihitung. Mohon selesaikan yang masih wajib:\n%(pending)s\n\n"
        "Buka kursus: %(url)s\n\nTerima kasih.",
        name=person.name,
        number=cert.number,
        course=enrolment.course.title,
        pending=pending or "-",
        url=course_url,
    )
    send_mail(person.email, _("Mohon selesaikan kursus %(course)s", course=enrolment.course.title), body)
    logger.info("certificate %s: holder %s asked to finish by %s", cert.number, person.id, by.id)
