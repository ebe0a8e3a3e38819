"""By HTTP: certificates as evidence on the profile, revocation, webinar JP and corrections,
a course edited after completion, and the navigation links."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.webinars.models import Attendance, Webinar
from tests import factories
from tests.careers.test_views import as_user, code_id, lesson_id

NAV = re.compile(r'<nav aria-label="Menu utama">(.*?)</nav>', re.S)


def complete_by_http(client, world):
    client.post(f"/courses/{world.course}/enrol")
    client.post(f"/courses/{world.course}/learn/{lesson_id(client.application, world.course_id)}/done")


def certificate_number(app, email) -> str:
    with app.app_context():
        return db.session.scalar(
            sa.select(Certificate.number)
            .join(User, User.id == Certificate.user_id)
            .where(User.email == email)
        )


def test_the_certificate_is_the_evidence_and_revoking_it_is_said_on_the_profile(app, client, login, world):
    as_user(client, login, world.staff)
    complete_by_http(client, world)
    number = certificate_number(app, world.staff)
    page = client.get("/careers/").text
    bukti = page[page.index('id="bukti"') :]
    assert f'href="/verify/{number}">{number}</a>' in bukti
    assert "4 dari 20 JP" in page and 'value="4" max="20"' in page

    as_user(client, login, world.hr)  # HR of the agency that issued it
    response = client.post(
        f"/certificates/manage/{number}/revoke", data={"reason": "Diterbitkan untuk pegawai yang salah"}
    )
    assert response.status_code == 302
    hr_view = client.get(f"/careers/people/{world.staff_id}").text
    assert "sertifikatnya dicabut" in hr_view

    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "0 dari 20 JP" in page and 'value="0" max="20"' in page
    assert "tidak dihitung: sertifikat dicabut" in page
    revoked = page[page.index('id="bukti-dicabut"') :]
    assert "Komunikasi Efektif" in revoked and number in revoked and "sertifikatnya dicabut" in revoked
    assert "Belum ada bukti kompetensi" in page


def test_webinar_jp_and_a_correction_by_the_trainer_move_the_profile(app, client, login, world):
    with app.app_context():
        staff = db.session.get(User, world.staff_id)
        host = factories.user(staff.agency, roles=(Role.TRAINER, Role.LEARNER), name="Pemandu")
        starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        webinar = factories.webinar(
            host,
            starts_at=starts,
            minutes=60,
            jp=3,
            title="Webinar Komunikasi",
            course_id=world.course_id,
            competencies=[("KOM", 2)],  # its own: attending it is not finishing the course
        )
        factories.registration(webinar, staff)
        db.session.commit()
        webinar_id, host_email = webinar.id, host.email

    as_user(client, login, host_email)
    assert client.post(f"/webinars/{webinar_id}/finalize").status_code == 302  # nobody came
    response = client.post(
        f"/webinars/{webinar_id}/attendance/{world.staff_id}",
        data={"present": "1", "minutes": "60", "reason": "Hadir di ruang rapat bersama atasan"},
    )
    assert response.status_code == 302

    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "3 dari 20 JP" in page and f'href="/webinars/{webinar_id}">Webinar Komunikasi</a>' in page
    bukti = page[page.index('id="bukti"') :]
    with app.app_context():
        attendance = db.session.scalar(sa.select(Attendance).where(Attendance.webinar_id == webinar_id))
        number = db.session.scalar(
            sa.select(Certificate.number).where(
                Certificate.source == "webinar", Certificate.source_id == attendance.id
            )
        )
    assert number and f'href="/verify/{number}"' in bukti and "Komunikasi" in bukti

    as_user(client, login, host_email)
    client.post(
        f"/webinars/{webinar_id}/attendance/{world.staff_id}",
        data={"present": "0", "minutes": "5", "reason": "Ternyata hanya hadir lima menit"},
    )
    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "0 dari 20 JP" in page
    assert "kehadiran webinar dikoreksi menjadi tidak hadir" in page
    with app.app_context():
        assert db.session.get(Webinar, webinar_id).jp == 3


def test_a_course_edited_after_completion_moves_the_profile_on_save(app, client, login, world):
    with app.app_context():
        admin = factories.user(roles=(Role.ADMIN,), name="Admin Pusat")
        db.session.commit()
        admin_email = admin.email
    as_user(client, login, world.staff)
    complete_by_http(client, world)
    assert "4 dari 20 JP" in client.get("/careers/").text

    as_user(client, login, admin_email)
    response = client.post(
        f"/teach/{world.course_id}/settings",
        data={
            "title": "Komunikasi Efektif",
            "jp": "7",
            "comp_KOM": "4",
            "comp_PB": "",
            "rule_lessons": "required",
        },
    )
    assert response.status_code == 302

    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "7 dari 20 JP" in page
    assert "kursus tidak lagi memberikan kompetensi ini" in page  # PB
    with app.app_context():
        from lms.careers import records

        assert records.cached_levels(world.staff_id) == {code_id(app, "KOM"): 4}


def test_navigation_links_to_careers_and_hr_analytics(client, login, world):
    as_user(client, login, world.staff)
    nav = NAV.search(client.get("/careers/").text).group(1)
    assert 'href="/careers/">Karier</a>' in nav and "Analitik SDM" not in nav
    as_user(client, login, world.hr)
    nav = NAV.search(client.get("/").text).group(1)
    assert 'href="/careers/">Karier</a>' in nav and 'href="/hr/">Analitik SDM</a>' in nav
    assert client.get("/hr/").status_code == 302
