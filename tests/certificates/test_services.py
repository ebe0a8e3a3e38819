import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role
from lms.certificates import handlers, services, signing
from lms.certificates.models import Certificate, CertificateSource
from lms.courses import learning
from lms.extensions import db
from lms.webinars import attendance as webinar_attendance
from tests import factories
from tests.certificates.conftest import certificate_of, complete

BASE = "http://localhost"


@pytest.fixture
def world(ctx):
    agency = factories.agency(code="PEMDA", name="Pemerintah Kabupaten Uji", timezone="Asia/Jayapura")
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Yohanes Wenda", nip=factories.make_nip(seq=11))
    course = factories.course(
        by=trainer, title="Pelayanan Publik Prima", jp=3, competencies=[("PP", 2), ("KOM", 1)]
    )
    return SimpleNamespace(agency=agency, trainer=trainer, learner=learner, course=course)


def test_completing_a_course_issues_one_certificate_with_a_snapshot(world):
    enrolment = complete(world.learner, world.course)
    cert = certificate_of(enrolment)
    assert cert is not None and cert.source is CertificateSource.COURSE
    assert (cert.holder_name, cert.holder_nip) == ("Yohanes Wenda", world.learner.nip)
    assert (cert.title, cert.jp, cert.course_id) == ("Pelayanan Publik Prima", 3, world.course.id)
    assert sorted((c["code"], c["level"]) for c in cert.competencies) == [("KOM", 1), ("PP", 2)]
    assert {c["name"] for c in cert.competencies} == {"Pelayanan Publik", "Komunikasi"}
    assert cert.issuer_name == "Pemerintah Kabupaten Uji" and cert.issuer_agency_id == world.agency.id
    assert cert.timezone == "Asia/Jayapura"
    assert cert.key_id == signing.keyring().current.kid
    # Later edits never change what was certified.
    world.learner.name = "Nama Baru"
    world.course.title = "Judul Baru"
    db.session.flush()
    db.session.refresh(cert)
    assert (cert.holder_name, cert.title) == ("Yohanes Wenda", "Pelayanan Publik Prima")


def test_issuing_again_returns_the_same_certificate(world):
    enrolment = complete(world.learner, world.course)
    first = certificate_of(enrolment)
    assert services.issue_for_enrolment(enrolment, base_url=BASE) is first
    # other tests may have committed completions of their own, which are issued here
    assert [c for c in services.issue_missing(base_url=BASE) if c.user_id == world.learner.id] == []
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Certificate).where(Certificate.user_id == world.learner.id)
    )
    assert count == 1


def test_the_loser_of_a_race_gets_the_winners_certificate(world, monkeypatch):
    """Simulates the race on any database: the existence check misses a certificate that a
    concurrent request inserts just before us; the unique constraint makes us return theirs."""
    enrolment = complete(world.learner, world.course)
    winner = certificate_of(enrolment)
    real = services.certificate_for_source
    calls = []

    def miss_first_time(source, source_id):
        calls.append(source_id)
        return None if len(calls) == 1 else real(source, source_id)

    monkeypatch.setattr(services, "certificate_for_source", miss_first_time)
    assert services.issue_for_enrolment(enrolment, base_url=BASE) is winner
    assert len(calls) == 2


