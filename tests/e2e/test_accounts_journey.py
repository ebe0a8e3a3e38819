"""Accounts in a real browser: register, log in and out, language, bulk import, phones, no JS."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import User

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.steps import (  # noqa: E402
    LOGOUT_BUTTON,
    PASSWORD,
    PHONE,
    expect_greeting,
    expect_language,
    fill_registration,
    lang_button,
    log_in,
    log_out,
    make_agency_admin,
    make_agency_with_units,
    staff_count,
    write_csv,
)

pytestmark = pytest.mark.e2e


def users_with_email(email: str):
    return sa.select(sa.func.count()).select_from(User).where(User.email == email)


# ---------------------------------------------------------------- 1. register, log out, log in


def confirmation_link(live_app, email: str) -> str:
    """The path of the confirmation link in the last mail the live app sent to `email`."""
    mail = [m for m in live_app.extensions.get("mail_outbox", []) if m["To"] == email][-1]
    return re.search(r"http://[^/\s]+(/register/confirm/\S+)", mail.get_content()).group(1)


def test_new_asn_registers_confirms_email_then_logs_in_with_nip_and_email(
    contexts, page, live_app, live_db, live_scalar
):
    live_db(
        make_agency_with_units,
        "Dinas Kesehatan Kabupaten Jayapura",
        {"PKM-STN": "Puskesmas Sentani", "SEKRE": "Sekretariat"},
    )
    name, email = "Siti Rahmawati, S.Kep.", "siti.rahmawati@dinkes.jayapurakab.go.id"

    page.goto("/")
    page.get_by_role("link", name="Daftar", exact=True).click()
    expect(page).to_have_url(re.compile(r"/register$"))
    fill_registration(page, nip="19900517 201503 1 123", name=name, email=email, unit="Puskesmas Sentani")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text(f"Kami telah mengirim tautan konfirmasi ke {email}")
    assert live_scalar(sa.select(User.nip).where(User.email == email)) == "199005172015031123"
    log_in(page, email)  # not yet: the address is not confirmed
    expect(page.get_by_text("Email Anda belum dikonfirmasi")).to_be_visible()

    page.goto(confirmation_link(live_app, email))
    page.get_by_role("button", name="Konfirmasi email saya").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("Email Anda sudah dikonfirmasi. Silakan masuk.")

    log_in(page, "19900517 201503 1 123")
    expect_greeting(page, name)
    expect(page.get_by_text("Puskesmas Sentani · Dinas Kesehatan Kabupaten Jayapura")).to_be_visible()

    other = contexts.new().new_page()
    log_in(other, "Siti.Rahmawati@dinkes.jayapurakab.go.id")
    expect_greeting(other, name)


def test_ingat_saya_then_logout_really_logs_the_browser_out(contexts, live_agency, live_user, live_server):
    user = live_user(live_agency(), name="Yohana Wenda, S.Pd.")
    context = contexts.new()
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("NIP atau email").fill(user.email)
    page.get_by_label("Kata sandi", exact=True).fill(PASSWORD)
    page.get_by_label("Ingat saya di perangkat ini").check()
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect_greeting(page, user.name)
    copied = {c["name"]: c for c in context.cookies()}
    assert {"session", "remember_token"} <= copied.keys()

    log_out(page)
    expect(page.get_by_role("status")).to_have_text("Anda telah keluar.")
    assert "remember_token" not in {c["name"] for c in context.cookies()}
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
    page.goto("/")
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)

    # Someone who copied both cookies before the logout gets nothing either.
    thief = contexts.new()
    thief.add_cookies([copied["session"], copied["remember_token"]])
    stolen = thief.new_page()
    stolen.goto("/account")
    expect(stolen).to_have_url(re.compile(r"/login\?next=%2Faccount$"))


# ---------------------------------------------------------------- 2. bad input


def test_malformed_nip_is_refused_next_to_the_field(page, live_db, live_scalar):
    live_db(make_agency_with_units, "Badan Kepegawaian Daerah Kota Ambon", {"MUT": "Bidang Mutasi"})
    email = "nip.salah@ambon.go.id"
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/register")
    fill_registration(
        page, nip="19900517 201513 1 123", name="Johan Latuconsina", email=email, unit="Bidang Mutasi"
    )

    nip_field = page.locator(".field").filter(has=page.get_by_label("NIP / NI PPPK"))
    expect(nip_field.locator(".error")).to_have_text(
        "Bulan pengangkatan pada NIP (angka ke-13 dan ke-14) tidak valid."
    )
    expect(page.get_by_label("NIP / NI PPPK")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Nama lengkap (dengan gelar)")).to_have_value("Johan Latuconsina")
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)
    assert live_scalar(users_with_email(email)) == 0
    assert dialogs == []


def test_markup_in_a_name_is_shown_as_text(page, live_app, live_db, live_scalar):
    live_db(make_agency_with_units, "Badan Pusat Uji XSS", {"UJI": "Bagian Uji Markup"})
    name = "Rudi <img src=x onerror=alert(1)>"
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/register")
    fill_registration(
        page, nip="19881103 201203 1 045", name=name, email="rudi.markup@uji.go.id", unit="Bagian Uji Markup"
    )
    expect(page.get_by_role("status")).to_contain_text(f"Pendaftaran {name} diterima.")
    expect(page.locator("img")).to_have_count(0)
    page.goto(confirmation_link(live_app, "rudi.markup@uji.go.id"))
    page.get_by_role("button", name="Konfirmasi email saya").click()
    log_in(page, "rudi.markup@uji.go.id")
    expect_greeting(page, name)
    expect(page.locator("img")).to_have_count(0)

    page.get_by_role("link", name="Akun", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun saya")
    expect(page.locator("dl.facts dd").first).to_have_text(name)
    expect(page.get_by_text("<img src=x onerror=alert(1)>")).to_be_visible()
    expect(page.locator("img")).to_have_count(0)
    assert live_scalar(sa.select(User.name).where(User.email == "rudi.markup@uji.go.id")) == name
    assert dialogs == []


# ---------------------------------------------------------------- 3. language


def test_anonymous_visitor_switches_to_english_and_it_sticks(page):
    page.goto("/register")
    expect_language(page, "id")

    lang_button(page, "English").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect_language(page, "en")
    for path in ("/", "/login", "/password/forgot"):
        page.goto(path)
        expect_language(page, "en")

    lang_button(page, "Bahasa Indonesia").click()
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    expect_language(page, "id")


def test_language_choice_is_remembered_on_the_account(contexts, page, live_agency, live_user, live_scalar):
    agency = live_agency()
    user = live_user(agency, name="Maria Goreti Wonda", email="maria.wonda@papua.go.id")

    log_in(page, user.email)
    expect_greeting(page, user.name)
    expect_language(page, "id")
    lang_button(page, "English").click()
    expect_language(page, "en")
    assert live_scalar(sa.select(User.locale).where(User.id == user.id)) == "en"
    log_out(page)

    fresh = contexts.new().new_page()
    fresh.goto("/login")
    expect_language(fresh, "id")  # a new device knows nothing yet
    log_in(fresh, user.nip)
    expect(fresh).to_have_url(re.compile(r"/$"))
    expect_language(fresh, "en")
    fresh.goto("/account")
    expect_language(fresh, "en")


# ---------------------------------------------------------------- 4. bulk import


def test_agency_admin_imports_staff_from_csv(page, live_db, live_user, tmp_path):
    agency_name = "Badan Kepegawaian dan Pengembangan SDM Kabupaten Merauke"
    agency_id = live_db(
        make_agency_with_units,
        agency_name,
        {"BANGKOM": "Bidang Pengembangan Kompetensi", "SEKRE": "Sekretariat"},
    )
    admin_email = live_db(make_agency_admin, agency_id, "admin.bkpsdm@merauke.go.id", "Admin BKPSDM Merauke")
    header = ["nip", "nama", "email", "unit", "jabatan"]
    good = write_csv(
        tmp_path / "pegawai.csv",
        [
            header,
            [
                "198503152010011001",
                "Yohanes Gebze, S.Sos.",
                "yohanes.gebze@merauke.go.id",
                "BANGKOM",
                "Analis SDM Aparatur Ahli Muda",
            ],
            [
                "199108242019032007",
                "Ni Made Ayu Lestari",
                "made.lestari@merauke.go.id",
                "Sekretariat",
                "Pranata Komputer Ahli Pertama",
            ],
            ["198912012022212003", "Theresia Ndiken", "theresia.ndiken@merauke.go.id", "SEKRE", ""],
        ],
    )

    log_in(page, admin_email)
    page.get_by_role("link", name="Kelola", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(agency_name)
    page.get_by_role("link", name="Impor pegawai (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Impor pegawai dari CSV")
    page.get_by_label("Berkas CSV").set_input_files(good)
    page.get_by_role("button", name="Periksa dan impor").click()
    expect(page.get_by_role("status")).to_contain_text("3 pegawai baru")
    expect(page.locator("table.errors")).to_have_count(0)

    page.get_by_role("link", name=agency_name).click()
    page.get_by_role("link", name="Daftar pegawai").click()
    expect(page.get_by_role("link", name="Theresia Ndiken")).to_be_visible()
    before = staff_count(page)
    assert before == 4  # the admin and three imported

    bad = write_csv(
        tmp_path / "pegawai-salah.csv",
        [
            header,
            ["199203302018011002", "Agus Kaize", "agus.kaize@merauke.go.id", "BANGKOM", ""],
            ["19851315 201001 1 001", "Fransiska Mahuze", "fransiska.mahuze@merauke.go.id", "SEKRE", ""],
            ["199407172020122004", "Lidia Balagaize", "lidia.balagaize@merauke.go.id", "SEKRE", ""],
        ],
    )
    page.go_back()
    page.get_by_role("link", name="Impor pegawai (CSV)").click()
    page.get_by_label("Berkas CSV").set_input_files(bad)
    page.get_by_role("button", name="Periksa dan impor").click()
    expect(page.get_by_role("alert")).to_contain_text("Berkas tidak diimpor: ada 1 masalah")
    rows = page.locator("table.errors tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        ["3", "nip", "Tanggal lahir pada NIP (angka ke-1 sampai ke-8) tidak valid."]
    )

    page.goto(f"/admin/agencies/{agency_id}/people")
    assert staff_count(page) == before
    expect(page.get_by_role("link", name="Agus Kaize")).to_have_count(0)
    expect(page.get_by_role("link", name="Lidia Balagaize")).to_have_count(0)


# ---------------------------------------------------------------- 5. phones


def test_pages_fit_a_small_phone_and_keep_the_csp(contexts, live_agency, live_user):
    user = live_user(live_agency(), name="Yakobus Dumupa, S.IP., M.Si. (Kepala Sub Bagian Umum)")
    page = contexts.new(**PHONE).new_page()
    widths = {}

    def visit(path):
        page.goto(path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")

    for path in ("/", "/login", "/register"):
        visit(path)
    log_in(page, user.email)
    expect_greeting(page, user.name)
    widths["/ (logged in)"] = page.evaluate("document.documentElement.scrollWidth")
    visit("/account")

    assert {path: w for path, w in widths.items() if w > 360} == {}
    assert contexts.csp_violations() == []


def test_csp_check_sees_a_violation(contexts):
    """Guard for the test above: a blocked resource does show up as a CSP console message."""
    contexts.forbid_csp_violations = False  # provoked on purpose
    page = contexts.new(**PHONE).new_page()
    page.goto("/login")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("""() => { const img = new Image(); img.src = 'http://192.0.2.1/x.png';
                                 document.body.append(img); }""")
    assert contexts.csp_violations()


# ---------------------------------------------------------------- 6. without JavaScript


def test_log_in_and_out_without_javascript(contexts, live_agency, live_user):
    user = live_user(live_agency(), name="Abdul Rahman Kaliky")
    page = contexts.new(java_script_enabled=False).new_page()

    log_in(page, user.nip)
    expect_greeting(page, user.name)
    log_out(page)
    expect(page.get_by_role("status")).to_have_text("Anda telah keluar.")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount$"))


# ---------------------------------------------------------------- 7. password guessing


def test_repeated_wrong_passwords_are_stopped(
    contexts, page, live_rate_limits, live_agency, live_user, monkeypatch
):
    monkeypatch.setitem(live_rate_limits, "LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "3 per 15 minutes")
    user = live_user(live_agency(), name="Korban Tebakan")

    for _ in range(3):
        log_in(page, user.email, "tebakan-salah-1")
        expect(page.get_by_text("NIP/email atau kata sandi salah.")).to_be_visible()
    assert log_in(page, user.email.upper(), "tebakan-salah-2").status == 429
    expect(page.get_by_text("Coba lagi dalam 15 menit.")).to_be_visible()
    log_in(page, user.email)  # from this address even the right password has to wait
    expect(page.get_by_text("Coba lagi dalam 15 menit.")).to_be_visible()
    expect(page.locator(LOGOUT_BUTTON)).to_have_count(0)
