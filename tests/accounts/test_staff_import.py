import pytest
import sqlalchemy as sa

from lms.accounts.models import Role, User
from lms.accounts.staff_import import ImportFailed, import_staff
from tests.factories import make_nip

HEADER = "nip,nama,email,unit,jabatan,nip_atasan"
BOSS, ANA, BUDI = make_nip(seq=901), make_nip(seq=902, gender=2), make_nip(seq=903)


def csv_bytes(*lines, header=HEADER, sep=",", bom=False, encoding="utf-8"):
    text = "\r\n".join([header.replace(",", sep)] + [line.replace(",", sep) for line in lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


GOOD = (
    f"{BOSS},Kepala Bagian,boss@uji.go.id,UMUM,Kepala Bagian Umum,",
    f"{ANA},Ana Lestari,ana@uji.go.id,Bagian Keu,Analis Keuangan,{BOSS}",
    f"{BUDI},Budi Santoso,budi@uji.go.id,umum,Pengadministrasi,{BOSS}",
)


@pytest.fixture
def agency(ctx, db, make_agency):
    return make_agency(code="IMP")


def people(db, agency):
    return {u.nip: u for u in db.session.scalars(sa.select(User).where(User.agency_id == agency.id))}


def errors_of(agency, data):
    with pytest.raises(ImportFailed) as info:
        import_staff(agency, data, by=None)
    return [(e.row, e.column, e.message) for e in info.value.errors]


def test_creates_people_with_units_and_supervisors(agency, db):
    result = import_staff(agency, csv_bytes(*GOOD), by=None)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    staff = people(db, agency)
    assert staff[ANA].unit.code == "KEU"  # matched by unit name, case-insensitively
    assert staff[BUDI].unit.code == "UMUM"  # matched by code
    assert staff[ANA].supervisor_id == staff[BOSS].id
    assert staff[ANA].position_title == "Analis Keuangan"
    assert staff[ANA].password_hash is None
    assert staff[ANA].roles == {Role.LEARNER}


def test_importing_the_same_file_twice_changes_nothing(agency, db):
    import_staff(agency, csv_bytes(*GOOD), by=None)
    before = {
        nip: (u.name, u.email, u.unit_id, u.supervisor_id, u.updated_at)
        for nip, u in people(db, agency).items()
    }
    result = import_staff(agency, csv_bytes(*GOOD), by=None)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    after = {
        nip: (u.name, u.email, u.unit_id, u.supervisor_id, u.updated_at)
        for nip, u in people(db, agency).items()
    }
    assert after == before


def test_changed_rows_are_updated(agency, db):
    import_staff(agency, csv_bytes(*GOOD), by=None)
    changed = (
        GOOD[0],
        GOOD[1].replace("Analis Keuangan", "Analis Anggaran"),
        GOOD[2].replace(f",{BOSS}", f",{ANA}"),
    )
    result = import_staff(agency, csv_bytes(*changed), by=None)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    staff = people(db, agency)
    assert staff[ANA].position_title == "Analis Anggaran"
    assert staff[BUDI].supervisor_id == staff[ANA].id


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes(*GOOD, sep=";", bom=True),  # Excel's "CSV UTF-8" in an Indonesian locale
        csv_bytes(*GOOD, sep="\t"),
        csv_bytes(*GOOD, header="NIP,Nama Lengkap,E-mail,Unit Kerja,Jabatan,NIP Atasan"),
    ],
)
def test_accepts_excel_variants(agency, db, data):
    assert import_staff(agency, data, by=None).created == 3


def test_optional_columns_may_be_left_out(agency, db):
    import_staff(agency, csv_bytes(*GOOD), by=None)
    rows = [",".join(line.split(",")[:4]) for line in GOOD]
    result = import_staff(agency, csv_bytes(*rows, header="nip,nama,email,unit"), by=None)
    assert (result.created, result.updated) == (0, 0)
    assert people(db, agency)[ANA].position_title == "Analis Keuangan"


def test_every_bad_row_is_reported_and_nothing_is_written(agency, db, make_user, make_agency):
    other = make_agency(code="LAIN")
    outsider = make_user(other, email="luar@uji.go.id")
    taken = make_user(agency, email="dipakai@uji.go.id")
    bad = (
        f"{BOSS},Kepala Bagian,boss@uji.go.id,UMUM,,",  # row 2: fine
        "123,Nama,a@uji.go.id,UMUM,,",  # row 3: bad NIP
        f"{ANA},,ana@uji.go.id,UMUM,,",  # row 4: no name
        f"{BUDI},Budi,bukan-email,UMUM,,",  # row 5: bad email
        f"{make_nip(seq=904)},Cici,cici@uji.go.id,TIDAK-ADA,,",  # row 6: unknown unit
        f"{BOSS},Ganda,ganda@uji.go.id,UMUM,,",  # row 7: NIP repeated in the file
        f"{make_nip(seq=905)},Dedi,BOSS@uji.go.id,UMUM,,",  # row 8: email repeated
        f"{make_nip(seq=906)},Eka,eka@uji.go.id,UMUM,,{make_nip(seq=999)}",  # row 9: unknown supervisor
        f"{outsider.nip},Orang Luar,luar2@uji.go.id,UMUM,,",  # row 10: NIP of another agency
        f"{make_nip(seq=907)},Fani,dipakai@uji.go.id,UMUM,,",  # row 11: email of another account
        f"{make_nip(seq=908)},Gita,gita@uji.go.id,UMUM",  # row 12: too few cells
    )
    before = people(db, agency)
    errors = errors_of(agency, csv_bytes(*bad))
    assert [(row, column) for row, column, _ in errors] == [
        (3, "nip"),
        (4, "nama"),
        (5, "email"),
        (6, "unit"),
        (7, "nip"),
        (8, "email"),
        (9, "nip_atasan"),
        (10, "nip"),
        (11, "email"),
        (12, "-"),
    ]
    assert "baris 2" in errors[4][2]
    assert "instansi lain" in errors[7][2]
    assert people(db, agency).keys() == before.keys() == {taken.nip}


