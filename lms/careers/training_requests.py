"""Training requests: a learner asks HR for training in a competency; HR of the agency answers."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import can_manage_hr
from ..accounts.models import User
from ..competencies.models import Competency
from ..core.clock import utcnow
from ..extensions import db
from .errors import CareerError, CareerPermissionDenied
from .models import RequestStatus, TrainingRequest
from .positions import allowed_competency
from .signals import training_request_answered

logger = logging.getLogger(__name__)

MESSAGE_MIN, MESSAGE_MAX, ANSWER_MAX = 10, 500, 2000
MAX_OPEN = 5  # per person: enough for real needs, not a way to flood HR


def requests_of(user_id: int, limit: int = 20) -> list[TrainingRequest]:
    return list(
        db.session.scalars(
            sa.select(TrainingRequest)
            .where(TrainingRequest.user_id == user_id)
            .options(selectinload(TrainingRequest.competency))
            .order_by(TrainingRequest.created_at.desc(), TrainingRequest.id.desc())
            .limit(limit)
        )
    )


def open_count(agency_id: int) -> int:
    """How many requests of the agency's people wait for an answer."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TrainingRequest)
            .join(User, User.id == TrainingRequest.user_id)
            .where(User.agency_id == agency_id, TrainingRequest.status == RequestStatus.OPEN)
        )
        or 0
    )


def agency_requests_query(agency_id: int, status: RequestStatus | None = None) -> sa.Select:
    """An agency's requests, open ones first then newest, with the people and competencies."""
    query = (
        sa.select(TrainingRequest)
        .join(User, User.id == TrainingRequest.user_id)
        .where(User.agency_id == agency_id)
        .options(
            selectinload(TrainingRequest.user).selectinload(User.unit),
            selectinload(TrainingRequest.competency),
        )
        .order_by(
            sa.case((TrainingRequest.status == RequestStatus.OPEN, 0), else_=1),
            TrainingRequest.created_at.desc(),
            TrainingRequest.id.desc(),
        )
    )
    if status is not None:
        query = query.where(TrainingRequest.status == status)
    return query


def submit(person: User, competency_id: int | None, message: str) -> TrainingRequest:
    """A person tells HR what training they need, tied to a competency."""
    competency = db.session.get(Competency, competency_id) if competency_id else None
    if person.agency_id is None or not allowed_competency(competency, person.agency_id):
        raise CareerError(_l("Pilih kompetensi yang ingin Anda kembangkan."), "competency_id")
    message = " ".join((message or "").split())
    if not MESSAGE_MIN <= len(message) <= MESSAGE_MAX:
        raise CareerError(_l("Tuliskan kebutuhan Anda dalam 10 sampai 500 karakter."), "message")
    open_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TrainingRequest)
        .where(TrainingRequest.user_id == person.id, TrainingRequest.status == RequestStatus.OPEN)
    )
    if open_count >= MAX_OPEN:
        raise CareerError(
            _l(
                "Anda masih memiliki %(n)d permintaan yang belum dijawab. Tunggu jawaban HR terlebih dahulu.",
                n=open_count,
            ),
            "message",
        )
    request = TrainingRequest(user_id=person.id, competency_id=competency.id, message=message)
    db.session.add(request)
    db.session.flush()
    logger.info("training request %s by user %s for competency %s", request.id, person.id, competency.code)
    return request


def answer(request: TrainingRequest, status: str, text: str, *, by: User) -> TrainingRequest:
    """HR of the person's agency answers a request (and may change the answer later)."""
    if not can_manage_hr(by, request.user.agency_id):
        raise CareerPermissionDenied(_l("Anda tidak memiliki hak untuk menjawab permintaan ini."))
    try:
        new_status = RequestStatus(status)
    except ValueError:
        raise CareerError(_l("Pilih jawaban."), "status") from None
    if new_status is RequestStatus.OPEN:
        raise CareerError(_l("Pilih jawaban."), "status")
    text = (text or "").strip()
    if not 2 <= len(text) <= ANSWER_MAX:
        raise CareerError(_l("Tuliskan jawaban untuk pegawai (2 sampai 2000 karakter)."), "answer")
    request.status, request.answer = new_status, text
    request.answered_by_id, request.answered_at = by.id, utcnow()
    db.session.flush()
    logger.info("training request %s answered %s by %s", request.id, new_status, by.id)
    training_request_answered.send(current_app._get_current_object(), request=request, by=by)
    return request
