"""Trainer pages: my courses, course settings, modules, lessons with preview, media, publish, bundles."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import roles_required
from ..accounts.models import Role
from ..competencies.services import available_competencies
from ..core.forms import choices, form_error
from ..core.uploads import upload_limit
from ..extensions import db
from . import bundles, completion, learning, services
from . import manage_bp as bp
from .bundle_io import BundleInvalid, read_zip, zip_bytes
from .errors import CourseError
from .forms import BundleForm, LessonForm, MediaForm, ModuleForm, course_form
from .models import Course, Lesson, Media, Module

AUTHORS = (Role.TRAINER, Role.ADMIN)


def editable(model, object_id: int):
    """Load an object of a course the current user may edit; 404 if missing, 403 if not theirs."""
    obj = db.get_or_404(model, object_id)
    course = obj if isinstance(obj, Course) else obj.course
    if not services.can_edit(current_user, course):
        abort(403)
    return obj


def _course_form(course=None):
    competencies = available_competencies(current_user.agency_id)
    form = course_form(competencies, completion.criteria(), obj=course)
    if course is not None and request.method == "GET":
        levels = {cc.competency_id: cc.level for cc in course.competencies}
        for competency in competencies:
            getattr(form, f"comp_{competency.code}").data = str(levels.get(competency.id, ""))
        rule = course.completion_rule or {}
        for criterion in completion.criteria():
            getattr(form, f"rule_{criterion.name}").data = rule.get(criterion.name, "")
    return form, competencies


def _course_data(form, competencies) -> services.CourseData:
    return services.CourseData(
        title=form.title.data,
        summary=form.summary.data or "",
        category=form.category.data or "",
        jp=form.jp.data or 0,
        competencies=[
            (c.code, int(getattr(form, f"comp_{c.code}").data))
            for c in competencies
            if (getattr(form, f"comp_{c.code}").data or "").isdigit()
        ],
        completion_rule={c.name: getattr(form, f"rule_{c.name}").data for c in completion.criteria()},
    )


@bp.get("/")
@roles_required(*AUTHORS)
def index():
    return render_template("courses/manage/index.html", courses=services.courses_for_editor(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new():
    form, competencies = _course_form()
    if form.validate_on_submit():
        try:
            course = services.create_course(_course_data(form, competencies), by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Kursus dibuat. Tambahkan modul dan pelajaran."), "success")
            return redirect(url_for(".outline", course_id=course.id))
    return render_template(
        "courses/manage/course_form.html", form=form, competencies=competencies, course=None
    )


@bp.route("/<int:course_id>/settings", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def settings(course_id: int):
    course = editable(Course, course_id)
    form, competencies = _course_form(course)
    if form.validate_on_submit():
        try:
            services.update_course(course, _course_data(form, competencies), by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pengaturan kursus disimpan."), "success")
            return redirect(url_for(".outline", course_id=course.id))
    return render_template(
        "courses/manage/course_form.html", form=form, competencies=competencies, course=course
    )


@bp.route("/<int:course_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def outline(course_id: int):
    course = editable(Course, course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            services.add_module(course, form.title.data, form.summary.data, by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Modul ditambahkan."), "success")
            return redirect(url_for(".outline", course_id=course.id))
    return render_template(
        "courses/manage/outline.html", course=course, form=form, outline=learning.outline(course)
    )


@bp.post("/<int:course_id>/publish")
@roles_required(*AUTHORS)
def publish(course_id: int):
    course = editable(Course, course_id)
    try:
        services.publish(course, by=current_user)
    except CourseError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Kursus diterbitkan (versi %(v)d).", v=course.version), "success")
    return redirect(url_for(".outline", course_id=course.id))


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def module(module_id: int):
    item = editable(Module, module_id)
    form = ModuleForm(obj=item)
    if form.validate_on_submit():
        try:
            services.update_module(item, form.title.data, form.summary.data, by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for(".outline", course_id=item.course_id))
    return render_template("courses/manage/module_form.html", module=item, form=form)


@bp.post("/modules/<int:module_id>/move")
@roles_required(*AUTHORS)
def move_module(module_id: int):
    item = editable(Module, module_id)
    services.move_module(item, -1 if request.form.get("direction") == "up" else 1, by=current_user)
    db.session.commit()
    return redirect(url_for(".outline", course_id=item.course_id))


def _lesson_form(course, lesson=None):
    form = LessonForm(obj=lesson)
    form.video_media_id.choices = choices(
        [("", _("Tidak ada"))] + [(m.id, m.original_name) for m in course.media if m.kind == "video"]
    )
    return form


def _lesson_data(form) -> services.LessonData:
    return services.LessonData(
        title=form.title.data,
        body_md=form.body_md.data or "",
        required=form.required.data,
        duration_minutes=form.duration_minutes.data or 0,
        video_url=form.video_url.data,
        video_media_id=form.video_media_id.data,
    )


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_lesson(module_id: int):
    item = editable(Module, module_id)
    form = _lesson_form(item.course)
    preview = services.preview(item.course, form.body_md.data or "") if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        try:
            services.add_lesson(item, _lesson_data(form), by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pelajaran ditambahkan."), "success")
            return redirect(url_for(".outline", course_id=item.course_id))
    return render_template(
        "courses/manage/lesson_form.html",
        course=item.course,
        module=item,
        lesson=None,
        form=form,
        preview=preview,
    )


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def lesson(lesson_id: int):
    item = editable(Lesson, lesson_id)
    form = _lesson_form(item.course, item)
    preview = services.preview(item.course, form.body_md.data or "") if "preview" in request.form else None
    if preview is None and form.validate_on_submit():
        try:
            services.update_lesson(item, _lesson_data(form), by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pelajaran disimpan."), "success")
            return redirect(url_for(".outline", course_id=item.course_id))
    return render_template(
        "courses/manage/lesson_form.html",
        course=item.course,
        module=item.module,
        lesson=item,
        form=form,
        preview=preview,
    )


@bp.post("/lessons/<int:lesson_id>/move")
@roles_required(*AUTHORS)
def move_lesson(lesson_id: int):
    item = editable(Lesson, lesson_id)
    services.move_lesson(item, -1 if request.form.get("direction") == "up" else 1, by=current_user)
    db.session.commit()
    return redirect(url_for(".outline", course_id=item.course_id))


@bp.post("/lessons/<int:lesson_id>/delete")
@roles_required(*AUTHORS)
def delete_lesson(lesson_id: int):
    item = editable(Lesson, lesson_id)
    course_id = item.course_id
    services.remove_lesson(item, by=current_user)
    db.session.commit()
    flash(_("Pelajaran dihapus. Catatan peserta yang sudah menyelesaikannya tetap tersimpan."), "success")
    return redirect(url_for(".outline", course_id=course_id))


@bp.route("/<int:course_id>/media", methods=["GET", "POST"])
@upload_limit("COURSE_MEDIA_MAX_BYTES", extra=64 * 1024)
@roles_required(*AUTHORS)
def media(course_id: int):
    course = editable(Course, course_id)
    form = MediaForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            item = services.upload_media(course, upload.filename or "", upload.read(), by=current_user)
        except CourseError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Berkas %(name)s diunggah.", name=item.original_name), "success")
            return redirect(url_for(".media", course_id=course.id))
    status = 422 if form.errors else 200
    return render_template("courses/manage/media.html", course=course, form=form), status


@bp.post("/media/<int:media_id>/delete")
@roles_required(*AUTHORS)
def delete_media(media_id: int):
    item = editable(Media, media_id)
    course_id = item.course_id
    services.remove_media(item, by=current_user)
    db.session.commit()
    flash(_("Berkas dihapus."), "success")
    return redirect(url_for(".media", course_id=course_id))


@bp.route("/import", methods=["GET", "POST"])
@upload_limit("COURSE_BUNDLE_MAX_UPLOAD", extra=64 * 1024)
@roles_required(*AUTHORS)
def import_bundle():
    form = BundleForm()
    problems, warnings = [], []
    if form.validate_on_submit():
        try:
            result = bundles.import_files(
                read_zip(form.file.data.read()), by=current_user, publish=form.publish.data
            )
        except BundleInvalid as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            db.session.commit()
            warnings = result.warnings
            flash(_("Kursus %(title)s berhasil diimpor.", title=result.course.title), "success")
            if not warnings:
                return redirect(url_for(".outline", course_id=result.course.id))
    return render_template(
        "courses/manage/import.html", form=form, problems=problems, warnings=warnings
    ), 422 if problems else 200


@bp.get("/<int:course_id>/export.zip")
@roles_required(*AUTHORS)
def export_bundle(course_id: int):
    course = editable(Course, course_id)
    return Response(
        zip_bytes(bundles.export_bundle(course)),
        mimetype="application/zip",
        headers={"Content-Disposition": f"attachment; filename={course.slug}.zip"},
    )
