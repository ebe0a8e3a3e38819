"""Performance appraisals: the direct supervisor records them, the employee reads and responds.

The supervisor rates work results and each of the seven BerAKHLAK core values; the behaviour
rating is the median of the seven (`behaviour_rating_for`) and the predikat follows from the two
ratings by the matrix of PermenPAN-RB 6/2022. Every change (record, update, response) goes to the
audit log with the values before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.audit import log_change
from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from . import summaries
from .errors import CareerError, CareerPermissionDenied
from .models import (
    BERAKHLAK_VALUES,
    Appraisal,
    AppraisalPeriod,
    Rating,
    behaviour_rating_for,
    predikat_for,
)

logger = logging.getLogger(__name__)

NOTES_MAX, RESPONSE_MAX = 5000, 2000


@dataclass
class AppraisalData:
    year: int | None
    period: str
    work_rating: str
    # BerAKHLAK value code -> rating; one rating string stands for all seven (seeding, tests).
    behaviour: Mapping[str, str] | str = field(default_factory=dict)
    notes: str = ""


def all_values(rating: str) -> dict[str, str]:
    """The same rating for all seven BerAKHLAK values (for seeding and tests)."""
    return dict.fromkeys(BERAKHLAK_VALUES, rating)


def appraisals_of(user_id: int) -> list[Appraisal]:
    """A person's appraisals, newest period first, with the appraisers loaded."""
    return list(
        db.session.scalars(
            sa.select(Appraisal)
            .where(Appraisal.user_id == user_id)
            .options(selectinload(Appraisal.appraiser))
            .order_by(Appraisal.period_end.desc(), Appraisal.id.desc())
        )
    )


def latest_of(user_id: int) -> Appraisal | None:
    return db.session.scalar(
        sa.select(Appraisal)
        .where(Appraisal.user_id == user_id)
        .order_by(Appraisal.period_end.desc(), Appraisal.id.desc())
        .limit(1)
    )


def can_appraise(actor: User, person: User) -> bool:
    """Only the direct supervisor (pejabat penilai kinerja), a verified account, records a person's
    appraisal."""
    return (
        person.supervisor_id is not None
        and person.supervisor_id == actor.id
        and actor.id != person.id
        and actor.is_verified
    )


def _clean(data: AppraisalData, today: date) -> dict:
    if data.year is None or not 2000 <= data.year <= today.year:
        raise CareerError(_l("Tahun penilaian harus antara 2000 dan tahun ini."), "year")
    try:
        period = AppraisalPeriod(data.period)
    except ValueError:
        raise CareerError(_l("Pilih periode penilaian."), "period") from None
    try:
        work = Rating(data.work_rating)
    except ValueError:
        raise CareerError(_l("Pilih rating hasil kerja."), "work_rating") from None
    given = all_values(data.behaviour) if isinstance(data.behaviour, str) else (data.behaviour or {})
    values = {}
    for code, name in BERAKHLAK_VALUES.items():
        try:
            values[code] = Rating(given.get(code) or "")
        except ValueError:
            raise CareerError(
                _l("Pilih rating perilaku kerja untuk nilai %(value)s.", value=name), f"behaviour_{code}"
            ) from None
    behaviour = behaviour_rating_for(values)
    notes = (data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise CareerError(_l("Catatan maksimal 5000 karakter."), "notes")
    return {
        "year": data.year,
        "period": period,
        "period_end": period.end(data.year),
        "work_rating": work,
        "behaviour_rating": behaviour,
        **{f"behaviour_{code}": rating for code, rating in values.items()},
        "predikat": predikat_for(work, behaviour),
        "notes": notes,
    }


def _after_change(person_id: int) -> None:
    summaries.sync_people(db.session, [person_id])
    db.session.flush()


def record_appraisal(person: User, data: AppraisalData, *, by: User, today: date | None = None) -> Appraisal:
    """The direct supervisor records the appraisal of one period (once per period)."""
    if not can_appraise(by, person):
        raise CareerPermissionDenied(_l("Hanya atasan langsung yang dapat mencatat penilaian kinerja."))
    values = _clean(data, today or date.today())
    exists = sa.select(Appraisal.id).where(
        Appraisal.user_id == person.id, Appraisal.year == values["year"], Appraisal.period == values["period"]
    )
    if db.session.scalar(exists) is not None:
        raise CareerError(_l("Penilaian untuk periode ini sudah ada. Ubah penilaian yang ada."), "period")
    appraisal = Appraisal(user_id=person.id, appraiser_id=by.id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(appraisal)
    except IntegrityError:  # recorded by a concurrent request
        raise CareerError(
            _l("Penilaian untuk periode ini sudah ada. Ubah penilaian yang ada."), "period"
        ) from None
    log_change(
        "appraisal",
        appraisal.id,
        "create",
        subject_id=person.id,
        actor=by,
        before=None,
        after=appraisal.snapshot(),
    )
    _after_change(person.id)
    logger.info("appraisal %s of user %s recorded by %s", appraisal.id, person.id, by.id)
    return appraisal


def can_edit(actor: User, appraisal: Appraisal) -> bool:
    return appraisal.appraiser_id == actor.id or can_appraise(actor, appraisal.user)


def update_appraisal(
    appraisal: Appraisal, data: AppraisalData, *, by: User, today: date | None = None
) -> Appraisal:
    """The appraiser (or the current direct supervisor) corrects an appraisal."""
    if not can_edit(by, appraisal):
        raise CareerPermissionDenied(_l("Hanya atasan langsung yang dapat mengubah penilaian kinerja."))
    values = _clean(data, today or date.today())
    clash = db.session.scalar(
        sa.select(Appraisal.id).where(
            Appraisal.user_id == appraisal.user_id,
            Appraisal.year == values["year"],
            Appraisal.period == values["period"],
            Appraisal.id != appraisal.id,
        )
    )
    if clash is not None:
        raise CareerError(_l("Penilaian untuk periode ini sudah ada. Ubah penilaian yang ada."), "period")
    before = appraisal.snapshot()
    for key, value in values.items():
        setattr(appraisal, key, value)
    appraisal.updated_at = utcnow()
    db.session.flush()
    log_change(
        "appraisal",
        appraisal.id,
        "update",
        subject_id=appraisal.user_id,
        actor=by,
        before=before,
        after=appraisal.snapshot(),
    )
    _after_change(appraisal.user_id)
    return appraisal


def respond(appraisal: Appraisal, text: str, *, by: User) -> Appraisal:
    """The employee responds to their own appraisal (the response may be changed later)."""
    if by.id != appraisal.user_id:
        raise CareerPermissionDenied(_l("Hanya pegawai yang dinilai yang dapat memberi tanggapan."))
    text = (text or "").strip()
    if not 2 <= len(text) <= RESPONSE_MAX:
        raise CareerError(_l("Tanggapan wajib diisi (2 sampai 2000 karakter)."), "response")
    before = appraisal.snapshot()
    appraisal.response = text
    appraisal.responded_at = utcnow()
    db.session.flush()
    log_change(
        "appraisal",
        appraisal.id,
        "respond",
        subject_id=appraisal.user_id,
        actor=by,
        before=before,
        after=appraisal.snapshot(),
    )
    return appraisal
