"""Learning elsewhere, by the services: the learner reports, HR returns or approves, the approval
counts through the JP record HR would have entered (ledger, yearly total, SIASN export)."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.audit import history_of_entity
from lms.careers import external, jp
from lms.careers.errors import CareerError, CareerPermissionDenied
from lms.careers.evidence import EvidenceUpload, path_of
from lms.careers.models import ExternalStatus, JpRecord
from lms.careers.signals import external_learning_answered
from lms.careers.summaries import jp_total
from lms.competencies import services
from lms.extensions import db
from lms.reports.training_history import training_history_rows
from tests import factories
from tests.careers.conftest import build_org, code

TODAY = date(2026, 6, 30)


def data(**over) -> external.ExternalData:
    values = dict(
        kind="classroom",
        title="Pelatihan Pengadaan Barang/Jasa",
        organizer="LKPP",
        started_on=date(2026, 5, 4),
        ended_on=date(2026, 5, 6),
        jp=24,
        certificate_number="",
        competencies=[(code("PB"), 2), (None, None)],
    )
    values.update(over)
    return external.ExternalData(**values)


def pdf_upload(name="sertifikat.pdf") -> EvidenceUpload:
    return EvidenceUpload(name, factories.PDF)


@pytest.fixture
def answered():
    seen = []

    def listener(sender, item, by, **extra):
        seen.append((item.id, item.status, by.id))

    external_learning_answered.connect(listener)
    yield seen
    external_learning_answered.disconnect(listener)


def test_report_return_fix_approve_counts_like_an_hr_record(org, answered):
    item = external.report(org.staff, data(), pdf_upload(), today=TODAY)
    assert item.status is ExternalStatus.PENDING and item.evidence_type == "application/pdf"
    assert path_of(item.evidence_file).read_bytes() == factories.PDF
    assert [(c.competency.code, c.level) for c in item.competencies] == [("PB", 2)]
    assert jp.jp_year(org.staff, 2026).total == 0  # nothing counts while it waits

    external.send_back(item, "Sertifikatnya tidak terbaca, mohon unggah ulang.", by=org.hr)
    assert item.status is ExternalStatus.RETURNED and item.reason.startswith("Sertifikatnya")
    with pytest.raises(CareerError):  # HR cannot approve what waits for the learner
        external.approve(item, by=org.hr)

    old_file = item.evidence_file
    external.update(
        item, data(certificate_number="LKPP-2026-0042"), pdf_upload("baru.pdf"), by=org.staff, today=TODAY
    )
    assert item.status is ExternalStatus.PENDING and item.evidence_name == "baru.pdf"
    assert path_of(old_file) is not None  # the replaced file goes once the change is stored
    db.session.commit()
    assert path_of(old_file) is None and path_of(item.evidence_file).read_bytes() == factories.PDF

    external.approve(item, by=org.hr)
    record = db.session.get(JpRecord, item.jp_record_id)
    assert (record.title, record.jp, record.certificate_number) == (item.title, 24, "LKPP-2026-0042")
    assert record.recorded_by_id == org.hr.id and record.organizer == "LKPP"
    ledger = jp.jp_year(org.staff, 2026)
    assert ledger.total == 24 and [(i.kind, i.title) for i in ledger.items] == [("jp_record", item.title)]
    assert jp_total(db.session, org.staff.id, 2026) == 24  # the derived yearly total followed
    rows = [r for r in training_history_rows(org.agency.id, 2026) if r[3] == item.title]
    assert len(rows) == 1 and rows[0][4] == "LKPP" and rows[0][9] == 24 and rows[0][10] == "LKPP-2026-0042"
    assert [(status, by) for _id, status, by in answered] == [
        (ExternalStatus.RETURNED, org.hr.id),
        (ExternalStatus.APPROVED, org.hr.id),
    ]
    actions = [e.action for e in history_of_entity("external_learning", item.id)]
    assert set(actions) == {"create", "return", "update", "approve"}


def test_approving_twice_makes_one_ledger_entry(org):
    item = external.report(org.staff, data(certificate_number="X-1"), today=TODAY)
    external.approve(item, by=org.hr)
    with pytest.raises(CareerError, match="sudah berubah"):
        external.approve(item, by=org.hr)
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(JpRecord).where(JpRecord.user_id == org.staff.id)
    )
    assert count == 1 and jp.jp_year(org.staff, 2026).total == 24


def test_revoking_removes_the_jp_and_says_why(org, answered):
    item = external.report(org.staff, data(certificate_number="X-1"), today=TODAY)
    external.approve(item, by=org.hr)
    record_id = item.jp_record_id
    external.revoke(item, "Sertifikat ternyata milik pegawai lain.", by=org.hr)
    assert item.status is ExternalStatus.REVOKED and item.jp_record_id is None
    assert db.session.get(JpRecord, record_id) is None
    assert jp.jp_year(org.staff, 2026).total == 0 and jp_total(db.session, org.staff.id, 2026) == 0
    assert answered[-1][1] is ExternalStatus.REVOKED


def test_deleting_the_jp_record_on_the_hr_page_marks_the_report(org, answered):
    item = external.report(org.staff, data(certificate_number="X-1"), today=TODAY)
    external.approve(item, by=org.hr)
    jp.delete_jp_record(item.jp_record, by=org.hr)
    assert item.status is ExternalStatus.REVOKED and item.jp_record_id is None and item.reason
    assert [status for _id, status, _by in answered] == [ExternalStatus.APPROVED, ExternalStatus.REVOKED]


def test_withdraw_only_before_approval_and_only_ones_own(org):
    item = external.report(org.staff, data(certificate_number="X-1"), today=TODAY)
    with pytest.raises(CareerPermissionDenied):
        external.withdraw(item, by=org.peer)
    external.withdraw(item, by=org.staff)
    assert item.status is ExternalStatus.WITHDRAWN
    with pytest.raises(CareerError):
        external.approve(item, by=org.hr)
    approved = external.report(org.staff, data(certificate_number="X-2"), today=TODAY)
    external.approve(approved, by=org.hr)
    with pytest.raises(CareerError):
        external.withdraw(approved, by=org.staff)
    with pytest.raises(CareerError):
        external.update(approved, data(), by=org.staff, today=TODAY)


def test_hr_of_another_agency_may_not_answer(org):
    item = external.report(org.staff, data(certificate_number="X-1"), today=TODAY)
    other = build_org("LAIN")
    for answer in (
        lambda: external.approve(item, by=other.hr),
        lambda: external.send_back(item, "Bukan urusan saya.", by=other.hr),
        lambda: external.approve(item, by=org.staff),
    ):
        with pytest.raises(CareerPermissionDenied):
            answer()
    assert external.item_for_hr(other.hr, item.id) is None and external.item_for_hr(org.hr, item.id) is item
    assert external.own_item(org.peer, item.id) is None and external.own_item(org.staff, item.id) is item
    assert item.status is ExternalStatus.PENDING


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"started_on": date(2026, 5, 7)}, "ended_on"),  # ends before it starts
        ({"ended_on": date(2026, 7, 1), "started_on": date(2026, 7, 1)}, "ended_on"),  # future
        ({"started_on": None}, "started_on"),
        ({"jp": 0}, "jp"),
        ({"jp": -3}, "jp"),
        ({"jp": None}, "jp"),
        ({"jp": 1001}, "jp"),
        ({"jp": 37}, "jp"),  # 3 days: at most 36 JP
        ({"title": "x"}, "title"),
        ({"title": "a" * 100_000}, "title"),
        ({"title": "Pelatihan\x00"}, "title"),
        ({"organizer": ""}, "organizer"),
        ({"organizer": "LK\x00PP"}, "organizer"),
        ({"certificate_number": "9" * 101}, "certificate_number"),
        ({"kind": "party"}, "kind"),
        ({"competencies": [(999_999, 2)]}, "competencies"),
        ({"competencies": [(None, 2)]}, "competencies"),
        ({"competencies": [(-1, 2)]}, "competencies"),
        ({"competencies": [(1, 6)]}, "competencies"),
        ({"competencies": [(1, 2), (1, 3)]}, "competencies"),
    ],
)
def test_everything_is_checked_before_anything_is_written(org, over, field):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(JpRecord))
    with pytest.raises(CareerError) as caught:
        external.report(org.staff, data(**over), pdf_upload(), today=TODAY)
    assert caught.value.field == field
    assert external.items_of(org.staff.id) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JpRecord)) == before


def test_evidence_is_required_and_checked_by_content(org, app):
    with pytest.raises(CareerError, match="berkas bukti atau"):
        external.report(org.staff, data(), today=TODAY)
    for upload in (
        EvidenceUpload("sertifikat.pdf", b"MZ\x90\x00 not a pdf at all"),  # a program named .pdf
        EvidenceUpload("foto.png", factories.PDF),  # content and name disagree
        EvidenceUpload("catatan.txt", b"hello"),
        EvidenceUpload("kosong.pdf", b""),
        EvidenceUpload(
            "film.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100
        ),  # a type of media, not evidence
    ):
        with pytest.raises(CareerError) as caught:
            external.report(org.staff, data(), upload, today=TODAY)
        assert caught.value.field == "evidence"
    limit, app.config["EVIDENCE_MAX_BYTES"] = app.config["EVIDENCE_MAX_BYTES"], 1000
    try:
        with pytest.raises(CareerError, match="terlalu besar"):
            external.report(
                org.staff, data(), EvidenceUpload("besar.pdf", factories.PDF + b"0" * 1000), today=TODAY
            )
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = limit
    photo = external.report(
        org.staff, data(), EvidenceUpload("../../etc/foto.png", factories.png()), today=TODAY
    )
    assert photo.evidence_name == "foto.png" and photo.evidence_file.endswith(".png")


def test_another_agencys_technical_competency_is_refused(org):
    other = build_org("LAIN")
    theirs = services.create_competency(
        "TK-LAIN",
        "Teknis Lain",
        "technical",
        {n: f"Level {n}" for n in range(1, 6)},
        agency_id=other.agency.id,
    )
    with pytest.raises(CareerError):
        external.report(org.staff, data(competencies=[(theirs.id, 2)], certificate_number="X"), today=TODAY)


def test_the_hr_queue_lists_waiting_reports_of_the_agency_only(org):
    other = build_org("LAIN")
    first = external.report(org.staff, data(certificate_number="A"), today=TODAY)
    second = external.report(org.junior, data(certificate_number="B"), today=TODAY)
    external.report(other.staff, data(certificate_number="C"), today=TODAY)
    external.approve(first, by=org.hr)
    rows = db.session.scalars(external.agency_queue(org.agency.id)).all()
    assert [r.id for r in rows] == [second.id, first.id]
    assert external.waiting_count(org.agency.id) == 1
    waiting = db.session.scalars(external.agency_queue(org.agency.id, ExternalStatus.PENDING)).all()
    assert [r.id for r in waiting] == [second.id]
