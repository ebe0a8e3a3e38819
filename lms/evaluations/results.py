"""Results of the evaluations of one course or webinar, for its trainer and HR: response rate,
the average of every rating question, the comments, and the same per offering and per unit.

An offering is a webinar session (a webinar is one offering) or, for a course (which learners
take at their own pace), the calendar month in which they completed it. The unit is the one the
learner was in when the survey was opened. Comments are shown without names.

Built in a fixed number of queries whatever the number of responses (the tests pin it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _

from ..accounts.models import Agency, Role, Unit, User
from ..courses.models import Course
from ..extensions import db
from ..webinars.access import attendance_reports
from ..webinars.models import Webinar
from .access import Subject
from .models import RATINGS, Applied, FollowUp, QuestionKind, Respondent, Survey, SurveyAnswer
from .questions import questions_of
from .surveys import FIXED_QUESTIONS


@dataclass
class Tally:
    """Responses of a group: how many asked, how many answered, the sum and count per rating."""

    label: str = ""
    sent: int = 0
    answered: int = 0
    sums: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rate(self) -> float:
        return self.answered / self.sent if self.sent else 0.0

    def average(self, key: str) -> float | None:
        return self.sums[key] / self.counts[key] if self.counts[key] else None

    def add(self, key: str, value: int | None) -> None:
        if value is not None:
            self.sums[key] += value
            self.counts[key] += 1


@dataclass(frozen=True)
class Question:
    key: str  # "relevance", ... or "q<id>"
    text: str
    kind: QuestionKind
    removed: bool = False


@dataclass
class FollowUpTally:
    role: Respondent
    sent: int = 0
    answered: int = 0
    applied: dict[Applied, int] = field(default_factory=lambda: dict.fromkeys(Applied, 0))
    examples: list[tuple[Applied, str, str]] = field(default_factory=list)  # (applied, unit, text)

    @property
    def rate(self) -> float:
        return self.answered / self.sent if self.sent else 0.0


@dataclass
class Results:
    subject: Subject
    questions: list[Question]
    total: Tally
    offerings: list[Tally]
    units: list[Tally]
    comments: list[tuple[str, str]]  # (unit, text)
    texts: dict[str, list[str]]  # text question key -> answers
    follow_ups: list[FollowUpTally]

    @property
    def ratings(self) -> list[Question]:
        return [q for q in self.questions if q.kind is QuestionKind.RATING]


def _unit_label(unit_name: str | None, agency_code: str | None) -> str:
    if unit_name is None:
        return _("Tanpa unit kerja")
    return f"{unit_name} ({agency_code})" if agency_code else unit_name


def _offering(subject: Subject, learned_at: datetime) -> tuple[str, str]:
    if subject.webinar is not None:
        return "", format_date(subject.webinar.starts_at, "medium")
    # The month as the viewer's calendar has it (WIB, WITA, WIT), for the key as for the label.
    return to_user_timezone(learned_at).strftime("%Y-%m"), format_date(learned_at, "MMMM yyyy")


def _survey_rows(subject: Subject) -> list:
    return db.session.execute(
        sa.select(
            Survey.id,
            Survey.learned_at,
            Survey.answered_at,
            *(getattr(Survey, name) for name in RATINGS),
            Survey.comment,
            Unit.name,
            Agency.code,
        )
        .outerjoin(Unit, Unit.id == Survey.unit_id)
        .outerjoin(Agency, Agency.id == Unit.agency_id)
        .where(subject.owns(Survey))
        .order_by(Survey.learned_at, Survey.id)
    ).all()


def _answer_rows(subject: Subject) -> list:
    return db.session.execute(
        sa.select(SurveyAnswer.survey_id, SurveyAnswer.question_id, SurveyAnswer.rating, SurveyAnswer.text)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(subject.owns(Survey))
    ).all()


def _follow_up_rows(subject: Subject) -> list:
    return db.session.execute(
        sa.select(FollowUp.survey_id, FollowUp.role, FollowUp.answered_at, FollowUp.applied, FollowUp.example)
        .join(Survey, Survey.id == FollowUp.survey_id)
        .where(subject.owns(Survey))
        .order_by(FollowUp.answered_at, FollowUp.id)
    ).all()


def question_list(subject: Subject) -> list[Question]:
    fixed = [Question(key, str(text), QuestionKind.RATING) for key, text in FIXED_QUESTIONS.items()]
    extra = [
        Question(f"q{q.id}", q.text, q.kind, removed=q.archived_at is not None)
        for q in questions_of(subject, with_archived=True)
    ]
    return fixed + extra


def results(subject: Subject) -> Results:
    """Everything the results page shows about one course or webinar (four queries)."""
    questions = question_list(subject)
    rows = _survey_rows(subject)
    extra: dict[int, dict[str, tuple[int | None, str | None]]] = defaultdict(dict)
    for survey_id, question_id, rating, text in _answer_rows(subject):
        extra[survey_id][f"q{question_id}"] = (rating, text)
    total = Tally(_("Semua"))
    offerings: dict[str, Tally] = {}
    units: dict[str, Tally] = {}
    unit_of: dict[int, str] = {}
    comments, texts = [], defaultdict(list)
    for survey_id, learned_at, answered_at, *ratings, comment, unit_name, agency_code in rows:
        key, label = _offering(subject, learned_at)
        unit = unit_of[survey_id] = _unit_label(unit_name, agency_code)
        groups = (total, offerings.setdefault(key, Tally(label)), units.setdefault(unit, Tally(unit)))
        for group in groups:
            group.sent += 1
        if answered_at is None:
            continue
        values = dict(zip(RATINGS, ratings, strict=True))
        for question_key, (rating, text) in extra[survey_id].items():
            values[question_key] = rating
            if text:
                texts[question_key].append(text)
        for group in groups:
            group.answered += 1
            for name, value in values.items():
                group.add(name, value)
        if comment:
            comments.append((unit, comment))
    tallies = {role: FollowUpTally(role) for role in Respondent}
    for survey_id, role, answered_at, applied, example in _follow_up_rows(subject):
        tally = tallies[role]
        tally.sent += 1
        if answered_at is not None:
            tally.answered += 1
            tally.applied[applied] += 1
            if example:
                tally.examples.append((applied, unit_of.get(survey_id, ""), example))
    return Results(
        subject=subject,
        questions=questions,
        total=total,
        offerings=[offerings[k] for k in sorted(offerings)],
        units=sorted(units.values(), key=lambda t: t.label),
        comments=comments,
        texts=dict(texts),
        follow_ups=list(tallies.values()),
    )


def export_header(questions: list[Question]) -> list[str]:
    return [
        _("Periode"),
        _("Unit kerja"),
        _("Dijawab pada"),
        *(q.text for q in questions),
        _("Komentar"),
        _("Penerapan menurut peserta"),
        _("Contoh dari peserta"),
        _("Penerapan menurut atasan"),
        _("Contoh dari atasan"),
    ]


def export_rows(subject: Subject, questions: list[Question]) -> Iterator[list]:
    """One row per survey sent, without names (unanswered ones have empty cells)."""
    extra: dict[int, dict[str, int | str | None]] = defaultdict(dict)
    for survey_id, question_id, rating, text in _answer_rows(subject):
        extra[survey_id][f"q{question_id}"] = rating if rating is not None else text
    follow: dict[int, dict[Respondent, tuple]] = defaultdict(dict)
    for survey_id, role, answered_at, applied, example in _follow_up_rows(subject):
        if answered_at is not None:
            follow[survey_id][role] = (applied.label, example or "")
    for survey_id, learned_at, answered_at, *ratings, comment, unit_name, agency_code in _survey_rows(
        subject
    ):
        values = dict(zip(RATINGS, ratings, strict=True)) | extra[survey_id]
        learner = follow[survey_id].get(Respondent.LEARNER, (None, None))
        boss = follow[survey_id].get(Respondent.SUPERVISOR, (None, None))
        yield [
            _offering(subject, learned_at)[1],
            _unit_label(unit_name, agency_code),
            answered_at,
            *(values.get(q.key) for q in questions),
            comment,
            *learner,
            *boss,
        ]


@dataclass(frozen=True)
class Listed:
    kind: str
    id: int
    title: str
    sent: int
    answered: int


def subjects_for_results(actor: User) -> list[Listed]:
    """Every course and webinar with surveys whose results the actor may read (the rule of
    access.can_read_results, as queries), most surveys first (two queries)."""
    answered = sa.func.count(Survey.answered_at)
    course_query = (
        sa.select(Course.id, Course.title, sa.func.count(Survey.id), answered)
        .join(Survey, Survey.course_id == Course.id)
        .group_by(Course.id, Course.title)
    )
    webinar_query = (
        sa.select(Webinar.id, Webinar.title, sa.func.count(Survey.id), answered)
        .join(Survey, Survey.webinar_id == Webinar.id)
        .group_by(Webinar.id, Webinar.title)
    )
    if not actor.is_admin:
        own = [Course.created_by_id == actor.id] if actor.has_role(Role.TRAINER) else []
        if actor.has_role(Role.AGENCY_ADMIN) and actor.agency_id is not None:
            own.append(Course.owner_agency_id == actor.agency_id)
        course_query = course_query.where(sa.or_(sa.false(), *own))
        readable = attendance_reports(actor).with_only_columns(Webinar.id).order_by(None)
        webinar_query = webinar_query.where(Webinar.id.in_(readable))
    found = [Listed("course", *row) for row in db.session.execute(course_query)]
    found += [Listed("webinar", *row) for row in db.session.execute(webinar_query)]
    return sorted(found, key=lambda item: (-item.sent, item.title, item.kind, item.id))
