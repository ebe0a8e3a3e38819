"""Bugs the browser journeys found, now fixed: each test keeps the behaviour from coming back."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

from tests import factories  # noqa: E402
from tests.e2e.steps import log_in, make_agency_admin, make_agency_with_units, upload_staff_csv  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin_page(page, live_db):
    """A logged-in agency admin's page, and their agency's id."""
    agency_id = live_db(make_agency_with_units, "Badan Uji Unggah", {"UMUM": "Bagian Umum"})
    log_in(page, live_db(make_agency_admin, agency_id, f"admin{agency_id}@unggah.go.id"))
    return page, agency_id


def test_a_csv_over_the_import_limit_is_refused(admin_page, live_app, monkeypatch):
    page, agency_id = admin_page
    monkeypatch.setitem(live_app.config, "CSV_IMPORT_MAX_BYTES", 64 * 1024)  # small, to stay fast
    data = b"kolom;lain\r\n" + b"x;y\r\n" * (200 * 1024 // 5)  # past limit + form allowance
    response = upload_staff_csv(
        page, agency_id, {"name": "besar.csv", "mimeType": "text/csv", "buffer": data}
    )
    assert response.status == 413
    expect(page.get_by_role("heading", level=1)).to_have_text("Berkas terlalu besar")


def test_a_stray_quote_in_a_large_file_is_reported_not_a_crash(admin_page, live_server):
    page, agency_id = admin_page
    rows = ["nip;nama;email;unit", f'{factories.unique_nip()};"Ucok Budi Santoso;ucok@unggah.go.id;UMUM']
    rows += [f"{factories.unique_nip()};Pegawai {n};pegawai{n}@unggah.go.id;UMUM" for n in range(3000)]
    data = ("\r\n".join(rows) + "\r\n").encode()
    assert len(data) < live_server.app.config["CSV_IMPORT_MAX_BYTES"]
    upload_staff_csv(page, agency_id, {"name": "kutip.csv", "mimeType": "text/csv", "buffer": data})
    crashes, live_server.errors[:] = list(live_server.errors), []
    assert crashes == []
    expect(page.get_by_role("alert")).to_contain_text("Berkas tidak diimpor")


def test_the_login_limit_counts_per_account_not_per_spelling(
    page, live_rate_limits, live_agency, live_user, monkeypatch
):
    monkeypatch.setitem(live_rate_limits, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per 15 minutes")
    user = live_user(live_agency())
    for _ in range(3):
        log_in(page, user.email, "tebakan-salah")
    assert log_in(page, user.nip, "tebakan-salah").status == 429
    expect(page.get_by_text("Terlalu banyak percobaan masuk yang gagal untuk akun ini.")).to_be_visible()


def test_the_fingerprinted_stylesheet_is_fetched_once(page, live_server):
    page.goto("/")
    page.get_by_role("link", name="Masuk", exact=True).first.click()
    page.get_by_role("link", name="Lupa kata sandi?").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    stylesheets = [path for _, path in live_server.requests if path.startswith("/static/app.css")]
    assert len(stylesheets) == 1, stylesheets
