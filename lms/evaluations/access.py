"""What an evaluation is about (a course or a webinar), and who may edit its questions or read
its results: the course's trainer (its author) or the webinar's moderators, administrators, and
HR of the agency that owns the course or runs the webinar."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.agencies import can_manage_hr
from ..accounts.models import User
from ..courses.models import Course
from ..courses.services import can_edit
from ..extensions import db
from ..webinars.access import agency_ids, is_moderator
from ..webinars.models import Webinar
from .models import Survey, SurveyQuestion

KINDS = ("course", "webinar")


@dataclass(frozen=True)
class Subject:
    """A course or a webinar, as evaluations see it."""

    course: Course | None = None
    webinar: Webinar | None = None

    @property
    def kind(self) -> str:
        return "course" if self.course is not None else "webinar"

    @property
    def id(self) -> int:
        return self.course.id if self.course is not None else self.webinar.id

    @property
    def title(self) -> str:
        return self.course.title if self.course is not None else self.webinar.title

    def owns(self, model) -> sa.ColumnElement[bool]:
        """The filter of `model` (Survey or SurveyQuestion) rows about this subject."""
        if self.course is not None:
            return model.course_id == self.course.id
        return model.webinar_id == self.webinar.id

    def columns(self) -> dict:
        return {"course_id": self.course.id} if self.course is not None else {"webinar_id": self.webinar.id}


def load_subject(kind: str, subject_id: int) -> Subject | None:
    if kind == "course":
        course = db.session.get(Course, subject_id)
        return Subject(course=course) if course is not None else None
    if kind == "webinar":
        webinar = db.session.get(Webinar, subject_id)
        return Subject(webinar=webinar) if webinar is not None else None
    return None


def subject_of(item: Survey | SurveyQuestion) -> Subject:
    return Subject(course=item.course) if item.course_id is not None else Subject(webinar=item.webinar)


def can_edit_questions(actor: User | None, subject: Subject) -> bool:
    """The course's author (and administrators), or the webinar's moderators."""
    if not (actor and actor.is_authenticated and actor.is_active):
        return False
    if subject.course is not None:
        return can_edit(actor, subject.course)
    return is_moderator(actor, subject.webinar)


def can_read_results(actor: User | None, subject: Subject) -> bool:
    """Who may edit the questions, and HR of the agency that owns the course or runs the webinar."""
    if can_edit_questions(actor, subject):
        return True
    if not (actor and actor.is_authenticated):
        return False
    if subject.course is not None:
        return can_manage_hr(actor, subject.course.owner_agency_id)
    return any(can_manage_hr(actor, agency_id) for agency_id in agency_ids(subject.webinar))
