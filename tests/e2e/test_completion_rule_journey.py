"""One completion rule in the browser (issue 14, findings 1 and 2): the learner who finished every
lesson sees the required quiz still pending everywhere, and the trainer cannot drop it from the rule."""

from __future__ import annotations

import re

import pytest

from lms.accounts.models import Role
from lms.courses.models import Course
from lms.extensions import db
from tests import factories
from tests.quizzes.conftest import build_quiz

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.steps import PHONE, log_in  # noqa: E402

pytestmark = pytest.mark.e2e


def _course_with_required_quiz(trainer):
    course = factories.course(by=trainer, title="Kursus Etika ASN", modules=1, lessons=1, jp=2)
    build_quiz(
        db.session.get(Course, course.id),
        gift="::q::Satu JP sama dengan 45 menit. {T}\n",
        title="Evaluasi Etika",
    )
    return course.slug, course.id


def test_the_required_quiz_is_pending_until_passed(contexts, live_app, live_user):
    trainer = live_user(roles=(Role.TRAINER, Role.LEARNER), name="Widyaiswara Etika")
    learner = live_user(name="Naomi Uji")
    slug, course_id = factories.bind(live_app, _course_with_required_quiz)(trainer)

    page = contexts.new(**PHONE).new_page()
    log_in(page, learner.email)
    page.goto(f"/courses/{slug}")
    page.get_by_role("button", name="Daftar kursus").click()
    page.get_by_role("button", name="Tandai selesai").click()
    hint = page.get_by_role("status").filter(has_text="Semua pelajaran sudah selesai")
    expect(hint).to_contain_text("Evaluasi Etika")
    expect(page.get_by_role("progressbar", name="Kemajuan")).to_have_attribute("value", "50")
    page.goto(f"/courses/{slug}")
    required = page.locator("section.required-items")
    expect(required).to_contain_text("Evaluasi Etika")
    expect(required).to_contain_text("Belum lulus")
    expect(page.get_by_text("Anda telah menyelesaikan kursus ini")).to_have_count(0)
    page.goto("/")
    expect(page.locator("body")).to_contain_text(re.compile(r"50\s?%"))  # Babel's "50 %" (no-break space)
    page.goto(f"/courses/{slug}")
    page.locator("section.required-items").get_by_role("link", name="Evaluasi Etika").click()
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))

    teacher = contexts.new().new_page()
    log_in(teacher, trainer.email)
    teacher.goto(f"/teach/{course_id}/settings")
    teacher.get_by_label("Kuis").select_option(label="Tidak dipakai")
    teacher.get_by_role("button", name="Simpan").click()
    expect(teacher.locator("body")).to_contain_text(
        "1 kuis yang ditandai wajib untuk kelulusan (Evaluasi Etika)"
    )
