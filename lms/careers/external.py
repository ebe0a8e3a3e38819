"""Learning that happened elsewhere: the learner reports it, HR of their agency approves it or
returns it with a reason, and an approved report counts through the JP record HR would have
entered itself (`jp.record_jp`), so the JP ledger and the SIASN export need no second path, and
through a competency record per claimed competency (`awards.follow`, source `external`), so the
career profile, gaps and HR reports count it like a course or a webinar.

Every input is checked before anything is written; answering is a conditional update on the
report's status, so two HR officers approving at once make one JP record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.agencies import can_manage_hr
from ..accounts.audit import log_change
from ..accounts.models import User
from ..competencies.models import LEVELS, Competency
from ..core.clock import utcnow
from ..extensions import db
from . import awards, evidence, jp
from .errors import CareerError, CareerPermissionDenied
from .models import (
    ExternalLearning,
    ExternalLearningCompetency,
    ExternalStatus,
    LearningKind,
    RecordSource,
)
from .positions import allowed_competency
from .signals import external_learning_answered

logger = logging.getLogger(__name__)

TEXT_MAX, REASON_MAX, COMPETENCIES_MAX = 200, 2000, 10
JP_PER_DAY_MAX = 12  # 9 hours of lessons a day: more is a typing error, not a training


@dataclass
class ExternalData:
    kind: str
    title: str
    organizer: str
    started_on: date | None
    ended_on: date | None
    jp: int | None
    certificate_number: str = ""
    # (competency id, level) pairs as chosen; empty rows are left out
    competencies: list[tuple[int | None, int | None]] = field(default_factory=list)


def _text(value: str | None, name: str, message, *, low: int, high: int) -> str:
    value = value or ""
    if "\x00" in value or len(value) > high * 4:
        raise CareerError(message, name)
    value = " ".join(value.split())
    if not low <= len(value) <= high:
        raise CareerError(message, name)
    return value


def _clean(person: User, data: ExternalData, *, has_file: bool, today: date) -> dict:
    if person.agency_id is None:
        raise CareerError(
            _l("Akun Anda belum terhubung ke instansi, jadi belum ada pengelola SDM yang memeriksa.")
        )
    try:
        kind = LearningKind(data.kind)
    except ValueError:
        raise CareerError(_l("Pilih jenis pembelajaran."), "kind") from None
    title = _text(
        data.title, "title", _l("Nama pelatihan wajib diisi (2 sampai 200 karakter)."), low=2, high=TEXT_MAX
    )
    organizer = _text(
        data.organizer,
        "organizer",
        _l("Penyelenggara wajib diisi (2 sampai 200 karakter)."),
        low=2,
        high=TEXT_MAX,
    )
    certificate = _text(
        data.certificate_number,
        "certificate_number",
        _l("Nomor sertifikat maksimal 100 karakter."),
        low=0,
        high=100,
    )
    if data.started_on is None:
        raise CareerError(_l("Tanggal mulai wajib diisi."), "started_on")
    if data.ended_on is None:
        raise CareerError(_l("Tanggal selesai wajib diisi."), "ended_on")
    if data.started_on.year < 1970:
        raise CareerError(_l("Tanggal mulai tidak valid."), "started_on")
    if data.ended_on < data.started_on:
        raise CareerError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."), "ended_on")
    if data.ended_on > today:
        raise CareerError(_l("Tanggal selesai tidak boleh di masa depan."), "ended_on")
    days = (data.ended_on - data.started_on).days + 1
    if data.jp is None or not 1 <= data.jp <= 1000:
        raise CareerError(_l("JP harus antara 1 dan 1000."), "jp")
    if data.jp > days * JP_PER_DAY_MAX:
        raise CareerError(
            _l(
                "%(jp)d JP dalam %(days)d hari terlalu banyak: paling banyak %(max)d JP sehari.",
                jp=data.jp,
                days=days,
                max=JP_PER_DAY_MAX,
            ),
            "jp",
        )
    if not certificate and not has_file:
        raise CareerError(_l("Lampirkan berkas bukti atau tuliskan nomor sertifikatnya."), "evidence")
    chosen: dict[int, int] = {}
    for competency_id, level in data.competencies:
        if not competency_id and not level:
            continue
        competency = db.session.get(Competency, competency_id) if competency_id else None
        if not allowed_competency(competency, person.agency_id):
            raise CareerError(_l("Pilih kompetensi dari katalog instansi Anda."), "competencies")
        if level not in LEVELS:
            raise CareerError(_l("Pilih level 1 sampai 5 untuk setiap kompetensi."), "competencies")
        if competency.id in chosen:
            raise CareerError(_l("Setiap kompetensi cukup dipilih sekali."), "competencies")
        chosen[competency.id] = level
    if len(chosen) > COMPETENCIES_MAX:
        raise CareerError(_l("Pilih paling banyak 10 kompetensi."), "competencies")
    return {
        "kind": kind,
        "title": title,
        "organizer": organizer,
        "started_on": data.started_on,
        "ended_on": data.ended_on,
        "jp": data.jp,
        "certificate_number": certificate,
        "competencies": chosen,
    }


def _write(item: ExternalLearning, values: dict, checked: evidence.CheckedEvidence | None) -> None:
    chosen = values.pop("competencies")
    for name, value in values.items():
        setattr(item, name, value)
    item.competencies = [
        ExternalLearningCompetency(competency_id=c, level=level) for c, level in chosen.items()
    ]
    if checked is not None:
        old = item.evidence_file
        item.evidence_file = evidence.store(checked)
        item.evidence_name, item.evidence_type = checked.label, checked.content_type
        evidence.remove_after_commit(old)
    item.updated_at = utcnow()


def report(
    person: User,
    data: ExternalData,
    upload: evidence.EvidenceUpload | None = None,
    *,
    today: date | None = None,
) -> ExternalLearning:
    """A learner reports learning done elsewhere; it waits for HR of their agency."""
    checked = evidence.check(upload) if upload is not None else None
    values = _clean(person, data, has_file=checked is not None, today=today or date.today())
    item = ExternalLearning(user_id=person.id, status=ExternalStatus.PENDING)
    _write(item, values, checked)
    db.session.add(item)
    db.session.flush()
    log_change(
        "external_learning",
        item.id,
        "create",
        subject_id=person.id,
        actor=person,
        before=None,
        after=item.snapshot(),
    )
    logger.info("external learning %s reported by user %s", item.id, person.id)
    return item


def update(
    item: ExternalLearning,
    data: ExternalData,
    upload: evidence.EvidenceUpload | None = None,
    *,
    by: User,
    today: date | None = None,
) -> ExternalLearning:
    """The learner corrects a report HR has not approved yet; a returned one goes back to HR."""
    if item.user_id != by.id:
        raise CareerPermissionDenied(_l("Laporan ini bukan milik Anda."))
    if not item.status.editable:
        raise CareerError(
            _l("Laporan ini sudah %(status)s dan tidak dapat diubah.", status=item.status.label.lower())
        )
    checked = evidence.check(upload) if upload is not None else None
    has_file = checked is not None or evidence.path_of(item.evidence_file) is not None
    values = _clean(by, data, has_file=has_file, today=today or date.today())
    before = item.snapshot()
    _write(item, values, checked)
    item.status = ExternalStatus.PENDING
    db.session.flush()
    log_change(
        "external_learning",
        item.id,
        "update",
        subject_id=by.id,
        actor=by,
        before=before,
        after=item.snapshot(),
    )
    return item


def withdraw(item: ExternalLearning, *, by: User) -> ExternalLearning:
    """The learner takes back a report HR has not approved; its evidence file is removed once
    that commits."""
    if item.user_id != by.id:
        raise CareerPermissionDenied(_l("Laporan ini bukan milik Anda."))
    before = item.snapshot()
    _claim(item, (ExternalStatus.PENDING, ExternalStatus.RETURNED), ExternalStatus.WITHDRAWN, None, None)
    # Nobody decided anything on it: its file goes once the withdrawal is stored (its name stays
    # as a label).
    evidence.remove_after_commit(item.evidence_file)
    item.evidence_file = None
    db.session.flush()
    log_change(
        "external_learning",
        item.id,
        "withdraw",
        subject_id=by.id,
        actor=by,
        before=before,
        after=item.snapshot(),
    )
    return item


# ---------------------------------------------------------------- HR answers


def _require_hr(item: ExternalLearning, by: User) -> None:
    if not can_manage_hr(by, item.user.agency_id):
        raise CareerPermissionDenied(_l("Anda tidak memiliki hak untuk memeriksa laporan ini."))


def _claim(item, from_statuses, to_status: ExternalStatus, by: User | None, reason: str | None) -> None:
    """Move the report from one of `from_statuses` to `to_status` in one conditional statement:
    of two answers at once, the second finds the status changed and is refused."""
    now = utcnow()
    values = {"status": to_status, "updated_at": now, "reason": reason}
    if by is not None:
        values |= {"answered_by_id": by.id, "answered_at": now}
    claimed = db.session.execute(
        sa.update(ExternalLearning)
        .where(ExternalLearning.id == item.id, ExternalLearning.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(item)
        raise CareerError(
            _l(
                "Laporan ini sudah berubah (sekarang: %(status)s). Muat ulang halaman.",
                status=item.status.label,
            )
        )
    db.session.refresh(item)


def _reason(text: str | None) -> str:
    text = (text or "").strip()
    if "\x00" in text or not 5 <= len(text) <= REASON_MAX:
        raise CareerError(_l("Tuliskan alasannya untuk pegawai (5 sampai 2000 karakter)."), "reason")
    return text


def _answered(item: ExternalLearning, action: str, before: dict, by: User) -> None:
    db.session.flush()
    log_change(
        "external_learning",
        item.id,
        action,
        subject_id=item.user_id,
        actor=by,
        before=before,
        after=item.snapshot(),
    )
    logger.info("external learning %s: %s by %s", item.id, action, by.id)
    external_learning_answered.send(current_app._get_current_object(), item=item, by=by)


def approve(item: ExternalLearning, *, by: User) -> ExternalLearning:
    """HR approves a waiting report: it becomes a JP record and a competency record per claimed
    competency, at the claimed level (exactly once, even if two approve)."""
    _require_hr(item, by)
    before = item.snapshot()
    _claim(item, (ExternalStatus.PENDING,), ExternalStatus.APPROVED, by, None)
    shown = item.certificate_number or item.evidence_name or ""
    record = jp.record_jp(
        item.user,
        jp.JpRecordData(
            kind=item.kind.value,
            title=item.title,
            started_on=item.started_on,
            ended_on=item.ended_on,
            jp=item.jp,
            organizer=item.organizer,
            evidence=f"Laporan pegawai No. {item.id}" + (f": {shown}" if shown else ""),
            certificate_number=item.certificate_number,
        ),
        by=by,
        today=item.ended_on,
    )
    item.jp_record_id = record.id
    db.session.flush()
    # The claimed competencies become the learner's records (once: only the claim above gets here).
    awards.follow(RecordSource.EXTERNAL, [item.id], by=by)
    _answered(item, "approve", before, by)
    return item


def send_back(item: ExternalLearning, reason: str, *, by: User) -> ExternalLearning:
    """HR returns a waiting report with the reason; the learner may fix it and send it again."""
    _require_hr(item, by)
    text = _reason(reason)
    before = item.snapshot()
    _claim(item, (ExternalStatus.PENDING,), ExternalStatus.RETURNED, by, text)
    _answered(item, "return", before, by)
    return item


def revoke(item: ExternalLearning, reason: str, *, by: User) -> ExternalLearning:
    """HR withdraws an approval: its JP record goes (kept in the audit log), the JP totals follow,
    and its competency records are revoked (cause: the learning elsewhere was revoked)."""
    _require_hr(item, by)
    text = _reason(reason)
    before = item.snapshot()
    record = item.jp_record
    _claim(item, (ExternalStatus.APPROVED,), ExternalStatus.REVOKED, by, text)
    if record is not None:
        jp.delete_jp_record(record, by=by)
    awards.follow(RecordSource.EXTERNAL, [item.id], by=by)
    _answered(item, "revoke", before, by)
    return item


# ---------------------------------------------------------------- reading


def _loaded(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(ExternalLearning.competencies),
        selectinload(ExternalLearning.user).selectinload(User.unit),
    )


def items_of(user_id: int, limit: int = 50) -> list[ExternalLearning]:
    """A person's reports, newest first."""
    return list(
        db.session.scalars(
            _loaded(sa.select(ExternalLearning))
            .where(ExternalLearning.user_id == user_id)
            .order_by(ExternalLearning.created_at.desc(), ExternalLearning.id.desc())
            .limit(limit)
        )
    )


