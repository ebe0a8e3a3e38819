"""Trainer pages: banks, import/export, the question editor, quiz settings, results, item analysis,
essay grading, overrides, reopening and regrading. Only who may edit the course gets in (403)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import roles_required
from ..accounts.models import Role
from ..core import tabular
from ..core.clock import as_utc
from ..core.forms import choices, form_error
from ..core.uploads import upload_limit
from ..courses.models import Course
from ..extensions import db
from . import analysis, corrections, formats, forms, manage_bp, services
from .errors import QuizError
from .models import Attempt, AttemptItem, Question, QuestionBank, QuestionType, Quiz, QuizAudit

AUTHORS = (Role.TRAINER, Role.ADMIN)
bp = manage_bp


def managed(model, object_id: int):
    """Load a bank/question/quiz/attempt (or course) the current user may manage; 404 or 403."""
    obj = db.get_or_404(model, object_id)
    course = {
        Course: lambda o: o,
        QuestionBank: lambda o: o.course,
        Question: lambda o: o.bank.course,
        Quiz: lambda o: o.course,
        Attempt: lambda o: o.quiz.course,
    }[model](obj)
    if not services.can_manage(current_user, course):
        abort(403)
    return obj


# ---------------------------------------------------------------- overview and banks


@bp.route("/<int:course_id>/quizzes", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def course_quizzes(course_id: int):
    course = managed(Course, course_id)
    form = forms.BankForm()
    if form.validate_on_submit():
        try:
            bank = services.create_bank(course, form.name.data, by=current_user)
        except QuizError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for(".bank", bank_id=bank.id))
    services.default_bank(course)
    db.session.commit()
    return render_template(
        "quizzes/manage/course.html",
        course=course,
        form=form,
        banks=services.banks_of(course),
        quizzes=services.quizzes_of(course),
        categories=services.categories_of(course),
    )


@bp.get("/banks/<int:bank_id>")
@roles_required(*AUTHORS)
def bank(bank_id: int):
    item = managed(QuestionBank, bank_id)
    return render_template(
        "quizzes/manage/bank.html",
        bank=item,
        course=item.course,
        questions=services.questions_of(item),
        form=forms.ImportForm(),
        types=list(QuestionType),
        problems=[],
    )


@bp.post("/banks/<int:bank_id>/import")
@upload_limit("QUIZ_IMPORT_MAX_BYTES", extra=64 * 1024)
@roles_required(*AUTHORS)
def import_questions(bank_id: int):
    item = managed(QuestionBank, bank_id)
    form = forms.ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            summary = services.import_questions(
                item, form.file.data.read(), form.format.data or None, by=current_user
            )
        except formats.ImportInvalid as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            db.session.commit()
            flash(
                _("%(n)d soal diimpor: %(detail)s", n=summary.total, detail=", ".join(summary.lines())),
                "success",
            )
            for line in summary.note_lines()[:50]:
                flash(_("Disesuaikan: %(note)s", note=line), "info")
            return redirect(url_for(".bank", bank_id=item.id))
    return render_template(
        "quizzes/manage/bank.html",
        bank=item,
        course=item.course,
        questions=services.questions_of(item),
        form=form,
        types=list(QuestionType),
        problems=problems,
    ), 422


@bp.get("/banks/<int:bank_id>/export.<fmt>")
@roles_required(*AUTHORS)
def export_questions(bank_id: int, fmt: str):
    item = managed(QuestionBank, bank_id)
    extension = {"gift": "gift", "xml": "xml", "aiken": "txt"}.get(fmt) or abort(404)
    text, skipped = services.export_questions(services.questions_of(item), fmt)
    headers = {"Content-Disposition": f"attachment; filename={item.course.slug}-{item.id}.{extension}"}
    if skipped:
        headers["X-Skipped-Questions"] = str(skipped)
    mimetype = "application/xml" if fmt == "xml" else "text/plain"
    return Response(text, mimetype=mimetype, headers=headers)


# ---------------------------------------------------------------- the question editor


def _editor(bank_, qtype: QuestionType, question=None):
    form = forms.QuestionForm(obj=question)
    form.category_id.choices = choices(
        [("", _("Pilih kategori"))] + [(cat.id, cat.name) for cat in bank_.categories]
    )
    if question is not None and request.method == "GET":
        data = question.data
        if qtype == QuestionType.TRUEFALSE:
            form.correct.data = "true" if data["correct"] else "false"
            form.feedback_true.data, form.feedback_false.data = data["feedback_true"], data["feedback_false"]
        form.case_sensitive.data = data.get("case_sensitive", False)
        form.wrong_feedback.data = data.get("wrong_feedback", "")
    if form.validate_on_submit():
        spec = forms.question_spec(form, qtype, request.form)
        try:
            category_id = form.category_id.data
            if form.new_category.data:
                category_id = services.category(bank_, form.new_category.data).id
            if category_id is None:
                raise QuizError(_("Pilih kategori atau tulis kategori baru."), "category_id")
            if question is None:
                services.add_question(bank_, spec, by=current_user, category_id=category_id)
            else:
                services.update_question(question, spec, by=current_user, category_id=category_id)
        except QuizError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Soal disimpan."), "success")
            return redirect(url_for(".bank", bank_id=bank_.id))
    data = (
        question.data
        if question is not None and request.method == "GET"
        else forms.question_spec(form, qtype, request.form).data
        if request.method == "POST"
        else {}
    )
    return render_template(
        "quizzes/manage/question.html",
        bank=bank_,
        course=bank_.course,
        form=form,
        qtype=qtype,
        question=question,
        rows=forms.editor_rows(qtype, data),
    )


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_question(bank_id: int):
    item = managed(QuestionBank, bank_id)
    try:
        qtype = QuestionType(request.args.get("type", "single"))
    except ValueError:
        abort(404)
    return _editor(item, qtype)


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question(question_id: int):
    item = managed(Question, question_id)
    if item.deleted_at is not None:
        abort(404)
    return _editor(item.bank, item.qtype, item)


@bp.post("/questions/<int:question_id>/delete")
@roles_required(*AUTHORS)
def delete_question(question_id: int):
    item = managed(Question, question_id)
    services.delete_question(item, by=current_user)
    db.session.commit()
    flash(_("Soal dihapus. Percobaan yang sudah ada tidak berubah."), "success")
    return redirect(url_for(".bank", bank_id=item.bank_id))


# ---------------------------------------------------------------- quiz settings


def _quiz_form(course, quiz=None):
    form = forms.QuizForm(obj=quiz)
    form.module_id.choices = choices(
        [("", _("Tanpa modul"))] + [(m.id, m.title) for m in course.active_modules]
    )
    if quiz is not None and request.method == "GET":
        for name in ("grading_method", "layout", "show_score", "show_feedback", "show_answers"):
            getattr(form, name).data = getattr(quiz, name).value
        zone = current_user.effective_timezone
        for name in ("opens_at", "closes_at"):
            value = as_utc(getattr(quiz, name))
            getattr(form, name).data = (
                value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None
            )
    return form


def _sources(course) -> tuple[list[tuple[int, int | None]], dict[int, str]]:
    sources, raw = [], {}
    for cat, _count in services.categories_of(course):
        value = request.form.get(f"src-{cat.id}", "").strip()
        raw[cat.id] = value
        if value == "all":
            sources.append((cat.id, None))
        elif value.isdigit() and int(value) > 0:
            sources.append((cat.id, int(value)))
    return sources, raw


def _quiz_data(form, course) -> services.QuizData:
    opens, closes = form.local_times(current_user.effective_timezone)
    sources, _raw = _sources(course)
    return services.QuizData(
        title=form.title.data,
        description=form.description.data or "",
        module_id=form.module_id.data,
        published=form.published.data,
        required=form.required.data,
        time_limit_minutes=form.time_limit_minutes.data,
        practice=form.practice.data,
        opens_at=opens,
        closes_at=closes,
        max_attempts=form.max_attempts.data,
        pass_mark=float(form.pass_mark.data if form.pass_mark.data is not None else -1),
        grading_method=form.grading_method.data,
        layout=form.layout.data,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        show_score=form.show_score.data,
        show_feedback=form.show_feedback.data,
        show_answers=form.show_answers.data,
        sources=sources,
    )


def _settings_page(course, quiz, form):
    current = (
        {s.category_id: ("all" if s.count is None else str(s.count)) for s in quiz.sources} if quiz else {}
    )
    if request.method == "POST":
        current = _sources(course)[1]
    return render_template(
        "quizzes/manage/quiz_form.html",
        course=course,
        quiz=quiz,
        form=form,
        categories=services.categories_of(course),
        current=current,
    )


def _rule_notice(rule_before: dict, course) -> None:
    if rule_before.get("quizzes") != (course.completion_rule or {}).get("quizzes"):
        flash(
            _(
                "Kuis wajib kini menjadi syarat kelulusan kursus: peserta harus lulus kuis ini "
                "untuk menyelesaikan kursus dan mendapat sertifikat."
            ),
            "info",
        )


@bp.route("/<int:course_id>/quizzes/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_quiz(course_id: int):
    course = managed(Course, course_id)
    form = _quiz_form(course)
    if form.validate_on_submit():
        try:
            rule_before = dict(course.completion_rule or {})
            quiz = services.create_quiz(course, _quiz_data(form, course), by=current_user)
        except QuizError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Kuis dibuat."), "success")
            _rule_notice(rule_before, course)
            return redirect(url_for(".quiz", quiz_id=quiz.id))
    return _settings_page(course, None, form)


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quiz(quiz_id: int):
    item = managed(Quiz, quiz_id)
    form = _quiz_form(item.course, item)
    if form.validate_on_submit():
        try:
            rule_before = dict(item.course.completion_rule or {})
            services.update_quiz(item, _quiz_data(form, item.course), by=current_user)
        except QuizError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pengaturan kuis disimpan."), "success")
            _rule_notice(rule_before, item.course)
            return redirect(url_for(".quiz", quiz_id=item.id))
    return _settings_page(item.course, item, form)


# ---------------------------------------------------------------- results and analysis


@bp.get("/quizzes/<int:quiz_id>/results")
@roles_required(*AUTHORS)
def results(quiz_id: int):
    item = managed(Quiz, quiz_id)
    log = db.session.scalars(
        sa.select(QuizAudit).where(QuizAudit.quiz_id == item.id).order_by(QuizAudit.id.desc()).limit(50)
    ).all()
    return render_template(
        "quizzes/manage/results.html",
        quiz=item,
        course=item.course,
        rows=analysis.results(item),
        log=log,
        regrade=forms.RegradeForm(),
    )


@bp.get("/quizzes/<int:quiz_id>/results.csv")
@roles_required(*AUTHORS)
def results_csv(quiz_id: int):
    item = managed(Quiz, quiz_id)
    chunks = tabular.csv_chunks(analysis.RESULTS_HEADER, analysis.results_rows(item), delimiter=",")
    return tabular.download(f"hasil-kuis-{item.id}.csv", chunks)


@bp.get("/quizzes/<int:quiz_id>/analysis")
@roles_required(*AUTHORS)
def item_analysis(quiz_id: int):
    item = managed(Quiz, quiz_id)
    return render_template(
        "quizzes/manage/analysis.html", quiz=item, course=item.course, stats=analysis.item_analysis(item)
    )


@bp.get("/quizzes/<int:quiz_id>/grading")
@roles_required(*AUTHORS)
def grading_queue(quiz_id: int):
    item = managed(Quiz, quiz_id)
    return render_template(
        "quizzes/manage/grading.html",
        quiz=item,
        course=item.course,
        items=analysis.grading_queue(item),
        form=forms.GradeForm(),
    )


@bp.post("/quizzes/<int:quiz_id>/regrade")
@roles_required(*AUTHORS)
def regrade(quiz_id: int):
    item = managed(Quiz, quiz_id)
    form = forms.RegradeForm()
    try:
        if not form.validate_on_submit():
            raise QuizError(_("Tuliskan alasannya (minimal 3 karakter)."))
        summary = corrections.regrade_quiz(item, reason=form.reason.data, by=current_user)
    except QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(n)d percobaan dinilai ulang; %(c)d nilainya berubah.",
                n=summary.attempts,
                c=summary.changed,
            ),
            "success",
        )
    return redirect(url_for(".results", quiz_id=item.id))


# ---------------------------------------------------------------- one attempt: grade, reopen


@bp.get("/attempts/<int:attempt_id>")
@roles_required(*AUTHORS)
def attempt(attempt_id: int):
    item = managed(Attempt, attempt_id)
    return redirect(url_for("quizzes.review", attempt_id=item.id))


@bp.post("/attempts/<int:attempt_id>/grade")
@roles_required(*AUTHORS)
def grade_item(attempt_id: int):
    item = managed(Attempt, attempt_id)
    form = forms.GradeForm()
    answer = db.session.get(AttemptItem, form.item_id.data or 0)
    try:
        if answer is None or answer.attempt_id != item.id or not form.validate_on_submit():
            raise QuizError(_("Isi nilai dengan angka."))
        corrections.grade_item_manually(answer, form.number(), form.comment.data or "", by=current_user)
    except QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Nilai disimpan."), "success")
    return redirect(url_for(".grading_queue", quiz_id=item.quiz_id))


@bp.post("/attempts/<int:attempt_id>/reopen")
@roles_required(*AUTHORS)
def reopen(attempt_id: int):
    item = managed(Attempt, attempt_id)
    form = forms.ReopenForm()
    try:
        if not form.validate_on_submit():
            raise QuizError(_("Tuliskan alasannya (minimal 3 karakter)."))
        corrections.reopen_attempt(
            item, minutes=form.minutes.data or 0, reason=form.reason.data, by=current_user
        )
    except QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Percobaan dibuka kembali."), "success")
    return redirect(url_for(".results", quiz_id=item.quiz_id))


@bp.route("/quizzes/<int:quiz_id>/overrides", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def overrides(quiz_id: int):
    item = managed(Quiz, quiz_id)
    form = forms.OverrideForm()
    learners = corrections.enrolled_learners(item)
    form.user_id.choices = choices(
        [("", _("Pilih peserta"))] + [(u.id, f"{u.name} ({u.nip or u.email})") for u in learners]
    )
    if form.validate_on_submit():
        person = next((u for u in learners if u.id == form.user_id.data), None)
        try:
            if person is None:
                raise QuizError(_("Peserta tidak terdaftar di kursus ini."), "user_id")
            corrections.grant_override(
                item,
                person,
                extra_minutes=form.extra_minutes.data or 0,
                extra_attempts=form.extra_attempts.data or 0,
                closes=forms._local(form.closes_at.data, current_user.effective_timezone),
                reason=form.reason.data,
                by=current_user,
            )
        except QuizError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pengecualian untuk %(name)s disimpan.", name=person.name), "success")
            return redirect(url_for(".overrides", quiz_id=item.id))
    existing = corrections.overrides_of(item)
    return render_template(
        "quizzes/manage/overrides.html", quiz=item, course=item.course, form=form, overrides=existing
    )
