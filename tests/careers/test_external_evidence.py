"""Evidence files of learning elsewhere: kept while HR's decision may rest on them (waiting,
returned, approved, revoked), removed when the learner withdraws the report or replaces the file,
only once that has committed; the scheduled sweep removes files no report refers to."""

import os
import time
from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.careers import evidence, external
from lms.careers.evidence import EvidenceUpload, path_of
from lms.careers.jobs import sweep_evidence
from lms.careers.models import ExternalLearning, ExternalStatus
from lms.core.clock import utcnow
from lms.extensions import db
from lms.jobs.registry import SCHEDULE
from tests import factories
from tests.careers.test_external import TODAY, data, pdf_upload


def age(path, days=2):
    """Make a file look `days` old."""
    then = time.time() - days * 24 * 60 * 60
    os.utime(path, (then, then))


def test_withdrawing_removes_the_file_once_committed(org):
    item = external.report(org.staff, data(), pdf_upload(), today=TODAY)
    db.session.commit()
    stored = item.evidence_file
    external.withdraw(item, by=org.staff)
    assert item.evidence_file is None and item.evidence_name == "sertifikat.pdf"  # the label stays
    assert path_of(stored) is not None  # not before the withdrawal is stored
    db.session.commit()
    assert path_of(stored) is None
    assert db.session.get(ExternalLearning, item.id).status is ExternalStatus.WITHDRAWN


def test_a_withdrawal_rolled_back_keeps_the_file(org):
    item = external.report(org.staff, data(), pdf_upload(), today=TODAY)
    db.session.commit()
    item_id, stored = item.id, item.evidence_file
    external.withdraw(item, by=org.staff)
    db.session.rollback()
    assert path_of(stored).read_bytes() == factories.PDF
    item = db.session.get(ExternalLearning, item_id)
    assert item.status is ExternalStatus.PENDING and item.evidence_file == stored
    db.session.commit()  # a later commit does not run the forgotten removal either
    assert path_of(stored) is not None


def test_a_replacement_rolled_back_keeps_the_old_file(org):
    item = external.report(org.staff, data(), pdf_upload(), today=TODAY)
    db.session.commit()
    item_id, old = item.id, item.evidence_file
    external.update(item, data(), pdf_upload("baru.pdf"), by=org.staff, today=TODAY)
    db.session.rollback()
    assert db.session.get(ExternalLearning, item_id).evidence_file == old
    assert path_of(old).read_bytes() == factories.PDF


def test_files_of_approved_returned_and_revoked_reports_are_kept(org):
    approved = external.report(org.staff, data(), pdf_upload("a.pdf"), today=TODAY)
    returned = external.report(org.staff, data(), pdf_upload("b.pdf"), today=TODAY)
    revoked = external.report(org.staff, data(), pdf_upload("c.pdf"), today=TODAY)
    external.approve(approved, by=org.hr)
    external.send_back(returned, "Tanggalnya tidak sesuai.", by=org.hr)
    external.approve(revoked, by=org.hr)
    external.revoke(revoked, "Sertifikat ternyata palsu.", by=org.hr)
    db.session.commit()
    for item in (approved, returned, revoked):
        assert path_of(item.evidence_file).read_bytes() == factories.PDF
    evidence.sweep(grace=timedelta(0), now=time.time() + 60)  # referenced: the sweep keeps them too
    for item in (approved, returned, revoked):
        assert path_of(item.evidence_file) is not None


def test_the_sweep_removes_old_files_no_report_refers_to(org):
    kept = external.report(org.staff, data(), pdf_upload(), today=TODAY)
    db.session.commit()
    orphan = evidence.store(evidence.check(EvidenceUpload("lama.pdf", factories.PDF)))  # e.g. rolled back
    fresh = evidence.store(
        evidence.check(EvidenceUpload("baru.pdf", factories.PDF))
    )  # a request still running
    partial = evidence.folder() / f".{'x' * 24}.pdf.part"
    partial.write_bytes(b"%PDF")
    other = evidence.folder() / "README.txt"  # not a name this module makes: never touched
    other.write_text("catatan")
    for path in (path_of(kept.evidence_file), path_of(orphan), partial, other):
        age(path)

    assert "careers.sweep-evidence" in SCHEDULE
    removed = sweep_evidence(utcnow())
    assert removed >= 2  # files other tests left behind may go too
    assert path_of(orphan) is None and not partial.exists()
    assert path_of(kept.evidence_file) is not None and path_of(fresh) is not None and other.exists()
    other.unlink()


def test_the_file_of_a_report_deleted_with_its_person_is_swept(org):
    item = external.report(org.peer, data(), pdf_upload(), today=TODAY)
    db.session.commit()
    stored = item.evidence_file
    db.session.execute(sa.delete(User).where(User.id == org.peer.id))  # the report goes by CASCADE
    db.session.commit()
    left = sa.select(sa.func.count()).select_from(ExternalLearning).where(ExternalLearning.id == item.id)
    assert db.session.scalar(left) == 0
    age(path_of(stored))
    evidence.sweep()
    assert path_of(stored) is None
