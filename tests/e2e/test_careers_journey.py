"""Career profiles in a real browser, the "done when" of issue 7: an employee completes a course and
sees their competency level rise, the gap to their target position shrink and their JP bar move;
HR of that agency sees the heatmap and the 9-box change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from lms.careers import appraisals, positions, records
from lms.courses import services as courses
from tests.careers.conftest import build_org, code

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.steps import log_in  # noqa: E402

pytestmark = pytest.mark.e2e

COURSE = "Komunikasi Efektif dalam Pelayanan Publik"
LESSON = """## Mendengar aktif

Ulangi pokok keluhan warga dengan kata-kata Anda sendiri sebelum menjawab.
"""


@dataclass(frozen=True)
class World:
    learner: str  # email
    learner_name: str
    hr: str
    course_slug: str


def seed() -> World:
    """An agency (units SETDA > ORG), its HR, a learner in ORG holding Analis Ahli Pertama (KOM 2,
    INT 2, PB 2) who reached INT 2 and PB 2 by assessment and was appraised Baik, and a published
    course of 3 JP awarding Komunikasi level 3."""
    org = build_org("MALTENG")
    staff = org.staff
    positions.assign_position(staff, org.pertama, by=org.hr)
    for competency in ("INT", "PB"):
        records.record_assessment(
            staff,
            records.AssessmentData(
                code(competency), 2, date(2025, 6, 2), "Assessment center BKPSDM No. 14/2025"
            ),
            by=org.hr,
        )
    appraisals.record_appraisal(
        staff,
        appraisals.AppraisalData(year=2025, period="annual", work_rating="meets", behaviour="meets"),
        by=org.head,
    )
    course = courses.create_course(
        courses.CourseData(
            title=COURSE,
            summary="Mendengar aktif, menjawab pengaduan, dan bahasa yang santun.",
            category="Pelayanan Publik",
            jp=3,
            competencies=[("KOM", 3)],
        ),
        by=None,
    )
    module = courses.add_module(course, "Modul 1", by=None)
    courses.add_lesson(
        module, courses.LessonData(title="Mendengar aktif", body_md=LESSON, duration_minutes=20), by=None
    )
    courses.publish(course, by=None)
    return World(staff.email, staff.name, org.hr.email, course.slug)


# ---------------------------------------------------------------- what a person sees


def section(page: Page, heading: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def gap_row(table_section, competency: str):
    """The table row of a competency within a section (the inner locator starts from the page)."""
    return table_section.get_by_role("row").filter(
        has=table_section.page.get_by_role("cell", name=competency, exact=True)
    )


def expect_jp(page: Page, total: int) -> None:
    jp = page.locator("section#jp")
    expect(jp.get_by_text(f"{total} dari 20 JP", exact=True)).to_be_visible()
    expect(jp.get_by_role("progressbar", name="JP tahun ini")).to_have_attribute("value", str(total))


def heatmap_cell(page: Page, unit: str, competency: str):
    """The cell of a unit and a competency, found by the competency's name (the headers are words)."""
    headers = page.locator("table.heatmap thead th")
    expect(headers).not_to_have_count(0)  # all_inner_texts() does not wait for a page being loaded
    headers = headers.all_inner_texts()
    column = headers.index(competency)
    row = page.locator("table.heatmap tbody tr").filter(has=page.get_by_role("link", name=unit, exact=True))
    return row.locator("th, td").nth(column)


def box(page: Page, number: int):
    return page.locator("table.ninebox td").filter(has_text=f"Kotak {number}")


def open_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name, exact=True).click()


# ---------------------------------------------------------------- the journey


