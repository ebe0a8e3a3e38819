"""Evaluation pages: the learner's and supervisor's waiting evaluations, the survey and follow-up
forms, the trainer's extra questions, and the results (with CSV and XLSX) for trainers and HR."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..core import tabular
from ..core.home import register_home_panel, register_panel
from ..core.reads import read_only
from ..extensions import db
from . import bp, follow_ups, questions, results, surveys
from .access import KINDS, Subject, can_edit_questions, can_read_results, load_subject, subject_of
from .errors import AlreadyAnswered, EvaluationError, NotAllowed
from .models import RATINGS, Applied, QuestionKind, SurveyQuestion

SUBJECT = "/<any(course, webinar):kind>/<int:subject_id>"


def _subject(kind: str, subject_id: int, allowed) -> Subject:
    subject = load_subject(kind, subject_id)
    if subject is None:
        abort(404)
    if not allowed(current_user, subject):
        abort(403)
    return subject


@bp.get("/")
@login_required
def mine():
    return render_template(
        "evaluations/mine.html",
        surveys=surveys.waiting_surveys(current_user),
        follow_ups=follow_ups.waiting_follow_ups(current_user),
    )


# ---------------------------------------------------------------- the reaction survey


def _survey_page(survey, *, errors=None, form=None, status=200):
    return (
        render_template(
            "evaluations/survey.html",
            survey=survey,
            questions=surveys.questions_for(survey),
            fixed=surveys.FIXED_QUESTIONS,
            scale=surveys.SCALE,
            answers={a.question_id: a for a in survey.answers},
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.get("/surveys/<int:survey_id>")
@login_required
def survey(survey_id: int):
    found = surveys.own_survey(current_user, survey_id)
    if found is None:
        abort(404)
    return _survey_page(found)


@bp.post("/surveys/<int:survey_id>")
@login_required
def answer_survey(survey_id: int):
    found = surveys.own_survey(current_user, survey_id)
    if found is None:
        abort(404)
    reaction = surveys.Reaction(
        ratings={name: request.form.get(name) for name in RATINGS},
        comment=request.form.get("comment", ""),
        extra={q.id: request.form.get(f"q{q.id}") for q in surveys.questions_for(found)},
    )
    done = url_for("courses.detail", slug=found.course.slug) if found.course is not None else url_for(".mine")
    return _answer(
        found,
        lambda: surveys.submit(found, current_user, reaction),
        page=_survey_page,
        again=lambda: surveys.own_survey(current_user, survey_id),
        thanks=_("Terima kasih. Evaluasi Anda sudah tersimpan."),
        done=done,
    )


def _answer(found, submit, *, page, again, thanks: str, done: str):
    """Store an answer (`submit`) and go on to `done`; an answer given already (a second tab, a
    double press) shows the stored one with 409, a bad one the form again with 422."""
    try:
        submit()
    except AlreadyAnswered as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return page(again(), status=409)
    except EvaluationError as exc:
        return page(found, errors={exc.field: str(exc)}, form=request.form, status=422)
    db.session.commit()
    flash(thanks, "success")
    return redirect(done)


# ---------------------------------------------------------------- the follow-up


def _follow_up_page(follow_up, *, errors=None, form=None, status=200):
    return (
        render_template(
            "evaluations/follow_up.html",
            follow_up=follow_up,
            survey=follow_up.survey,
            choices=list(Applied),
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.get("/follow-ups/<int:follow_up_id>")
@login_required
def follow_up(follow_up_id: int):
    found = follow_ups.own_follow_up(current_user, follow_up_id)
    if found is None:
        abort(404)
    return _follow_up_page(found)


@bp.post("/follow-ups/<int:follow_up_id>")
@login_required
def answer_follow_up(follow_up_id: int):
    found = follow_ups.own_follow_up(current_user, follow_up_id)
    if found is None:
        abort(404)
    return _answer(
        found,
        lambda: follow_ups.submit(
            found, current_user, request.form.get("applied"), request.form.get("example")
        ),
        page=_follow_up_page,
        again=lambda: follow_ups.own_follow_up(current_user, follow_up_id),
        thanks=_("Terima kasih. Jawaban tindak lanjut Anda sudah tersimpan."),
        done=url_for(".mine"),
    )


# ---------------------------------------------------------------- the trainer's questions


@bp.route(SUBJECT + "/questions", methods=["GET", "POST"])
@login_required
def edit_questions(kind: str, subject_id: int):
    subject = _subject(kind, subject_id, can_edit_questions)
    error, status = None, 200
    if request.method == "POST":
        try:
            questions.add_question(
                subject, request.form.get("kind"), request.form.get("text"), by=current_user
            )
        except EvaluationError as exc:
            error, status = exc, 422
        else:
            db.session.commit()
            flash(_("Pertanyaan ditambahkan."), "success")
            return redirect(url_for(".edit_questions", kind=kind, subject_id=subject_id))
    return (
        render_template(
            "evaluations/questions.html",
            subject=subject,
            questions=questions.questions_of(subject),
            fixed=surveys.FIXED_QUESTIONS,
            kinds=list(QuestionKind),
            error=error,
            form=request.form,
        ),
        status,
    )


@bp.post("/questions/<int:question_id>/remove")
@login_required
def remove_question(question_id: int):
    question = db.get_or_404(SurveyQuestion, question_id)
    subject = subject_of(question)
    try:
        questions.remove_question(question, by=current_user)
    except NotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Pertanyaan tidak lagi ditanyakan."), "success")
    return redirect(url_for(".edit_questions", kind=subject.kind, subject_id=subject.id))


# ---------------------------------------------------------------- results


@bp.get("/results")
@read_only
@login_required
def results_index():
    return render_template("evaluations/results_index.html", items=results.subjects_for_results(current_user))


@bp.get(SUBJECT + "/results")
@read_only
@login_required
def subject_results(kind: str, subject_id: int):
    subject = _subject(kind, subject_id, can_read_results)
    return render_template("evaluations/results.html", r=results.results(subject), kinds=KINDS)


@bp.get(SUBJECT + "/results.<any(csv, xlsx):fmt>")
@login_required
def export_results(kind: str, subject_id: int, fmt: str):
    subject = _subject(kind, subject_id, can_read_results)
    asked = results.question_list(subject)
    chunks = tabular.chunks(
        fmt, results.export_header(asked), results.export_rows(subject, asked), sheet=_("Evaluasi")
    )
    return tabular.download(f"evaluasi-{kind}-{subject.id}.{fmt}", chunks)


# ---------------------------------------------------------------- panels on other pages


def home_panel(user, rows):
    waiting = rows[0]["waiting"] if rows else 0
    return ("evaluations/_home_panel.html", {"waiting": waiting}) if waiting else None


def account_panel(user):
    """Links on the account page (no query): one's evaluations, and results for trainers and HR."""
    results = user.has_role(Role.TRAINER, Role.AGENCY_ADMIN, Role.ADMIN)
    return "evaluations/_account_panel.html", {"results": results}


def course_panel(course, user, enrolment=None):
    """After completion: the survey waiting (or thanks for it) on the course page."""
    if enrolment is None or enrolment.completed_at is None:
        return None
    found = surveys.survey_of_enrolment(enrolment.id)
    return ("evaluations/_course_panel.html", {"survey": found}) if found is not None else None


def manage_links(course):
    return "evaluations/_manage_links.html", {"kind": "course", "subject_id": course.id}


def webinar_links(webinar, user, moderator=False, can_report=False):
    if not (moderator or can_report):
        return None
    return "evaluations/_manage_links.html", {"kind": "webinar", "subject_id": webinar.id, "edit": moderator}


register_home_panel(
    home_panel,
    order=35,
    reads=follow_ups.waiting_count_query,
    params=lambda user: {"evaluations_user": user.id},
)
register_panel("course", course_panel, order=20)
register_panel("account", account_panel, order=40)
register_panel("course_manage", manage_links, order=70)
register_panel("webinar", webinar_links)
