"""A trainer gives webinars their own competencies in the browser: when scheduling one, and after
one is over, when the records of the people present follow (their career profile shows it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.accounts.models import Role
from lms.webinars import attendance as webinar_attendance
from tests import factories

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.steps import log_in, submit  # noqa: E402

pytestmark = pytest.mark.e2e


def seed_finished_webinar():
    """Held yesterday; Ani was present for the whole hour and earned Komunikasi level 2."""
    agency = factories.agency(code="WEBKOM")
    trainer = factories.user(agency, roles=(Role.TRAINER,), name="Pemandu Kompetensi")
    ani = factories.user(agency, name="Ani Kompeten")
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    webinar = factories.webinar(
        trainer, starts_at=start, title="Webinar Pelayanan Lama", competencies=[("KOM", 2)]
    )
    factories.registration(webinar, ani)
    webinar_attendance.join(ani, webinar, "ani-laptop", at=start)
    for minute in range(1, 60):
        webinar_attendance.heartbeat(ani, webinar, "ani-laptop", at=start + timedelta(minutes=minute))
    webinar_attendance.leave("ani-laptop", at=start + timedelta(minutes=60))
    webinar_attendance.finalize(webinar, at=start + timedelta(minutes=61))
    return webinar.id, trainer.email, ani.email


def test_a_trainer_sets_webinar_competencies_and_the_profile_follows(contexts, live_db):
    webinar_id, trainer_email, ani_email = live_db(seed_finished_webinar)
    trainer = contexts.new(java_script_enabled=False).new_page()  # plain forms are enough
    assert log_in(trainer, trainer_email).status == 302

    # Scheduling: a level per competency, a wrong one refused with a message, then saved.
    trainer.goto("/webinars/new")
    trainer.get_by_label("Judul").fill("Webinar Komunikasi Publik")
    trainer.get_by_label("Mulai").fill("2030-03-04T09:00")
    trainer.get_by_label("Selesai").fill("2030-03-04T11:00")
    trainer.get_by_label("Komunikasi (KOM)").select_option(label="Level 3")
    trainer.get_by_label("Perekat Bangsa (PB)").select_option(label="Level 1")
    assert submit(trainer, trainer.get_by_role("button", name="Simpan")).status == 302
    expect(trainer.locator(".flash-success")).to_contain_text("Webinar dijadwalkan")
    facts = trainer.locator("dl.facts")
    expect(facts).to_contain_text("Komunikasi level 3")
    expect(facts).to_contain_text("Perekat Bangsa level 1")

    # After the end only the competencies can change; the present participant's records follow.
    trainer.goto(f"/webinars/{webinar_id}")
    trainer.get_by_role("link", name="Ubah kompetensi").click()
    expect(trainer.get_by_label("Judul")).to_have_count(0)
    expect(trainer.get_by_label("Komunikasi (KOM)")).to_have_value("2")
    trainer.get_by_label("Komunikasi (KOM)").select_option(label="Tidak diberikan")
    trainer.get_by_label("Integritas (INT)").select_option(label="Level 2")
    assert submit(trainer, trainer.get_by_role("button", name="Simpan")).status == 302
    expect(trainer.locator(".flash-success")).to_contain_text("ikut diperbarui")
    expect(trainer.locator("dl.facts")).to_contain_text("Integritas level 2")

    ani = contexts.new().new_page()
    assert log_in(ani, ani_email).status == 302
    ani.goto("/careers/")
    evidence = ani.locator("#bukti tbody tr")
    expect(evidence).to_have_count(1)
    expect(evidence.locator("td")).to_have_text(
        ["Integritas", "2", "Webinar", re.compile("Webinar Pelayanan Lama"), re.compile(r"\d")]
    )
    expect(ani.locator("#bukti-dicabut")).to_contain_text("webinar tidak lagi memberikan kompetensi ini")
