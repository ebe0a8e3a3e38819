"""Competency records: earned levels with their evidence, from courses, webinars and assessments.

A person's level in a competency is the highest level of their active (not revoked) records.
Every create, update and revoke goes to the audit log with the values before and after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import can_manage_hr
from ..accounts.audit import log_change
from ..accounts.models import User
from ..certificates.models import Certificate
from ..competencies.models import LEVELS, Competency
from ..core.clock import utcnow
from ..courses.models import Course, Enrolment
from ..extensions import db
from . import awards, summaries
from .errors import CareerError, CareerPermissionDenied
from .models import CompetencyRecord, RecordSource, RevokeCause, StaffCompetency
from .positions import allowed_competency

logger = logging.getLogger(__name__)

EVIDENCE_MAX = 500


@dataclass
class AssessmentData:
    competency_id: int | None
    level: int | None
    achieved_on: date | None
    evidence: str


def _after_change(person_id: int, competency_ids) -> None:
    summaries.refresh_levels(db.session, person_id, competency_ids)
    summaries.sync_people(db.session, [person_id])
    db.session.flush()


# ---------------------------------------------------------------- reading


def levels_of(user_id: int) -> dict[int, int]:
    """Competency id -> the person's level (highest evidenced), straight from the records."""
    rows = db.session.execute(
        sa.select(CompetencyRecord.competency_id, sa.func.max(CompetencyRecord.level))
        .where(CompetencyRecord.user_id == user_id, CompetencyRecord.revoked_at.is_(None))
        .group_by(CompetencyRecord.competency_id)
    )
    return {competency_id: level for competency_id, level in rows}


def records_of(user_id: int, *, include_revoked: bool = False) -> list[CompetencyRecord]:
    """A person's records, newest first, with their competencies loaded."""
    query = (
        sa.select(CompetencyRecord)
        .where(CompetencyRecord.user_id == user_id)
        .options(selectinload(CompetencyRecord.competency))
        .order_by(CompetencyRecord.achieved_on.desc(), CompetencyRecord.id.desc())
    )
    if not include_revoked:
        query = query.where(CompetencyRecord.revoked_at.is_(None))
    return list(db.session.scalars(query))


def course_titles(records: list[CompetencyRecord]) -> dict[int, tuple[str, str]]:
    """Enrolment id -> (course title, slug) for the course records among these (one query)."""
    ids = {r.source_id for r in records if r.source is RecordSource.COURSE and r.source_id}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrolment.id, Course.title, Course.slug)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.id.in_(ids))
    )
    return {enrolment_id: (title, slug) for enrolment_id, title, slug in rows}


def evidence_certificates(records: list[CompetencyRecord]) -> dict[tuple[str, int], tuple[str, bool]]:
    """(source, source id) -> (certificate number, revoked) for the course and webinar records
    among these: the certificate issued for the same completion or attendance (one query)."""
    certified = (RecordSource.COURSE, RecordSource.WEBINAR)
    pairs = {(str(r.source), r.source_id) for r in records if r.source in certified}
    if not pairs:
        return {}
    rows = db.session.execute(
        sa.select(
            Certificate.source, Certificate.source_id, Certificate.number, Certificate.revoked_at
        ).where(Certificate.source_id.in_({source_id for _source, source_id in pairs}))
    )
    found = {
        (str(source), source_id): (number, revoked is not None) for source, source_id, number, revoked in rows
    }
    return {pair: value for pair, value in found.items() if pair in pairs}


# ---------------------------------------------------------------- from a completed course


def award_course(enrolment: Enrolment) -> list[CompetencyRecord]:
    """Award each competency of a completed course at its level, once per enrolment; returns the
    records created or changed now (see awards.follow)."""
    if enrolment.completed_at is None:
        return []
    return awards.follow(RecordSource.COURSE, [enrolment.id])


# ---------------------------------------------------------------- assessments by HR


def _require_hr(actor: User, person: User) -> None:
    if not can_manage_hr(actor, person.agency_id):
        raise CareerPermissionDenied(_l("Anda tidak memiliki hak untuk mengelola data karier pegawai ini."))