def test_supervisor_cycles_are_refused(agency, db):
    rows = (
        f"{BOSS},Kepala,boss@uji.go.id,UMUM,,{BUDI}",
        f"{ANA},Ana,ana@uji.go.id,UMUM,,{BOSS}",
        f"{BUDI},Budi,budi@uji.go.id,UMUM,,{ANA}",
        f"{make_nip(seq=909)},Staf,staf@uji.go.id,UMUM,,{ANA}",  # leads into the cycle, not on it
    )
    errors = errors_of(agency, csv_bytes(*rows))
    assert [(row, column) for row, column, _ in errors] == [
        (2, "nip_atasan"),
        (3, "nip_atasan"),
        (4, "nip_atasan"),
    ]
    assert "lingkaran" in errors[0][2]


def test_cycle_through_people_already_in_the_database(agency, db):
    import_staff(agency, csv_bytes(*GOOD), by=None)  # Ana reports to Boss
    errors = errors_of(agency, csv_bytes(f"{BOSS},Kepala Bagian,boss@uji.go.id,UMUM,,{ANA}"))
    assert errors[0][:2] == (2, "nip_atasan")


def test_self_supervision_is_refused(agency, db):
    errors = errors_of(agency, csv_bytes(f"{BOSS},Kepala,boss@uji.go.id,UMUM,,{BOSS}"))
    assert errors[0][1] == "nip_atasan"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "kosong"),
        ("nip,nama,email,unit\r\n1,2,3,4".encode("utf-16"), "UTF-16"),
        (csv_bytes(f"{BOSS},Kepala Bagian Ke\xe9,b@uji.go.id,UMUM,,", encoding="latin-1"), "UTF-8"),
        (b"PK\x03\x04\x00\x00binary", "bukan berkas teks"),
        (csv_bytes(header="nip,nama,email,unit"), "tidak berisi data"),
    ],
)
def test_unreadable_files(agency, db, data, fragment):
    errors = errors_of(agency, data)
    assert fragment in errors[0][2]


def test_wrong_encoding_names_the_line(agency, db):
    data = csv_bytes(GOOD[0], f"{ANA},Ana Lestari\xe9,ana@uji.go.id,UMUM,,", encoding="latin-1")
    assert errors_of(agency, data)[0][0] == 3


def test_wrong_columns(agency, db):
    errors = errors_of(agency, csv_bytes(GOOD[0], header="nip,nama,surat,unit,jabatan,nip_atasan"))
    assert (1, "surat") in [(row, column) for row, column, _ in errors]
    assert (1, "email") in [(row, column) for row, column, _ in errors]
    errors = errors_of(agency, csv_bytes(header="nip,nama,nama,email,unit"))
    assert any("lebih dari sekali" in message for _, _, message in errors)


def test_row_limit(agency, db):
    rows = [f"{make_nip(seq=n)},Orang {n},o{n}@uji.go.id,UMUM,," for n in range(1, 6)]
    with pytest.raises(ImportFailed) as info:
        import_staff(agency, csv_bytes(*rows), by=None, max_rows=3)
    assert "melebihi 3 baris" in info.value.errors[-1].message
    assert not people(db, agency)


def test_an_unclosed_quote_is_reported_at_its_row(agency, db):
    data = csv_bytes(GOOD[0], f'{ANA},"Ana Lestari,ana@uji.go.id,UMUM,,', GOOD[2])
    errors = errors_of(agency, data)
    assert errors[0][:2] == (3, "-")
    assert "Tanda kutip" in errors[0][2]


def test_an_unclosed_quote_in_a_large_file_is_reported_not_a_crash(agency, db):
    rows = [f'{ANA};"Ana;ana@uji.go.id;UMUM'] + [
        f"{make_nip(seq=n)};Orang {n};o{n}@uji.go.id;UMUM" for n in range(1, 4000)
    ]
    data = csv_bytes(*rows, header="nip;nama;email;unit", sep=";")
    assert len(data) > 131_072
    errors = errors_of(agency, data)
    assert errors[0][:2] == (2, "-")
    assert "Tanda kutip" in errors[0][2]