def test_the_unique_constraint_holds_in_the_database(world):
    enrolment = complete(world.learner, world.course)
    cert = certificate_of(enrolment)
    duplicate = Certificate(
        **{
            c.key: getattr(cert, c.key)
            for c in Certificate.__table__.columns
            if c.key not in ("id", "number", "uuid")
        },
        number="ASN-X",
        uuid="u",
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(duplicate)


def test_issuing_agency_falls_back_to_the_learners_agency_then_the_site(world, app):
    no_agency_trainer = factories.user(roles=(Role.TRAINER,))
    course = factories.course(by=no_agency_trainer, title="Kursus Nasional")
    cert = certificate_of(complete(world.learner, course))
    assert cert.issuer_name == "Pemerintah Kabupaten Uji"
    loner = factories.user(name="Tanpa Instansi")
    cert = certificate_of(complete(loner, course))
    assert cert.issuer_name == app.config["SITE_NAME"] and cert.issuer_agency_id is None


def test_an_incomplete_enrolment_gets_no_certificate(world):
    enrolment = learning.enrol(world.learner, world.course)
    with pytest.raises(services.CertificateError):
        services.issue_for_enrolment(enrolment, base_url=BASE)
    assert certificate_of(enrolment) is None


def test_a_failure_to_issue_does_not_undo_the_completion(world, monkeypatch, caplog):
    def broken(award):
        raise signing.SigningKeyError("keys unreadable")

    monkeypatch.setattr(services, "issue", broken)
    enrolment = complete(world.learner, world.course)
    assert enrolment.completed_at is not None and certificate_of(enrolment) is None
    assert "could not be issued" in caplog.text
    monkeypatch.undo()
    issued = services.issue_missing(base_url=BASE)  # with other tests' committed completions
    assert [c.source_id for c in issued if c.user_id == world.learner.id] == [enrolment.id]


def test_webinar_attendance_issues_a_certificate_once(world):
    attended = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    first = services.issue_for_webinar(
        9001,
        world.learner,
        title="Webinar Etika ASN",
        jp=2,
        attended_at=attended,
        course=world.course,
        base_url=BASE,
    )
    again = services.issue_for_webinar(
        9001, world.learner, title="Webinar Etika ASN", jp=2, attended_at=attended, base_url=BASE
    )
    assert again is first
    assert first.source is CertificateSource.WEBINAR and first.source_id == 9001
    assert first.title == "Webinar Etika ASN" and first.jp == 2
    # A webinar of a course does not certify the course's competencies (PP, KOM): only its own.
    assert first.competencies == []
    assert first.issuer_name == "Pemerintah Kabupaten Uji"
    # A course enrolment with the same id is another source: no clash.
    assert services.certificate_for_source(CertificateSource.COURSE, 9001) is None


def test_the_webinar_signal_handler_reads_an_attendance(world):
    webinar = SimpleNamespace(title="Webinar Inovasi", jp=2, course=None)
    attendance = SimpleNamespace(
        id=77,
        user=world.learner,
        webinar=webinar,
        jp_credited=1,
        finalized_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    handlers.on_webinar_attended(None, attendance=attendance)
    cert = services.certificate_for_source(CertificateSource.WEBINAR, 77)
    assert (cert.title, cert.jp, cert.competencies) == ("Webinar Inovasi", 1, [])


def test_jp_by_year_counts_unrevoked_certificates_in_the_holders_year(world):
    complete(world.learner, world.course)  # 3 JP, now
    # 31 Dec 2025 20:00 UTC is already 1 Jan 2026 in Jayapura (WIT, UTC+9).
    services.issue_for_webinar(
        1,
        world.learner,
        title="Malam tahun baru",
        jp=2,
        attended_at=datetime(2025, 12, 31, 20, 0, tzinfo=UTC),
        base_url=BASE,
    )
    services.issue_for_webinar(
        2,
        world.learner,
        title="Tahun lalu",
        jp=5,
        attended_at=datetime(2025, 6, 1, tzinfo=UTC),
        base_url=BASE,
    )
    revoked = services.issue_for_webinar(
        3, world.learner, title="Dicabut", jp=7, attended_at=datetime(2025, 6, 2, tzinfo=UTC), base_url=BASE
    )
    services.revoke(revoked, "Kehadiran tidak sah", by=None)
    this_year = services.this_year(world.learner)
    totals = services.jp_by_year(world.learner)
    assert totals[2025] == 5
    assert totals[2026] == 2 + (3 if this_year == 2026 else 0)
    assert totals.get(this_year, 0) >= 3
    assert len(services.certificates_of(world.learner)) == 4
    assert len(services.certificates_of(world.learner, include_revoked=False)) == 3


def test_revocation_needs_a_reason_and_the_right(world):
    cert = certificate_of(complete(world.learner, world.course))
    other_admin = factories.user(factories.agency(code="LAIN"), roles=(Role.AGENCY_ADMIN,))
    own_admin = factories.user(world.agency, roles=(Role.AGENCY_ADMIN,))
    with pytest.raises(services.CertificateError, match="hak"):
        services.revoke(cert, "Alasan yang cukup", by=other_admin)
    with pytest.raises(services.CertificateError, match="alasan"):
        services.revoke(cert, "  no ", by=own_admin)
    services.revoke(cert, "Data   kelulusan keliru", by=own_admin)
    assert cert.is_revoked and cert.revocation_reason == "Data kelulusan keliru"
    assert cert.revoked_by_id == own_admin.id
    with pytest.raises(services.CertificateError, match="sudah dicabut"):
        services.revoke(cert, "Sekali lagi", by=own_admin)


def test_nip_is_masked_to_birth_year_and_last_four_digits():
    assert services.mask_nip("198503152010011001") == "1985**********1001"
    assert services.mask_nip(None) == "" and services.mask_nip("") == ""
    assert services.mask_nip("12345") == "*****"


def test_manage_query_scopes_agency_admins_to_their_agency(world):
    cert = certificate_of(complete(world.learner, world.course))
    own_admin = factories.user(world.agency, roles=(Role.AGENCY_ADMIN,))
    other_admin = factories.user(factories.agency(code="LAIN"), roles=(Role.AGENCY_ADMIN,))
    admin = factories.user(roles=(Role.ADMIN,))
    learner = world.learner

    def found(actor, search=""):
        return list(db.session.scalars(services.manage_query(actor, search)))

    def found_here(actor, search=""):
        """The admin sees every agency's certificates, those other tests committed too."""
        return [c for c in found(actor, search) if c.issuer_agency_id == world.agency.id]

    assert found(own_admin) == [cert] and found_here(admin) == [cert]
    assert found(other_admin) == [] and found(learner) == []
    assert found(admin, cert.number.lower()) == [cert]
    assert found_here(admin, "wenda") == [cert] and found_here(admin, "tidak-ada") == []


def test_webinar_attended_signal_issues_a_certificate(world, app):
    from lms.competencies.services import competencies_by_code
    from lms.webinars.signals import webinar_attended

    known = competencies_by_code(["PB"])
    webinar = SimpleNamespace(
        title="Webinar Manajemen Talenta",
        jp=2,
        course=world.course,
        competencies=[SimpleNamespace(competency=known["PB"], level=3)],
    )
    attendance = SimpleNamespace(
        id=4242,
        user=world.learner,
        webinar=webinar,
        jp_credited=2,
        finalized_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    webinar_attended.send(app, attendance=attendance)
    cert = services.certificate_for_source(CertificateSource.WEBINAR, 4242)
    assert cert is not None and cert.title == "Webinar Manajemen Talenta" and cert.jp == 2
    # the webinar's own competencies, not its course's (PP, KOM)
    assert cert.competencies == [
        {"code": "PB", "name": known["PB"].name, "type": known["PB"].type.value, "level": 3}
    ]


def test_a_webinar_certificate_snapshots_the_webinars_competencies_when_issued(world):
    from lms.webinars import competencies

    webinar = factories.webinar(
        world.trainer, course_id=world.course.id, jp=2, competencies=[("PP", 3), ("INT", 1)]
    )
    factories.registration(webinar, world.learner)
    webinar_attendance.join(world.learner, webinar, "sid-1", at=webinar.starts_at)
    webinar_attendance.leave("sid-1", at=webinar.ends_at)
    webinar_attendance.finalize(webinar, at=webinar.ends_at)
    (cert,) = services.certificates_of(world.learner)
    assert cert.source is CertificateSource.WEBINAR and cert.jp == 2
    assert sorted((c["code"], c["level"]) for c in cert.competencies) == [("INT", 1), ("PP", 3)]
    snapshot, credential = [dict(c) for c in cert.competencies], cert.credential_jwt
    # Edited afterwards, the webinar awards something else; the signed certificate stays as issued.
    competencies.set_competencies(webinar, [("KOM", 2)], by=world.trainer)
    db.session.commit()
    db.session.refresh(cert)
    assert cert.competencies == snapshot and cert.credential_jwt == credential


def test_the_public_base_url_is_a_plain_argument(world):
    """No request is read by the services: the address signed into the credential is the one given."""
    assert not hasattr(services, "request") and not hasattr(services, "public_base_url")
    enrolment = learning.enrol(world.learner, world.course)
    enrolment.completed_at = datetime(2026, 3, 4, tzinfo=UTC)
    db.session.flush()
    cert = services.issue_for_enrolment(enrolment, base_url="https://belajar.uji.go.id/")
    body = cert.credential_jwt.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    page = f"https://belajar.uji.go.id/verify/{cert.number}"
    assert payload["jti"] == page and payload["iss"] == "https://belajar.uji.go.id"
    assert services.verify_url(cert.number, "https://belajar.uji.go.id/") == page