def _clean_assessment(person: User, data: AssessmentData, today: date) -> dict:
    competency = db.session.get(Competency, data.competency_id) if data.competency_id else None
    if not allowed_competency(competency, person.agency_id):
        raise CareerError(_l("Pilih kompetensi."), "competency_id")
    if data.level not in LEVELS:
        raise CareerError(_l("Level kompetensi harus antara 1 dan 5."), "level")
    if data.achieved_on is None:
        raise CareerError(_l("Tanggal asesmen wajib diisi."), "achieved_on")
    if data.achieved_on > today:
        raise CareerError(_l("Tanggal asesmen tidak boleh di masa depan."), "achieved_on")
    if data.achieved_on.year < 1970:
        raise CareerError(_l("Tanggal asesmen tidak valid."), "achieved_on")
    evidence = " ".join((data.evidence or "").split())
    if not 3 <= len(evidence) <= EVIDENCE_MAX:
        raise CareerError(
            _l("Sebutkan buktinya, misalnya nomor laporan assessment center (3 sampai 500 karakter)."),
            "evidence",
        )
    return {
        "competency_id": competency.id,
        "level": data.level,
        "achieved_on": data.achieved_on,
        "evidence": evidence,
    }


def record_assessment(
    person: User, data: AssessmentData, *, by: User, today: date | None = None
) -> CompetencyRecord:
    """HR records the result of a competency assessment (e.g. an assessment centre)."""
    _require_hr(by, person)
    values = _clean_assessment(person, data, today or date.today())
    record = CompetencyRecord(
        user_id=person.id, source=RecordSource.ASSESSMENT, recorded_by_id=by.id, **values
    )
    db.session.add(record)
    db.session.flush()
    log_change(
        "competency_record",
        record.id,
        "create",
        subject_id=person.id,
        actor=by,
        before=None,
        after=record.snapshot(),
    )
    _after_change(person.id, [record.competency_id])
    return record


def update_assessment(
    record: CompetencyRecord, data: AssessmentData, *, by: User, today: date | None = None
) -> CompetencyRecord:
    """HR corrects an assessment record; course, webinar and external records follow their source."""
    person = record.user
    _require_hr(by, person)
    if record.source is not RecordSource.ASSESSMENT:
        raise CareerError(
            _l(
                "Hanya hasil asesmen yang dapat diubah; catatan dari kursus, webinar, atau pelatihan di "
                "luar platform hanya dapat dicabut."
            )
        )
    if record.revoked_at is not None:
        raise CareerError(_l("Catatan yang sudah dicabut tidak dapat diubah."))
    values = _clean_assessment(person, data, today or date.today())
    before = record.snapshot()
    old_competency = record.competency_id
    for key, value in values.items():
        setattr(record, key, value)
    record.updated_at = utcnow()
    db.session.flush()
    log_change(
        "competency_record",
        record.id,
        "update",
        subject_id=person.id,
        actor=by,
        before=before,
        after=record.snapshot(),
    )
    _after_change(person.id, {old_competency, record.competency_id})
    return record


def revoke_record(record: CompetencyRecord, *, by: User, reason: str) -> CompetencyRecord:
    """HR withdraws a record (e.g. wrong person); it stays, marked revoked, and stops counting."""
    person = record.user
    _require_hr(by, person)
    reason = " ".join((reason or "").split())
    if not 3 <= len(reason) <= 500:
        raise CareerError(_l("Tuliskan alasan pencabutan (3 sampai 500 karakter)."), "reason")
    if record.revoked_at is not None:
        return record
    before = record.snapshot()
    record.revoked_at = utcnow()
    record.revoked_cause = RevokeCause.HR
    record.updated_at = record.revoked_at
    db.session.flush()
    log_change(
        "competency_record",
        record.id,
        "revoke",
        subject_id=person.id,
        actor=by,
        before=before,
        after=record.snapshot() | {"reason": reason},
    )
    _after_change(person.id, [record.competency_id])
    return record


def cached_levels(user_id: int) -> dict[int, int]:
    """Competency id -> level from the maintained table (what HR analytics see)."""
    return dict(
        db.session.execute(
            sa.select(StaffCompetency.competency_id, StaffCompetency.level).where(
                StaffCompetency.user_id == user_id
            )
        ).all()
    )
