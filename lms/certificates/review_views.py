"""Pages of the certificates to review: per course for its trainer, per agency for HR."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.access import roles_required
from ..accounts.models import Role
from ..core.home import register_panel
from ..core.urls import public_base_url
from ..courses import services as course_services
from ..courses.models import Course, Enrolment
from ..extensions import db
from . import bp, review, services
from .models import CertificateSource


@bp.get("/certificates/review")
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
def review_agency():
    agency_id = None if current_user.is_admin else current_user.agency_id
    if agency_id is None and not current_user.is_admin:
        abort(403)
    rows = review.to_review(agency_id=agency_id)
    return render_template("certificates/review.html", rows=rows, course=None)


@bp.get("/certificates/review/course/<int:course_id>")
@login_required
def review_course(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not (course_services.can_edit(current_user, course) or current_user.has_role(Role.ADMIN)):
        abort(403)
    return render_template("certificates/review.html", rows=review.to_review(course=course), course=course)


def _reviewable(code: str):
    cert = services.by_number(code) or abort(404)
    if cert.source != CertificateSource.COURSE or not services.can_revoke(current_user, cert):
        abort(403)
    return cert, db.get_or_404(Enrolment, cert.source_id)


def _back(enrolment):
    if request.form.get("back") == "course":
        return redirect(url_for(".review_course", course_id=enrolment.course_id))
    return redirect(url_for(".review_agency"))


@bp.post("/certificates/review/<code>/remind")
@login_required
def review_remind(code: str):
    cert, enrolment = _reviewable(code)
    course_url = public_base_url() + url_for("courses.detail", slug=enrolment.course.slug)
    try:
        review.ask_to_finish(cert, enrolment, course_url, by=current_user)
    except services.CertificateError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Permintaan menyelesaikan kursus dikirim ke %(name)s.", name=enrolment.user.name), "success")
    return _back(enrolment)


@bp.post("/certificates/review/<code>/revoke")
@login_required
def review_revoke(code: str):
    cert, enrolment = _reviewable(code)
    try:
        services.revoke(cert, request.form.get("reason", ""), by=current_user)
    except services.CertificateError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Sertifikat %(number)s telah dicabut.", number=cert.number), "success")
    return _back(enrolment)


def review_link(course):
    return "certificates/_review_link.html", {"course": course}


register_panel("course_manage", review_link, order=60)
