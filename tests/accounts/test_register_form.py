"""Registration shows every problem at once, next to its field, and keeps what was typed."""

import re

import pytest

from tests.accounts.test_views import registration


@pytest.fixture
def agency(make_agency):
    return make_agency(code="DAFTAR")


def errors_after(page: str, field_id: str) -> list[str]:
    """The error messages printed in the field block of `field_id`."""
    block = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', page, re.S)
    assert block, f"no field {field_id}"
    return re.findall(r'<p class="error">(.*?)</p>', block.group(0))


def test_every_error_at_once_next_to_its_field(client, agency):
    data = registration(
        agency, nip="1990051720150312345", name="X", email="bukan", password_confirm="lain-sekali-123"
    )
    page = client.post("/register", data=data).text
    assert errors_after(page, "nip")
    assert errors_after(page, "name") == ["Nama wajib diisi (minimal 2 karakter)."]
    assert errors_after(page, "email") == ["Alamat email tidak valid."]
    assert errors_after(page, "password_confirm") == ["Kedua isian kata sandi tidak sama."]


def test_typed_values_stay_and_passwords_ask_to_be_typed_again(client, agency):
    page = client.post("/register", data=registration(agency, email="bukan")).text
    assert 'value="Rina Wati, S.E."' in page
    assert 'value="bukan"' in page
    assert 'value="19900517 201503 1 123"' in page
    assert f'value="{agency.units[0].id}" selected' in page
    assert "rahasia" not in page  # the password is never sent back
    assert "Ketik ulang kata sandi" in page


def test_a_name_ending_in_a_degree_gets_no_double_full_stop(client, agency):
    client.post("/register", data=registration(agency, name="Budi Santoso, S.Sos."))
    page = client.get("/login").text
    assert "Pendaftaran Budi Santoso, S.Sos. diterima." in page
    assert "S.Sos.." not in page
