"""Careers pages through the client: journeys, forms, bad input, page hygiene, query counts."""

import gzip
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import Role
from lms.careers import appraisals, positions, records, training_requests
from lms.careers.models import Appraisal, CompetencyRecord, JpRecord, Position, RequestStatus, TrainingRequest
from lms.extensions import db, limiter
from tests import factories
from tests.careers.conftest import Ids, build_org, code, complete
from tests.html import without_site_script


def values(rating):
    """The seven BerAKHLAK fields of the appraisal form, all with one rating."""
    return {f"behaviour_{code}": r for code, r in appraisals.all_values(rating).items()}


def as_user(client, login, email):
    limiter.reset()  # many logins in one test are not password guessing
    client.post("/logout")
    login(type("U", (), {"email": email}))


def test_learner_profile_journey(app, client, login, world):
    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "Analis Ahli Pertama" in page and "Komunikasi Efektif" in page  # recommended
    assert "<svg" in page and "<script" not in without_site_script(page) and " style=" not in page
    assert client.post("/careers/target", data={"target_position_id": world.muda}).status_code == 302
    assert "Analis Ahli Muda" in client.get("/careers/").text
    response = client.post(
        "/careers/requests",
        data={"competency_id": code_id(app, "PK"), "message": "Saya perlu pelatihan pengambilan keputusan."},
    )
    assert response.status_code == 302
    # completing the recommended course moves the JP bar and the gap
    client.post(f"/courses/{world.course}/enrol")
    lesson = lesson_id(app, world.course_id)
    client.post(f"/courses/{world.course}/learn/{lesson}/done")
    page = client.get("/careers/").text
    assert "4 dari 20 JP" in page and 'value="4" max="20"' in page
    assert re.search(r"Komunikasi Efektif</a></td>\s*<td data-label=\"Jenis\">Kursus daring", page)


def code_id(app, value):
    with app.app_context():
        return code(value)


def lesson_id(app, course_id):
    from lms.courses.models import Lesson

    with app.app_context():
        return db.session.scalar(sa.select(Lesson.id).where(Lesson.course_id == course_id))


def test_bad_target_and_request_are_shown_on_the_page(app, client, login, world):
    as_user(client, login, world.staff)
    other = factories.bind(app, factories.agency)(code="LAIN")
    with app.app_context():
        foreign = positions.save_position(
            db.session.merge(other), positions.PositionData("X", "Luar", "pelaksana"), by=None
        )
        db.session.commit()
        foreign_id = foreign.id
    response = client.post("/careers/target", data={"target_position_id": foreign_id})
    assert response.status_code == 422 and "instansi Anda" in response.text
    response = client.post("/careers/requests", data={"competency_id": "", "message": "pendek"})
    assert response.status_code == 422 and "Pilih kompetensi" in response.text


def test_training_request_is_answered_by_hr(app, client, login, world):
    with app.app_context():
        staff = db.session.get(factories.services.User, world.staff_id)
        request_id = training_requests.submit(staff, code("PK"), "Pelatihan pengambilan keputusan, mohon.").id
        db.session.commit()
    as_user(client, login, world.hr)
    assert "Pelatihan pengambilan keputusan" in client.get(f"/hr/{world.agency}/requests").text
    response = client.post(f"/hr/requests/{request_id}", data={"status": "open", "answer": "x"})
    assert response.status_code == 200 and "Pilih jawaban" in response.text
    response = client.post(
        f"/hr/requests/{request_id}",
        data={"status": "accepted", "answer": "Anda kami daftarkan pada pelatihan bulan depan."},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TrainingRequest, request_id).status is RequestStatus.ACCEPTED
    as_user(client, login, world.staff)
    assert "kami daftarkan" in client.get("/careers/").text


