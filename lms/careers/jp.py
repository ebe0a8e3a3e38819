"""JP (jam pelajaran): the yearly total of every JP source, and JP HR records for learning elsewhere.

A person's JP of a calendar year (in their time zone) is the sum of its sources: completed courses,
webinars where the person was present (the JP the webinar credited, in the year it took place) and
JP recorded by HR (classroom training, coaching, mentoring, ...). A course or webinar whose
certificate was revoked no longer counts; the profile lists it, marked. The length of one JP is
the `JP_MINUTES` setting (45 by default) and the yearly right is `JP_YEARLY_TARGET` (20).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.agencies import can_manage_agency
from ..accounts.audit import log_change
from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from . import awards, jp_sources, summaries
from .errors import CareerError, CareerPermissionDenied
from .jp_sources import JpItem
from .models import ExternalLearning, ExternalStatus, JpRecord, JpTotal, LearningKind, RecordSource
from .signals import external_learning_answered

logger = logging.getLogger(__name__)

DEFAULT_JP_MINUTES = 45
DEFAULT_YEARLY_TARGET = 20
TITLE_MAX, ORGANIZER_MAX, EVIDENCE_MAX, CERTIFICATE_MAX = 200, 200, 500, 100


def jp_minutes() -> int:
    return int(current_app.config.get("JP_MINUTES", DEFAULT_JP_MINUTES))


def yearly_target() -> int:
    return int(current_app.config.get("JP_YEARLY_TARGET", DEFAULT_YEARLY_TARGET))


# ---------------------------------------------------------------- the year of a person


@dataclass(frozen=True)
class JpYear:
    year: int
    total: int
    target: int
    items: list[JpItem]

    @property
    def percent(self) -> int:
        return min(100, 100 * self.total // self.target) if self.target else 100

    @property
    def missing(self) -> int:
        return max(0, self.target - self.total)

    @property
    def met(self) -> bool:
        return self.total >= self.target


def jp_year(user: User, year: int) -> JpYear:
    """Everything that counts toward a person's JP of a year (one query per source)."""
    items = ledger_items(user, year)
    return JpYear(year, sum(item.counted for item in items), yearly_target(), items)


def ledger_items(user: User, year: int | None = None) -> list[JpItem]:
    """The lines of a person's ledger of a year (None: every year), oldest first; revoked ones
    included, marked."""
    return sorted(
        (item for source in jp_sources.sources() for item in source.items(user, year)),
        key=lambda item: item.on,
    )


def total_query() -> sa.Select:
    """The JP of the person `user_id` in the year `careers_year` (bind parameters) over every
    source, as kept in jp_totals (no row: none)."""
    return sa.select(JpTotal.jp).where(
        JpTotal.user_id == sa.bindparam("user_id"), JpTotal.year == sa.bindparam("careers_year")
    )


def current_year(user: User) -> int:
    return datetime.now(ZoneInfo(user.effective_timezone)).year


# ---------------------------------------------------------------- JP records by HR


@dataclass
class JpRecordData:
    kind: str
    title: str
    started_on: date | None
    ended_on: date | None
    jp: int | None = None
    minutes: int | None = None
    organizer: str = ""
    evidence: str = ""
    certificate_number: str = ""