def own_item(person: User, item_id: int) -> ExternalLearning | None:
    """The report if it is the person's own; None otherwise (someone else's is not found)."""
    item = db.session.get(ExternalLearning, item_id)
    return item if item is not None and item.user_id == person.id else None


def item_for_hr(actor: User, item_id: int) -> ExternalLearning | None:
    """The report if the actor is HR of its learner's agency; None otherwise."""
    item = db.session.get(ExternalLearning, item_id)
    return item if item is not None and can_manage_hr(actor, item.user.agency_id) else None


def agency_queue(agency_id: int, status: ExternalStatus | None = None) -> sa.Select:
    """An agency's reports: waiting ones first (oldest first, as they queued), then the rest."""
    query = (
        _loaded(sa.select(ExternalLearning))
        .join(User, User.id == ExternalLearning.user_id)
        .where(User.agency_id == agency_id)
        .order_by(
            sa.case((ExternalLearning.status == ExternalStatus.PENDING, 0), else_=1),
            sa.case(
                (ExternalLearning.status == ExternalStatus.PENDING, ExternalLearning.updated_at), else_=None
            ),
            ExternalLearning.updated_at.desc(),
            ExternalLearning.id.desc(),
        )
    )
    if status is not None:
        query = query.where(ExternalLearning.status == status)
    return query


def waiting_count(agency_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ExternalLearning)
            .join(User, User.id == ExternalLearning.user_id)
            .where(User.agency_id == agency_id, ExternalLearning.status == ExternalStatus.PENDING)
        )
        or 0
    )