def test_supervisor_appraises_and_employee_responds(app, client, login, world):
    as_user(client, login, world.head)
    response = client.post(
        f"/careers/people/{world.staff_id}/appraisals/new",
        data={
            "year": 2025,
            "period": "annual",
            "work_rating": "below",
            **values("meets"),
            "notes": "Catatan",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/careers/people/{world.staff_id}/appraisals/new",
        data={"year": 2025, "period": "annual", "work_rating": "meets", **values("meets")},
    )
    assert response.status_code == 200 and "sudah ada" in response.text
    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "Butuh Perbaikan" in page and "Prioritas" in page
    assert page.index('id="prioritas"') < page.index('id="jp"')  # training first
    with app.app_context():
        appraisal_id = db.session.scalar(sa.select(Appraisal.id).where(Appraisal.user_id == world.staff_id))
    assert (
        client.post(
            f"/careers/appraisals/{appraisal_id}/respond", data={"response": "Saya akan memperbaiki."}
        ).status_code
        == 302
    )
    assert "Saya akan memperbaiki." in client.get("/careers/").text


def test_hr_records_position_assessment_and_jp_and_sees_the_audit(app, client, login, world):
    as_user(client, login, world.hr)
    person = world.junior_id
    assert (
        client.post(f"/hr/people/{person}/position", data={"position_id": world.pertama}).status_code == 302
    )
    response = client.post(
        f"/hr/people/{person}/assessments/new",
        data={
            "competency_id": code_id(app, "KOM"),
            "level": 6,
            "achieved_on": "2025-01-01",
            "evidence": "AC",
        },
    )
    assert response.status_code == 200 and "Level kompetensi harus antara 1 dan 5" in response.text
    assert (
        client.post(
            f"/hr/people/{person}/assessments/new",
            data={
                "competency_id": code_id(app, "KOM"),
                "level": 2,
                "achieved_on": "2025-01-01",
                "evidence": "Laporan AC 4",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/hr/people/{person}/jp/new",
            data={
                "kind": "mentoring",
                "title": "Mentoring penyusunan SKP",
                "started_on": "2026-02-01",
                "ended_on": "2026-02-01",
                "minutes": 135,
                "evidence": "Surat tugas 3",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        record_id = db.session.scalar(
            sa.select(CompetencyRecord.id).where(CompetencyRecord.user_id == person)
        )
        jp_id = db.session.scalar(sa.select(JpRecord.id).where(JpRecord.user_id == person))
        assert db.session.get(JpRecord, jp_id).jp == 3
    assert (
        client.post(
            f"/hr/records/{record_id}/edit",
            data={
                "competency_id": code_id(app, "KOM"),
                "level": 3,
                "achieved_on": "2025-01-01",
                "evidence": "Laporan AC 4 rev",
            },
        ).status_code
        == 302
    )
    assert client.post(f"/hr/records/{record_id}/revoke", data={"revoke-reason": "Keliru"}).status_code == 302
    assert client.post(f"/hr/jp-records/{jp_id}/delete").status_code == 302
    audit = client.get(f"/hr/people/{person}/audit").text
    for words in (
        "Bukti kompetensi dicatat",
        "Bukti kompetensi diubah",
        "Bukti kompetensi dicabut",
        "Catatan JP dihapus",
    ):
        assert words in audit
    profile = client.get(f"/careers/people/{person}").text
    assert "Analis Ahli Pertama" in profile and "Tetapkan jabatan" in profile


def test_hr_csv_upload_lists_every_problem_and_writes_nothing(app, client, login, world):
    as_user(client, login, world.hr)
    bad = (
        b"kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya\n"
        b"A;Jabatan A;fungsional;;XX:2;B\nB;Jabatan B;fungsional;;INT:9;A\n"
    )
    response = client.post(
        f"/hr/{world.agency}/positions",
        data={"file": (__import__("io").BytesIO(bad), "j.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "tidak dikenal" in response.text and "harus angka 1 sampai 5" in response.text
    assert "melingkar" in response.text and "tidak ada data yang disimpan" in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(Position.id).where(Position.agency_id == world.agency, Position.code == "A")
            )
            is None
        )
    good = b"kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya\nA;Jabatan A;fungsional;;KOM:2;MUDA\n"
    response = client.post(
        f"/hr/{world.agency}/positions",
        data={"file": (__import__("io").BytesIO(good), "j.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Jabatan A" in client.get(f"/hr/{world.agency}/positions").text
    assert client.get(f"/hr/{world.agency}/positions.csv").text.count("\n") == 4


def test_hr_pages_render(app, client, login, world):
    as_user(client, login, world.hr)
    agency = world.agency
    for path in (
        "",
        "/jp",
        "/jp?unit=999",
        "/heatmap",
        "/talent?perf=2&fit=2",
        "/readiness",
        f"/readiness?position={world.muda}",
        "/requests",
        "/positions",
        "/competencies",
    ):
        response = client.get(f"/hr/{agency}{path}")
        expected = 404 if "unit=999" in path else 200
        assert response.status_code == expected, path
        if expected == 200:
            assert "<script" not in without_site_script(response.text) and " style=" not in response.text
    assert client.get(f"/hr/positions/{world.muda}").status_code == 200
    assert client.get("/hr/").status_code == 302


def test_pages_are_light(app, client, login, world):
    as_user(client, login, world.staff)
    page = client.get("/careers/", headers={"Accept-Encoding": "gzip"})
    size = len(page.data) if page.headers.get("Content-Encoding") == "gzip" else len(gzip.compress(page.data))
    assert size < 12 * 1024


def populate(app, org_code, n):
    """An agency of n people with positions, records, appraisals, JP, requests; returns ids."""
    from lms.careers import jp as jp_services

    with app.app_context():
        org = build_org(org_code)
        course = factories.course(
            by=None,
            title=f"Kursus {org_code}",
            modules=1,
            lessons=1,
            jp=3,
            competencies=[("KOM", 2), ("INT", 2)],
        )
        people = [org.staff]
        for i in range(n):
            person = factories.user(
                org.agency, unit=[org.units.org, org.units.pkm][i % 2], name=f"Pegawai {i}"
            )
            person.supervisor_id = org.head.id
            people.append(person)
        db.session.flush()
        for i, person in enumerate(people):
            positions.assign_position(person, org.pertama if i % 2 else org.muda, by=org.hr)
            positions.choose_target(person, org.muda if i % 2 else None, by=person)
            complete(person, course)
            records.record_assessment(
                person, records.AssessmentData(code("PB"), 1 + i % 3, date(2025, 1, 1), f"AC {i}"), by=org.hr
            )
            appraisals.record_appraisal(
                person,
                appraisals.AppraisalData(2025, "annual", "meets", appraisals.all_values("above")),
                by=org.head,
                today=date(2026, 1, 2),
            )
            jp_services.record_jp(
                person,
                jp_services.JpRecordData(
                    "coaching", "Coaching", date(2026, 1, 5), date(2026, 1, 5), 2, evidence="ST 1"
                ),
                by=org.hr,
                today=date(2026, 2, 1),
            )
            training_requests.submit(person, code("PK"), "Mohon pelatihan pengambilan keputusan.")
        db.session.commit()
        return Ids(
            agency=org.agency.id,
            hr=org.hr.email,
            staff=org.staff.email,
            head=org.head.email,
            muda=org.muda.id,
            kom=code("KOM"),
            unit=org.units.setda.id,
        )


def test_pages_use_a_bounded_number_of_queries(app, client, login, count_queries):
    counts = {}
    for n in (2, 12):
        ids = populate(app, f"Q{n}", n)
        pages = {"profile": (ids.staff, "/careers/"), "team": (ids.head, "/careers/team")}
        for path in (
            "",
            "/jp",
            "/jp?unit={unit}",
            "/heatmap",
            "/heatmap?unit={unit}",
            "/heatmap/{kom}",
            "/talent",
            "/talent?perf=2&fit=1",
            "/talent?perf=3&fit=2",
            "/readiness?position={muda}",
            "/requests",
            "/external",
            "/positions",
            "/competencies",
        ):
            pages["hr" + path] = (ids.hr, f"/hr/{ids.agency}" + path.format(**ids))
        counts[n] = {}
        for name, (email, path) in pages.items():
            as_user(client, login, email)
            with count_queries() as statements:
                assert client.get(path).status_code == 200, path
            counts[n][name] = len(statements)
    print("queries per page:", counts[12])
    assert counts[2] == counts[12]
    assert max(counts[12].values()) <= 27  # + webinar JP, + certificates as evidence


def test_an_upcoming_webinar_is_recommended_on_the_profile(app, client, login, world):
    with app.app_context():
        host = factories.user(roles=(Role.TRAINER,), name="Narasumber")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        webinar = factories.webinar(
            host, title="Webinar Integritas", starts_at=start, competencies=[("INT", 2)]
        )
        past = factories.webinar(host, title="Webinar Lalu", competencies=[("INT", 2)])  # started already
        db.session.commit()
        webinar_id, past_title = webinar.id, past.title
    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    recommended = page[page.index('id="rekomendasi"') :]
    assert f'href="/webinars/{webinar_id}">Webinar Integritas</a> · Webinar,' in recommended
    assert "Integritas 0 → 2" in recommended and past_title not in recommended
