"""Learner pages: quiz intro, start, the attempt (answers saved as they are given), summary, review.

Every answer is a plain form POST, so the quiz works without JavaScript; static/quiz-autosave.js
only sends the same POST on change (with the X-CSRFToken header) and shows "tersimpan". Pages show
an attempt's public view only: correct answers and feedback reach the browser after grading, and
only as the quiz's settings allow.
"""

from __future__ import annotations

import re

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..core.clock import utcnow
from ..core.home import register_home_panel, register_panel
from ..courses import learning
from ..extensions import db
from . import attempts as service
from . import bp, services
from .errors import AttemptClosed, QuizError
from .models import Attempt, AttemptState, Layout, Quiz
from .types import strategy
from .types.base import BadAnswer

ANSWER_MAX_BYTES = 256 * 1024
_FIELD = re.compile(r"^q(\d{1,4})-(.+)$")


def visible_quiz(quiz_id: int) -> Quiz:
    quiz = db.get_or_404(Quiz, quiz_id)
    if not (quiz.published and quiz.course.is_published) and not services.can_manage(
        current_user, quiz.course
    ):
        abort(404)
    return quiz


def own_attempt(attempt_id: int, *, lock: bool = False) -> Attempt:
    """The current user's attempt, with its quiz and items in one statement (404 for anyone
    else's: ids are not secrets, answers are); `lock` it to save answers."""
    attempt = service.attempt_with_items(attempt_id, lock=lock)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


@bp.get("/<int:quiz_id>")
@login_required
def detail(quiz_id: int):
    quiz = visible_quiz(quiz_id)
    state = service.availability(quiz, current_user)
    db.session.commit()  # an overdue attempt may just have been graded
    past = [a for a in service.attempts_of(quiz, current_user) if not a.is_open]
    return render_template(
        "quizzes/detail.html",
        quiz=quiz,
        state=state,
        past=past,
        result=service.result_for(quiz, current_user),
        show_score=service.visible(quiz, quiz.show_score, user=current_user),
        questions=services.question_count(quiz),
        enrolled=learning.enrolment_for(current_user, quiz.course) is not None,
    )