def _clean_record(data: JpRecordData, today: date) -> dict:
    try:
        kind = LearningKind(data.kind)
    except ValueError:
        raise CareerError(_l("Pilih jenis pembelajaran."), "kind") from None
    title = " ".join((data.title or "").split())
    if not 2 <= len(title) <= TITLE_MAX:
        raise CareerError(_l("Nama pelatihan wajib diisi (2 sampai 200 karakter)."), "title")
    if data.started_on is None:
        raise CareerError(_l("Tanggal mulai wajib diisi."), "started_on")
    if data.ended_on is None:
        raise CareerError(_l("Tanggal selesai wajib diisi."), "ended_on")
    if data.ended_on < data.started_on:
        raise CareerError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."), "ended_on")
    if data.ended_on > today:
        raise CareerError(_l("Tanggal selesai tidak boleh di masa depan."), "ended_on")
    if data.started_on.year < 1970:
        raise CareerError(_l("Tanggal mulai tidak valid."), "started_on")
    minutes = data.minutes
    if data.jp is None and minutes is None:
        raise CareerError(_l("Isi jumlah JP atau durasi dalam menit."), "jp")
    if minutes is not None and not 1 <= minutes <= 1000 * jp_minutes():
        raise CareerError(_l("Durasi harus antara 1 dan %(max)d menit.", max=1000 * jp_minutes()), "minutes")
    jp = data.jp if data.jp is not None else minutes // jp_minutes()
    if not 1 <= jp <= 1000:
        if data.jp is None:
            raise CareerError(_l("Durasi kurang dari 1 JP (%(n)d menit).", n=jp_minutes()), "minutes")
        raise CareerError(_l("JP harus antara 1 dan 1000."), "jp")
    evidence = " ".join((data.evidence or "").split())
    if not 3 <= len(evidence) <= EVIDENCE_MAX:
        raise CareerError(
            _l("Sebutkan buktinya, misalnya nomor surat tugas atau sertifikat (3 sampai 500 karakter)."),
            "evidence",
        )
    organizer = " ".join((data.organizer or "").split())[:ORGANIZER_MAX]
    certificate = (data.certificate_number or "").strip()
    if len(certificate) > CERTIFICATE_MAX:
        raise CareerError(_l("Nomor sertifikat maksimal 100 karakter."), "certificate_number")
    return {
        "kind": kind,
        "title": title,
        "started_on": data.started_on,
        "ended_on": data.ended_on,
        "jp": jp,
        "minutes": minutes,
        "organizer": organizer,
        "evidence": evidence,
        "certificate_number": certificate,
    }


def _require_hr(actor: User, person: User) -> None:
    if not can_manage_agency(actor, person.agency_id):
        raise CareerPermissionDenied(_l("Anda tidak memiliki hak untuk mengelola data karier pegawai ini."))


def records_of(person: User, *, limit: int = 50) -> list[JpRecord]:
    """The person's JP records from elsewhere, newest first."""
    return list(
        db.session.scalars(
            sa.select(JpRecord)
            .where(JpRecord.user_id == person.id)
            .order_by(JpRecord.ended_on.desc(), JpRecord.id.desc())
            .limit(limit)
        )
    )


def record_jp(person: User, data: JpRecordData, *, by: User, today: date | None = None) -> JpRecord:
    """HR records JP from learning done elsewhere; the person's yearly total follows."""
    _require_hr(by, person)
    values = _clean_record(data, today or date.today())
    record = JpRecord(user_id=person.id, recorded_by_id=by.id, **values)
    db.session.add(record)
    db.session.flush()
    log_change(
        "jp_record", record.id, "create", subject_id=person.id, actor=by, before=None, after=record.snapshot()
    )
    summaries.refresh_jp(db.session, person, [record.ended_on.year])
    db.session.flush()
    return record


def delete_jp_record(record: JpRecord, *, by: User) -> None:
    """HR removes a JP record entered by mistake (kept in the audit log); a learner's report it
    came from is marked as no longer approved, and the competency records it made are revoked."""
    person = record.user
    _require_hr(by, person)
    log_change(
        "jp_record", record.id, "delete", subject_id=person.id, actor=by, before=record.snapshot(), after=None
    )
    # A record made by approving a learner's report: the report says its approval was withdrawn.
    reported = db.session.scalar(
        sa.select(ExternalLearning).where(ExternalLearning.jp_record_id == record.id)
    )
    if reported is not None:
        reported.jp_record_id = None
        if reported.status is ExternalStatus.APPROVED:
            before = reported.snapshot()
            reported.status, reported.reason = (
                ExternalStatus.REVOKED,
                str(_l("Catatan JP-nya dihapus oleh pengelola SDM.")),
            )
            reported.answered_by_id, reported.answered_at = by.id, utcnow()
            log_change(
                "external_learning",
                reported.id,
                "revoke",
                subject_id=person.id,
                actor=by,
                before=before,
                after=reported.snapshot(),
            )
            db.session.flush()
            awards.follow(RecordSource.EXTERNAL, [reported.id], by=by)  # its competencies stop counting
            external_learning_answered.send(current_app._get_current_object(), item=reported, by=by)
    year = record.ended_on.year
    db.session.delete(record)
    db.session.flush()
    summaries.refresh_jp(db.session, person, [year])
    db.session.flush()


def hours(jp: int, minutes: int | None = None) -> float:
    """Hours for SIASN: the minutes given, else the JP times the length of a JP."""
    return round((minutes if minutes is not None else jp * jp_minutes()) / 60, 2)
