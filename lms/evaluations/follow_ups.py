"""Follow-ups (Kirkpatrick level 3): a configured time after the learning (EVALUATION_FOLLOW_UP_DAYS,
default 90), the learner and their supervisor are each asked whether the competency is applied at
work, with an example. Opened by the scheduler (jobs.py), exactly once per survey: one UPDATE
claims the due surveys, so two schedulers never open the same follow-ups twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from .errors import AlreadyAnswered, EvaluationError, NotAllowed
from .models import Applied, FollowUp, Respondent, Survey
from .signals import evaluation_waiting
from .surveys import TEXT_MAX

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 90


def follow_up_path(follow_up_id: int) -> str:
    return f"/evaluations/follow-ups/{follow_up_id}"


def supervisor_of(learner: User) -> User | None:
    """The learner's direct supervisor if they can answer: active, and both accounts verified in
    the same agency (an unverified account supervises nobody, as in careers)."""
    boss = learner.supervisor
    if boss is None or boss.id == learner.id or not boss.is_active:
        return None
    if not (learner.is_verified and boss.is_verified) or boss.agency_id != learner.agency_id:
        return None
    return boss


def open_due(now: datetime, *, days: int = DEFAULT_DAYS) -> list[FollowUp]:
    """Open the follow-ups of every survey learnt at least `days` ago and not followed up yet;
    each survey is claimed once (a conditional UPDATE), whoever else runs this at the same time."""
    claimed = list(
        db.session.scalars(
            sa.update(Survey)
            .where(Survey.follow_ups_opened_at.is_(None), Survey.learned_at <= now - timedelta(days=days))
            .values(follow_ups_opened_at=now)
            .returning(Survey.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    surveys = db.session.scalars(
        sa.select(Survey)
        .where(Survey.id.in_(claimed))
        .options(
            joinedload(Survey.user).joinedload(User.supervisor),
            joinedload(Survey.course),
            joinedload(Survey.webinar),
        )
        .order_by(Survey.id)
    ).all()
    opened = []
    for survey in surveys:
        learner = survey.user
        asked = [(Respondent.LEARNER, learner)] if learner.is_active else []
        if (boss := supervisor_of(learner)) is not None:
            asked.append((Respondent.SUPERVISOR, boss))
        for role, person in asked:
            follow_up = FollowUp(survey=survey, role=role, respondent=person, created_at=now)
            db.session.add(follow_up)
            opened.append(follow_up)
    db.session.flush()
    for follow_up in opened:
        survey, person = follow_up.survey, follow_up.respondent
        title = survey.title
        if follow_up.role is Respondent.SUPERVISOR:
            title = f"{title} — {survey.user.name}"
        evaluation_waiting.send(
            current_app._get_current_object(),
            user=person,
            title=title,
            url=follow_up_path(follow_up.id),
            key=f"evaluation-follow-up-{follow_up.id}",
        )
    logger.info("follow-ups opened: %d for %d surveys", len(opened), len(surveys))
    return opened


def own_follow_up(user: User, follow_up_id: int) -> FollowUp | None:
    """The follow-up if the user is the one asked; None for a missing one and for others' alike."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    return follow_up if follow_up is not None and follow_up.respondent_id == user.id else None


def waiting_follow_ups(user: User) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.respondent_id == user.id, FollowUp.answered_at.is_(None))
            .options(
                joinedload(FollowUp.survey).options(
                    joinedload(Survey.user), joinedload(Survey.course), joinedload(Survey.webinar)
                )
            )
            .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
        )
    )


def waiting_count_query() -> sa.Select:
    """How many surveys and follow-ups wait for the person of bind parameter `evaluations_user`:
    one row, column `waiting` (the home page reads it in its shared statement)."""
    who = sa.bindparam("evaluations_user")
    surveys = (
        sa.select(sa.func.count())
        .select_from(Survey)
        .where(Survey.user_id == who, Survey.answered_at.is_(None), Survey.follow_ups_opened_at.is_(None))
        .scalar_subquery()
    )
    asked = (
        sa.select(sa.func.count())
        .select_from(FollowUp)
        .where(FollowUp.respondent_id == who, FollowUp.answered_at.is_(None))
        .scalar_subquery()
    )
    return sa.select((surveys + asked).label("waiting"))


def waiting_count(user: User) -> int:
    """How many surveys and follow-ups wait for the user's answer (one statement)."""
    return db.session.scalar(waiting_count_query(), {"evaluations_user": user.id}) or 0


def submit(
    follow_up: FollowUp, user: User, applied: str | None, example: str | None, *, at: datetime | None = None
) -> FollowUp:
    """Record the answer of the person asked, once (AlreadyAnswered after, nothing changes)."""
    if follow_up.respondent_id != user.id:
        raise NotAllowed(_l("Tindak lanjut ini tidak ditujukan kepada Anda."))
    if follow_up.is_answered:
        raise AlreadyAnswered(_l("Anda sudah mengisi tindak lanjut ini. Jawaban pertama Anda yang disimpan."))
    if applied not in set(Applied):
        raise EvaluationError(_l("Pilih salah satu jawaban."), "applied")
    text = (example or "").strip()
    if len(text) > TEXT_MAX:
        raise EvaluationError(
            _l("Jawaban terlalu panjang (paling banyak %(n)d karakter).", n=TEXT_MAX), "example"
        )
    if applied != Applied.NO and not text:
        raise EvaluationError(_l("Tuliskan satu contoh penerapannya di tempat kerja."), "example")
    claimed = db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.id == follow_up.id, FollowUp.answered_at.is_(None))
        .values(answered_at=at or utcnow(), applied=Applied(applied), example=text or None)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(follow_up)
    if claimed.rowcount != 1:
        raise AlreadyAnswered(_l("Anda sudah mengisi tindak lanjut ini. Jawaban pertama Anda yang disimpan."))
    db.session.flush()
    logger.info("follow-up %s answered by user %s", follow_up.id, user.id)
    return follow_up


def supervisor_evidence(person_id: int) -> list[FollowUp]:
    """The supervisor's answered follow-ups about a person, newest first: evidence beside the
    appraisals in the career profile (one query)."""
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .join(Survey, Survey.id == FollowUp.survey_id)
            .where(
                Survey.user_id == person_id,
                FollowUp.role == Respondent.SUPERVISOR,
                FollowUp.answered_at.is_not(None),
            )
            .options(
                joinedload(FollowUp.respondent),
                joinedload(FollowUp.survey).options(joinedload(Survey.course), joinedload(Survey.webinar)),
            )
            .order_by(FollowUp.answered_at.desc(), FollowUp.id.desc())
        )
    )


def days_setting() -> int:
    return int(current_app.config.get("EVALUATION_FOLLOW_UP_DAYS", DEFAULT_DAYS))