@bp.post("/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    quiz = visible_quiz(quiz_id)
    try:
        attempt = service.start_attempt(quiz, current_user)
    except QuizError as exc:
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for(".detail", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


@bp.get("/<int:quiz_id>/practice")
@login_required
def practice(quiz_id: int):
    """A practice quiz's paper: the open attempt (started if needed), every question on one page.

    The page can be stored on the device and answered offline: it holds the attempt's public
    view only (no answer key), and static/offline-quiz.js sends the answers through /api/v1/sync.
    """
    quiz = visible_quiz(quiz_id)
    if not quiz.practice:
        abort(404)
    try:
        attempt = service.start_attempt(quiz, current_user)
    except QuizError as exc:
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for(".detail", quiz_id=quiz.id))
    db.session.commit()
    return render_template(
        "quizzes/practice.html", attempt=attempt, quiz=quiz, items=attempt.items, views=_public(attempt.items)
    )


def _page_numbers(attempt: Attempt) -> int:
    return len(attempt.items) if attempt.quiz.layout == Layout.ONE else 1


def _current_page(attempt: Attempt) -> int:
    raw = request.values.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 5 else 1
    return min(max(page, 1), _page_numbers(attempt))


def _closed_redirect(attempt: Attempt):
    flash(_("Percobaan ini sudah selesai."), "info")
    return redirect(url_for(".review", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if service.close_if_overdue(attempt):
        db.session.commit()
        flash(_("Waktu mengerjakan sudah habis. Jawaban yang tersimpan sudah dinilai."), "info")
    if not attempt.is_open:
        return _closed_redirect(attempt)
    page = _current_page(attempt)
    items = attempt.items if attempt.quiz.layout == Layout.ALL else [attempt.items[page - 1]]
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        items=items,
        page=page,
        pages=_page_numbers(attempt),
        views=_public(items),
        now=utcnow(),
    )


def _public(items) -> dict:
    """What the page may know of each item: prompt, options/choices with tokens, the saved answer."""
    views = {}
    for item in items:
        snap = item.snapshot
        view = strategy(item.qtype).public(snap)
        view.update(
            type=item.qtype,
            prompt_html=snap["prompt_html"],
            mark=snap.get("mark", 1),
            answer=service.response_of(item),
        )
        views[item.slot] = view
    return views


def _answers_by_slot(form: MultiDict, attempt: Attempt) -> dict[int, MultiDict]:
    """The submitted fields of each question, named q<slot>-<field>; anything else is refused."""
    known = {item.slot for item in attempt.items}
    slots = form.getlist("slots")
    if len(slots) > len(known) or not all(s.isdigit() and int(s) in known for s in slots):
        raise BadAnswer("question not in this attempt")
    by_slot: dict[int, MultiDict] = {int(s): MultiDict() for s in slots}
    for key, value in form.items(multi=True):
        found = _FIELD.match(key)
        if found is None:
            continue
        slot = int(found.group(1))
        if slot not in by_slot:
            raise BadAnswer("answer for a question that was not sent")
        by_slot[slot].add(found.group(2), value)
    return by_slot


@bp.post("/attempts/<int:attempt_id>/answer")
@login_required
def answer(attempt_id: int):
    limit = current_app.config.get("QUIZ_ANSWER_MAX_BYTES", ANSWER_MAX_BYTES)
    if (request.content_length or 0) > limit:
        abort(400, description=_("Jawaban terlalu besar untuk dikirim."))
    request.max_content_length = limit
    attempt = own_attempt(attempt_id, lock=True)
    try:
        by_slot = _answers_by_slot(request.form, attempt)
        service.save_answers(attempt, by_slot)
    except BadAnswer:
        db.session.rollback()
        message = _("Jawaban tidak sesuai dengan soal pada percobaan ini.")
        if wants_json():
            return jsonify(saved=False, message=message), 400
        abort(400, description=message)
    except AttemptClosed as exc:
        db.session.commit()  # the overdue attempt was graded
        if wants_json():
            return jsonify(
                saved=False,
                closed=True,
                message=str(exc),
                review_url=url_for(".review", attempt_id=attempt.id),
            ), 409
        flash(str(exc), "error")
        return redirect(url_for(".review", attempt_id=attempt.id))
    go, page, pages = request.form.get("go", "stay"), _current_page(attempt), _page_numbers(attempt)
    db.session.commit()  # expires the attempt: the redirects below take its id from the URL
    if wants_json():
        return jsonify(saved=True, slots=sorted(by_slot), message=_("Tersimpan"))
    if go == "summary":
        return redirect(url_for(".summary", attempt_id=attempt_id))
    if go in ("next", "prev"):
        page = min(max(page + (1 if go == "next" else -1), 1), pages)
    flash(_("Jawaban tersimpan."), "success")
    return redirect(url_for(".attempt", attempt_id=attempt_id, page=page) + "#soal")


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if service.close_if_overdue(attempt):
        db.session.commit()
    if not attempt.is_open:
        return _closed_redirect(attempt)
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        quiz=attempt.quiz,
        answered={i.slot for i in attempt.items if i.response is not None},
    )


@bp.post("/attempts/<int:attempt_id>/finish")
@login_required
def finish(attempt_id: int):
    attempt = own_attempt(attempt_id, lock=True)
    reason = "timeout" if service.is_overdue(attempt, utcnow()) else "submitted"
    service.finish_attempt(attempt, reason=service.FinishReason(reason))
    db.session.commit()
    return redirect(url_for(".review", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    attempt = db.get_or_404(Attempt, attempt_id)
    manager = services.can_manage(current_user, attempt.quiz.course)
    if attempt.user_id != current_user.id and not manager:
        abort(404)
    service.close_if_overdue(attempt)
    db.session.commit()
    if attempt.state != AttemptState.FINISHED:
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    quiz = attempt.quiz
    show = {
        name: manager or service.visible(quiz, getattr(quiz, f"show_{name}"), user=attempt.user)
        for name in ("score", "feedback", "answers")
    }
    rows = []
    for item in attempt.items:
        kind, response = strategy(item.qtype), service.response_of(item)
        rows.append(
            {
                "item": item,
                "answer": kind.describe(item.snapshot, response),
                "feedback": kind.feedback(item.snapshot, response) if show["feedback"] else [],
                "right": kind.right_answer(item.snapshot) if show["answers"] else "",
            }
        )
    return render_template(
        "quizzes/review.html", attempt=attempt, quiz=quiz, rows=rows, show=show, manager=manager
    )


def quiz_panel(user, rows):
    """Open attempts on the learner's home page, so a lost connection is one tap from resuming."""
    if not rows:
        return None
    return "quizzes/_home_panel.html", {"attempts": sorted(rows, key=lambda row: row["id"])}


register_home_panel(
    quiz_panel, order=25, reads=service.open_attempts_query, params=lambda user: {"user_id": user.id}
)


def course_panel(course, user, enrolment=None):
    """The course page lists its quizzes (drafts only for who manages the course)."""
    quizzes = services.quizzes_of(course, published_only=not services.can_manage(user, course))
    passed = {q.id for q in quizzes if enrolment is not None and service.result_for(q, user).passed}
    return "quizzes/_course_panel.html", {"quizzes": quizzes, "passed": passed}


def manage_link(course):
    return "quizzes/_manage_link.html", {"course": course}


register_panel("course", course_panel)
register_panel("course_manage", manage_link)