def test_completing_a_course_raises_the_level_shrinks_the_gaps_and_moves_hr_analytics(contexts, live_db):
    world = live_db(seed)
    hr = contexts.new().new_page()
    learner = contexts.new().new_page()

    # HR before: Komunikasi unmet in the Sekretariat Daerah, the learner in box 2 (Baik, low fit).
    log_in(hr, world.hr)
    open_nav(hr, "Analitik SDM")
    hr.get_by_role("link", name="Peta kesenjangan").first.click()
    expect(hr.get_by_role("heading", level=1)).to_have_text("Peta kesenjangan kompetensi")
    expect(heatmap_cell(hr, "Sekretariat Daerah", "Komunikasi")).to_have_text(re.compile(r"^0\u00a0%"))
    expect(heatmap_cell(hr, "Sekretariat Daerah", "Integritas")).to_have_text(re.compile(r"^100\u00a0%"))
    hr.get_by_role("link", name="Kotak talenta").first.click()
    expect(box(hr, 2).locator(".count")).to_have_text("1")
    expect(box(hr, 8).locator(".count")).to_have_text("0")

    # The learner: position, a target on the career path, gaps and an empty JP bar.
    log_in(learner, world.learner)
    open_nav(learner, "Karier")
    expect(learner.get_by_role("heading", level=1)).to_have_text("Profil karier saya")
    learner.get_by_label("Jabatan tujuan").select_option(label="Analis Ahli Muda ★")
    learner.get_by_role("button", name="Simpan jabatan tujuan").click()
    expect(learner.get_by_role("status")).to_have_text("Jabatan tujuan disimpan.")
    now = section(learner, "Kompetensi dan jabatan sekarang")
    target = section(learner, "Jabatan tujuan")
    expect(gap_row(now, "Komunikasi")).to_contain_text("−2")
    expect(target.get_by_text("Analis Ahli Muda (Fungsional) · 4 kompetensi belum memenuhi")).to_be_visible()
    expect(gap_row(target, "Komunikasi")).to_contain_text("−3")
    expect_jp(learner, 0)
    expect(section(learner, "Pelatihan yang disarankan").get_by_role("link", name=COURSE)).to_be_visible()

    # Complete the course in the browser.
    open_nav(learner, "Kursus")
    learner.get_by_role("link", name=COURSE).click()
    expect(learner.get_by_text("Komunikasi — level 3")).to_be_visible()
    learner.get_by_role("button", name="Daftar kursus").click()
    learner.get_by_role("button", name="Tandai selesai").click()
    expect(learner.get_by_role("status")).to_have_text(f"Selamat! Anda telah menyelesaikan kursus {COURSE}.")

    # The profile: the level rose, both gaps shrank, the JP bar moved, the certificate is the evidence.
    open_nav(learner, "Karier")
    expect(gap_row(now, "Komunikasi")).to_contain_text("✓ memenuhi")
    expect(gap_row(now, "Komunikasi").get_by_role("cell").nth(3)).to_have_text("3")
    expect(target.get_by_text("Analis Ahli Muda (Fungsional) · 3 kompetensi belum memenuhi")).to_be_visible()
    expect(gap_row(target, "Komunikasi")).to_contain_text("✓ memenuhi")
    expect_jp(learner, 3)
    expect(learner.locator("section#jp").get_by_role("row").filter(has_text=COURSE)).to_contain_text("3")
    evidence = gap_row(section(learner, "Bukti kompetensi"), "Komunikasi")
    expect(evidence).to_contain_text(COURSE)
    certificate = evidence.get_by_role("link", name=re.compile(r"^[A-Z0-9-]{6,}$"))
    number = certificate.inner_text()
    certificate.click()
    expect(learner).to_have_url(re.compile(rf"/verify/{re.escape(number)}$"))
    expect(learner.get_by_text("SAH", exact=True)).to_be_visible()

    # HR after: the heatmap cell and the 9-box placement changed.
    hr.get_by_role("link", name="Peta kesenjangan").first.click()
    expect(heatmap_cell(hr, "Sekretariat Daerah", "Komunikasi")).to_have_text(re.compile(r"^100\u00a0%"))
    hr.get_by_role("link", name="Kotak talenta").first.click()
    expect(box(hr, 2).locator(".count")).to_have_text("0")
    expect(box(hr, 8).locator(".count")).to_have_text("1")
    box(hr, 8).get_by_role("link").click()
    expect(hr.locator("#anggota + .scroll").get_by_role("link", name=world.learner_name)).to_be_visible()
