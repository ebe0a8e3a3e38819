"""Issue 18's journey: a learner completes a course and answers its survey (the certificate is
issued all the same); three months later (the scheduler run with the clock moved) the learner and
their supervisor answer the follow-ups; HR sees both in the results and the supervisor's answer
in the learner's career profile."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.core.clock import utcnow
from lms.evaluations import questions
from lms.evaluations.access import Subject
from lms.evaluations.jobs import OPEN_FOLLOW_UPS
from lms.extensions import db, limiter
from lms.jobs import scheduler
from tests import factories
from tests.e2e.steps import log_in, submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_app):
    limiter.reset()
    with live_app.test_request_context():
        agency = factories.agency(code="EVAL", name="Badan Evaluasi")
        trainer = factories.user(agency, roles=(Role.TRAINER,), name="Widyaiswara Evaluasi")
        hr = factories.user(agency, roles=(Role.AGENCY_ADMIN,), email="sdm-eval@uji.go.id")
        boss = factories.user(agency, name="Kepala Seksi", email="kasi-eval@uji.go.id")
        learner = factories.user(agency, name="Dewi Lestari", email="dewi-eval@uji.go.id")
        learner.supervisor_id = boss.id
        course = factories.course(by=trainer, title="Pelayanan Prima", modules=1, lessons=2, jp=2)
        questions.add_question(
            Subject(course=course), "rating", "Contoh kasus sesuai daerah saya.", by=trainer
        )
        db.session.commit()
        return {
            "learner": learner.email,
            "learner_id": learner.id,
            "boss": boss.email,
            "hr": hr.email,
            "slug": course.slug,
        }


def answer_scale(page, prefix: str, value: int) -> None:
    page.locator(f"input[type=radio][name^='{prefix}'][value='{value}']").first.check()


def test_survey_then_follow_ups_three_months_later(contexts, live_db, people):
    learner = contexts.new().new_page()
    assert log_in(learner, people["learner"]).status == 302

    # Complete the course in the browser; the survey waits on the course page.
    learner.goto(f"/courses/{people['slug']}")
    learner.get_by_role("button", name="Daftar kursus").click()
    learner.get_by_role("button", name="Tandai selesai").click()
    learner.get_by_text("Lanjut ke pelajaran berikutnya").click()
    learner.get_by_role("button", name="Tandai selesai").click()
    expect(learner.get_by_text("Selamat! Anda telah menyelesaikan kursus")).to_be_visible()
    learner.goto(f"/courses/{people['slug']}")
    learner.get_by_role("link", name="Isi evaluasi").click()

    # The survey: the four fixed ratings, the trainer's question, a comment; sent once.
    for name, value in (("relevance", 5), ("trainer", 4), ("materials", 4), ("apply", 5), ("q", 3)):
        answer_scale(learner, name, value)
    learner.get_by_label("Saran atau komentar (tidak wajib)").fill("Tambahkan simulasi loket.")
    assert submit(learner, learner.get_by_role("button", name="Kirim evaluasi")).status == 302
    expect(learner.get_by_text("Terima kasih. Evaluasi Anda sudah tersimpan.")).to_be_visible()
    expect(learner.get_by_text("Anda sudah mengisi evaluasi kursus ini")).to_be_visible()

    # The certificate was issued (the survey never held it back).
    learner.goto("/certificates/")
    expect(learner.get_by_text("Pelayanan Prima").first).to_be_visible()

    # Three months later: the scheduler (the clock moved) opens the follow-ups.
    ran = live_db(scheduler.run_due, utcnow() + timedelta(days=91), only={OPEN_FOLLOW_UPS})
    assert ran == [OPEN_FOLLOW_UPS]

    learner.goto("/evaluations/")
    learner.get_by_role("link", name="Pelayanan Prima").click()
    learner.locator("#applied-yes").check()
    learner.get_by_label("Contoh penerapannya").fill("Saya menyusun alur antrean baru di loket.")
    assert submit(learner, learner.get_by_role("button", name="Kirim jawaban")).status == 302

    boss = contexts.new().new_page()
    assert log_in(boss, people["boss"]).status == 302
    boss.goto("/")
    boss.get_by_role("link", name="Buka evaluasi saya").click()
    expect(boss.get_by_text("tentang Dewi Lestari (bawahan Anda)")).to_be_visible()
    boss.get_by_role("link", name="Pelayanan Prima").click()
    boss.locator("#applied-partly").check()
    boss.get_by_label("Contoh penerapannya").fill("Antrean lebih tertib; laporan harian belum rutin.")
    assert submit(boss, boss.get_by_role("button", name="Kirim jawaban")).status == 302

    # HR sees both answers in the results, and the supervisor's in the career profile.
    hr = contexts.new().new_page()
    assert log_in(hr, people["hr"]).status == 302
    hr.goto("/evaluations/results")
    hr.get_by_role("link", name="Pelayanan Prima").click()
    expect(hr.get_by_text("1 dari 1 peserta menjawab")).to_be_visible()
    expect(hr.get_by_text("Tambahkan simulasi loket.")).to_be_visible()
    expect(hr.get_by_text("Saya menyusun alur antrean baru di loket.")).to_be_visible()
    expect(hr.get_by_text("Antrean lebih tertib; laporan harian belum rutin.")).to_be_visible()
    hr.goto(f"/careers/people/{people['learner_id']}")
    expect(hr.get_by_role("heading", name="Penerapan hasil pelatihan menurut atasan")).to_be_visible()
    expect(hr.get_by_text("Antrean lebih tertib; laporan harian belum rutin.")).to_be_visible()
    expect(hr.get_by_text("Saya menyusun alur antrean baru di loket.")).to_have_count(0)
