"""What a user does in the browser, and the data the journeys start from.

Steps find things the way a person does: by label, role and visible text (Indonesian, the
default language). Only the logout button is found by its form, so it works in any language.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, Response, expect

from lms.accounts import agencies
from lms.accounts.models import Agency, Role
from lms.extensions import db
from tests import factories

PASSWORD = factories.PASSWORD
LOGOUT_BUTTON = "header form[action='/logout'] button[type=submit]"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


# ---------------------------------------------------------------- steps


def log_in(page: Page, login: str, password: str = PASSWORD) -> Response:
    """Log in through the form; the response to the form's POST (302 when it worked)."""
    page.goto("/login")
    page.get_by_label("NIP atau email").fill(login)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    return submit(page, page.get_by_role("button", name="Masuk", exact=True))


def submit(page: Page, button: Locator) -> Response:
    """Click a form's submit button; the response to the POST it sends."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        button.click()
    return posted.value


def log_out(page: Page) -> None:
    page.locator(LOGOUT_BUTTON).click()
    expect(page).to_have_url(re.compile(r"/login$"))


def expect_greeting(page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Selamat datang, {name}")


def fill_registration(
    page: Page, *, nip: str, name: str, email: str, unit: str, password: str = PASSWORD
) -> None:
    page.get_by_label("NIP / NI PPPK").fill(nip)
    page.get_by_label("Nama lengkap (dengan gelar)").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Unit kerja").select_option(label=unit)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    page.get_by_label("Ulangi kata sandi").fill(password)
    page.get_by_role("button", name="Daftar", exact=True).click()


def lang_button(page: Page, name: str):
    return page.locator("footer").get_by_role("button", name=name, exact=True)


def expect_language(page: Page, lang: str) -> None:
    """The page is in `lang`, and the footer shows that language as the chosen one."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    chosen, other = ("English", "Bahasa Indonesia") if lang == "en" else ("Bahasa Indonesia", "English")
    expect(lang_button(page, chosen)).to_be_disabled()
    expect(lang_button(page, chosen)).to_have_attribute("aria-current", "true")
    expect(lang_button(page, other)).to_be_enabled()


def upload_staff_csv(page: Page, agency_id: int, file: str | Path | dict) -> Response:
    """From the agency's import page, send a file (a path, or a Playwright file payload)."""
    page.goto(f"/admin/agencies/{agency_id}/import")
    page.get_by_label("Berkas CSV").set_input_files(file)
    return submit(page, page.get_by_role("button", name="Periksa dan impor"))


def staff_count(page: Page) -> int:
    """The "N orang" total of the people list on the current page."""
    summary = page.locator("main p").filter(has_text=re.compile(r"\d+ orang"))
    return int(re.search(r"(\d+) orang", summary.inner_text()).group(1))


# ---------------------------------------------------------------- data (run through live_db)


def make_agency_with_units(name: str, units: dict[str, str]) -> int:
    """An agency whose units have recognisable names, as a learner would see them; its id."""
    agency = factories.agency(name=name, units=())
    for code, unit_name in units.items():
        agencies.add_unit(agency, code, unit_name, None, by=None)
    return agency.id


def make_agency_admin(agency_id: int, email: str, name: str = "Admin Instansi") -> str:
    factories.user(db.session.get(Agency, agency_id), roles=(Role.AGENCY_ADMIN,), name=name, email=email)
    return email


def write_csv(path: Path, rows: list[list[str]]) -> str:
    """A file as Excel in an Indonesian locale saves it: UTF-8 with BOM, semicolons, CRLF."""
    text = "".join(";".join(row) + "\r\n" for row in rows)
    path.write_bytes(text.encode("utf-8-sig"))
    return str(path)
