"""Learner pages: catalogue, course page, enrolment, lessons, media files, and unit assignment."""

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import agencies
from ..accounts.models import Role, Unit
from ..core.forms import choices, form_error
from ..core.home import register_home_panel
from ..core.reads import read_only
from ..extensions import db
from . import bp, learning, services
from .errors import CourseError
from .forms import AssignForm
from .media import STORED_NAME_PATTERN, uploads_dir
from .models import Media


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 6 else None


def course_or_404(slug: str, *, preview: bool = True):
    return visible_or_404(services.course_by_slug(slug), preview=preview)


def visible_or_404(course, *, preview: bool = True):
    if course is None or not (course.is_published or (preview and services.can_edit(current_user, course))):
        abort(404)
    return course


@bp.get("/")
@read_only
def catalogue():
    flt = learning.CatalogueFilter(
        search=request.args.get("q", "").strip()[:100],
        category=request.args.get("category", "")[:100],
        competency=request.args.get("competency", "")[:32],
        jp_min=_int_arg("jp_min"),
        jp_max=_int_arg("jp_max"),
    )
    page = learning.catalogue(flt, page=_int_arg("page") or 1)
    categories, competencies = learning.catalogue_filters()
    return render_template(
        "courses/catalogue.html",
        page=page,
        flt=flt,
        categories=categories,
        competencies=competencies,
    )


@bp.get("/<slug>")
@read_only
def detail(slug: str):
    if current_user.is_authenticated:
        course, enrolment = learning.course_and_enrolment(slug, current_user)
    else:
        course, enrolment = services.course_by_slug(slug), None
    visible_or_404(course)
    outline, done = learning.outline_and_done(course, enrolment)
    progress = learning.progress(enrolment, outline.lessons, done) if enrolment else None
    return render_template(
        "courses/detail.html",
        course=course,
        outline=outline,
        enrolment=enrolment,
        done=done,
        progress=progress,
        can_edit=services.can_edit(current_user, course),
        can_assign=current_user.is_authenticated and current_user.has_role(Role.ADMIN, Role.AGENCY_ADMIN),
    )


@bp.post("/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = course_or_404(slug, preview=False)
    try:
        learning.enrol(current_user, course)
    except CourseError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".detail", slug=slug))
    # Made before the commit, which expires the course and the user (the message's locale).
    message = _("Anda terdaftar di kursus %(title)s. Selamat belajar!", title=course.title)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".learn", slug=slug))


def _learning_context(slug: str, lesson_id: int | None = None, *, items: bool = False):
    """The course, the learner's enrolment (None in a trainer's preview), outline (with the
    required items if asked), done lessons and the lesson `lesson_id` with its body (404 unless
    it is in the outline), in one statement."""
    course, enrolment, outline, done, lesson = learning.course_outline(
        slug, current_user, lesson_id=lesson_id, items=items
    )
    visible_or_404(course)
    if enrolment is None and not services.can_edit(current_user, course):
        flash(_("Daftar ke kursus ini terlebih dahulu untuk mulai belajar."), "info")
        abort(redirect(url_for(".detail", slug=slug)))
    if lesson_id is not None and (lesson is None or outline.find(lesson_id) is None):
        abort(404)
    return course, enrolment, outline, done, lesson


@bp.get("/<slug>/learn")
@login_required
def learn(slug: str):
    course, _enrolment, outline, done, _lesson = _learning_context(slug)
    lesson = learning.continue_lesson(outline.lessons, done)
    if lesson is None:
        flash(_("Kursus ini belum memiliki pelajaran."), "info")
        return redirect(url_for(".detail", slug=slug))
    return redirect(url_for(".lesson", slug=slug, lesson_id=lesson.id))


@bp.get("/<slug>/learn/<int:lesson_id>")
@read_only
@login_required
def lesson(slug: str, lesson_id: int):
    course, enrolment, outline, done, current = _learning_context(slug, lesson_id, items=True)
    previous, following = outline.neighbours(outline.find(lesson_id))
    progress = learning.progress(enrolment, outline.lessons, done, outline.items) if enrolment else None
    return render_template(
        "courses/lesson.html",
        course=course,
        enrolment=enrolment,
        outline=outline,
        lesson=current,
        done=done,
        progress=progress,
        previous=previous,
        following=following,
    )


@bp.post("/<slug>/learn/<int:lesson_id>/done")
@login_required
def mark_done(slug: str, lesson_id: int):
    course, enrolment, _outline, _done, current = _learning_context(slug, lesson_id)
    if enrolment is None:
        flash(_("Pratinjau pengajar: kemajuan tidak dicatat."), "info")
        return redirect(url_for(".lesson", slug=slug, lesson_id=lesson_id))
    completed = learning.mark_lesson_done(enrolment, current)
    # Made before the commit, which expires the course and the user (the message's locale); the
    # redirects take the lesson from the URL.
    if completed:
        message = _("Selamat! Anda telah menyelesaikan kursus %(title)s.", title=course.title)
    else:
        message = _("Pelajaran ini ditandai selesai.")
    db.session.commit()
    flash(message, "success")
    if completed:
        return redirect(url_for(".detail", slug=slug))
    # Stay on the lesson and say so: the learner moves on when ready ("Lanjut ke pelajaran berikutnya").
    return redirect(url_for(".lesson", slug=slug, lesson_id=lesson_id))


@bp.get("/media/<name>")
@login_required
def media(name: str):
    if not STORED_NAME_PATTERN.match(name):
        abort(404)
    item = db.session.scalar(db.select(Media).where(Media.stored_name == name))
    if item is None or not (item.course.is_published or services.can_edit(current_user, item.course)):
        abort(404)
    response = send_from_directory(
        uploads_dir(),
        item.stored_name,
        mimetype=item.content_type,
        as_attachment=item.kind == "document",
        download_name=item.original_name,
        max_age=86400,
    )
    response.cache_control.private = True
    response.cache_control.public = False
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own (not as <img>), a file can never run script or be framed.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/<slug>/assign", methods=["GET", "POST"])
@login_required
def assign(slug: str):
    if not current_user.has_role(Role.ADMIN, Role.AGENCY_ADMIN):
        abort(403)
    course = course_or_404(slug, preview=False)
    form = AssignForm()
    form.unit_id.choices = choices(
        [("", _("Pilih unit kerja"))]
        + [
            (unit.id, f"{agency.code} · " + "\u00a0\u00a0" * depth + unit.name)
            for agency in agencies.agencies_for(current_user)
            for unit, depth in agencies.unit_tree(agency.id)
        ]
    )
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            if unit is None:
                raise CourseError(_("Unit kerja tidak ditemukan."), "unit_id")
            result = learning.assign_to_unit(course, unit, form.due_date.data, by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "%(new)d pegawai didaftarkan, %(updated)d tenggat diperbarui, %(same)d tidak berubah.",
                    new=result.enrolled,
                    updated=result.updated,
                    same=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for(".detail", slug=slug))
    return render_template("courses/assign.html", course=course, form=form)


def learner_panel(user, rows):
    return "courses/_home_panel.html", {"summary": learning.summary_of(rows, user.id)}


register_home_panel(
    learner_panel, order=20, reads=learning.summary_rows, params=lambda user: {"user_id": user.id}
)
