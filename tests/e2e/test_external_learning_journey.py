"""Learning elsewhere in a real browser: a learner reports a training with its certificate as a
PDF; HR returns it with a reason; the learner fixes it and sends it again; HR approves; the JP
ledger on the profile counts it and the transcript PDF lists it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pypdf
import pytest

from lms.careers import positions
from tests import factories
from tests.careers.conftest import build_org

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.steps import log_in  # noqa: E402

pytestmark = pytest.mark.e2e

TITLE = "Pelatihan Pengadaan Barang/Jasa Pemerintah"
DAY = date(date.today().year, 1, 1)  # in this year's ledger, never in the future


@dataclass(frozen=True)
class World:
    learner: str
    learner_name: str
    hr: str


def seed() -> World:
    org = build_org("TERNATE")
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    return World(org.staff.email, org.staff.name, org.hr.email)


def open_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name, exact=True).click()


def review(hr: Page) -> None:
    open_nav(hr, "Analitik SDM")
    hr.get_by_role("link", name="Pembelajaran di luar platform").first.click()
    expect(hr.get_by_role("heading", level=1)).to_have_text("Pembelajaran di luar platform")
    hr.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name="Periksa").click()
    expect(hr.get_by_role("heading", level=1)).to_have_text("Periksa laporan pembelajaran")


def test_report_return_fix_approve_ledger_and_transcript(contexts, live_db, tmp_path):
    world = live_db(seed)
    learner = contexts.new(accept_downloads=True).new_page()
    hr = contexts.new(accept_downloads=True).new_page()

    # The learner reports the training from the career profile, with the certificate as a PDF.
    log_in(learner, world.learner)
    open_nav(learner, "Karier")
    learner.get_by_role("link", name="Laporkan pembelajaran di luar platform").click()
    learner.get_by_role("link", name="Laporkan pembelajaran", exact=True).click()
    learner.get_by_label("Jenis pembelajaran").select_option(label="Pelatihan klasikal")
    learner.get_by_label("Nama pelatihan").fill(TITLE)
    learner.get_by_label("Penyelenggara").fill("LKPP")
    learner.get_by_label("Tanggal mulai").fill(DAY.isoformat())
    learner.get_by_label("Tanggal selesai").fill(DAY.isoformat())
    learner.get_by_label("Jumlah JP").fill("8")
    learner.get_by_label("Berkas bukti (PDF atau foto)").set_input_files(
        {"name": "sertifikat.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    learner.get_by_label("Kompetensi 1", exact=True).select_option(label="Komunikasi (Manajerial)")
    learner.get_by_label("Level kompetensi 1").select_option(label="Level 2")
    learner.get_by_role("button", name="Kirim ke pengelola SDM").click()
    expect(learner.get_by_role("status").filter(has_text="sudah dikirim")).to_have_text(
        "Laporan Anda sudah dikirim ke pengelola SDM untuk diperiksa."
    )
    expect(learner.get_by_text("Menunggu pemeriksaan SDM")).to_be_visible()

    # HR sees it in the queue, opens the evidence and returns it with a reason.
    log_in(hr, world.hr)
    review(hr)
    with hr.expect_download() as evidence:
        hr.get_by_role("link", name="sertifikat.pdf").click()
    assert evidence.value.suggested_filename == "sertifikat.pdf"
    hr.get_by_label("Keputusan").select_option(label="Kembalikan untuk diperbaiki")
    hr.get_by_label("Alasan untuk pegawai").fill("Mohon tuliskan juga nomor sertifikatnya.")
    hr.get_by_role("button", name="Simpan keputusan").click()
    expect(hr.get_by_role("status").filter(has_text="dikembalikan")).to_contain_text(world.learner_name)

    # The learner reads the reason, fixes the report and sends it again.
    learner.reload()
    item = learner.locator("article").filter(has_text=TITLE)
    expect(item.get_by_text("Dikembalikan untuk diperbaiki")).to_be_visible()
    expect(item.get_by_text("Mohon tuliskan juga nomor sertifikatnya.")).to_be_visible()
    item.get_by_role("link", name="Perbaiki dan kirim ulang").click()
    learner.get_by_label("Nomor sertifikat").fill("LKPP-2026-000731")
    learner.get_by_role("button", name="Kirim ke pengelola SDM").click()
    expect(learner.get_by_text("Menunggu pemeriksaan SDM")).to_be_visible()

    # HR approves it.
    review(hr)
    expect(hr.get_by_text("LKPP-2026-000731")).to_be_visible()
    hr.get_by_label("Keputusan").select_option(label="Setujui: JP dihitung")
    hr.get_by_role("button", name="Simpan keputusan").click()
    expect(hr.get_by_role("status").filter(has_text="Disetujui")).to_have_text(
        f"Disetujui: 8 JP dihitung untuk {world.learner_name}."
    )

    # The JP ledger on the learner's profile counts it.
    open_nav(learner, "Karier")
    jp = learner.locator("section#jp")
    expect(jp.get_by_text("8 dari 20 JP", exact=True)).to_be_visible()
    expect(jp.get_by_role("row").filter(has_text=TITLE)).to_contain_text("LKPP-2026-000731")

    # The transcript PDF lists it.
    with learner.expect_download() as download:
        learner.get_by_role("link", name="Unduh transkrip (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "TRANSKRIP PEMBELAJARAN" in text and world.learner_name in text
    assert TITLE in text and "Pelatihan klasikal · LKPP" in text
    assert "Nomor sertifikat: LKPP-2026-000731" in text
    assert re.search(r"Jumlah: 8 JP dari 1 pembelajaran", text)
