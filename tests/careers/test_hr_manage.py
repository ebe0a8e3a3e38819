"""HR runs careers from the browser: positions by form (the CSV rules), staff positions and
supervisors per person and by CSV, technical competencies, appraisal pages, training requests.

Bad input changes nothing and is answered in Indonesian with every problem listed."""

import io
import re

import pytest
import sqlalchemy as sa

from lms.accounts import audit
from lms.accounts.errors import HrPermissionDenied
from lms.accounts.models import AuditEntry
from lms.careers import appraisals, position_input, staffing, training_requests
from lms.careers.errors import CareerError
from lms.careers.models import Position, PositionPath, RequestStatus, StaffGap, StaffPosition, TrainingRequest
from lms.competencies import csv_io
from lms.competencies import services as catalogue
from lms.competencies.errors import CompetencyError, CompetencyPermissionDenied
from lms.competencies.models import Competency
from lms.extensions import db, limiter
from tests import factories
from tests.careers.conftest import build_org, code
from tests.html import without_site_script

# ---------------------------------------------------------------- positions: service


def raw(code="KASUBAG", name="Kepala Subbagian Umum", type="struktural", requirements=(), next_codes=()):
    return position_input.PositionInput(
        code=code, name=name, type=type, requirements=list(requirements), next_codes=list(next_codes)
    )


def test_hr_creates_and_edits_a_position_with_levels_and_paths(org):
    created = position_input.save_position_input(
        org.agency, raw(requirements=[("INT", "3"), ("kom", "4")]), by=org.hr
    )
    assert {r.competency.code: r.level for r in created.requirements} == {"INT": 3, "KOM": 4}
    edited = position_input.save_position_input(
        org.agency,
        raw(code="kasubag-umum", requirements=[("INT", "4")], next_codes=["muda"]),
        by=org.hr,
        position=created,
    )
    assert edited.id == created.id and edited.code == "KASUBAG-UMUM"
    assert {r.competency.code: r.level for r in edited.requirements} == {"INT": 4}
    assert [p.to_position.code for p in edited.next_paths] == ["MUDA"]
    # PERTAMA -> MUDA exists; MUDA -> PERTAMA would close a cycle
    with pytest.raises(position_input.PositionRejected) as info:
        position_input.save_position_input(
            org.agency,
            raw("MUDA", "Analis Ahli Muda", "fungsional", next_codes=["PERTAMA"]),
            by=org.hr,
            position=org.muda,
        )
    assert [i.field for i in info.value.issues] == ["next"]
    assert "melingkar" in info.value.issues[0].message


def test_a_bad_position_lists_every_problem_and_writes_nothing(org):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Position))
    with pytest.raises(position_input.PositionRejected) as info:
        position_input.save_position_input(
            org.agency,
            raw(
                code="MUDA",  # taken in this agency
                requirements=[("INT", "6"), ("XX", "2"), ("KOM", "0"), ("KOM", "2"), ("KOM", "3")],
                next_codes=["TIDAK-ADA", "MUDA"],
            ),
            by=org.hr,
        )
    issues = info.value.issues
    fields = [i.field for i in issues]
    assert fields.count("requirements") == 4  # INT:6, XX unknown, KOM:0, KOM twice
    assert "code" in fields and fields.count("next") == 2  # unknown target, itself
    assert any("sudah dipakai" in i.message for i in issues)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == before
    with pytest.raises(position_input.PositionRejected) as info:
        position_input.save_position_input(
            org.agency, raw(code="bad code!", name="x", type="eselon"), by=org.hr
        )
    assert sorted(i.field for i in info.value.issues) == ["code", "name", "type"]


def test_the_same_code_may_be_used_by_another_agency_but_not_its_competencies(org):
    other = factories.agency(code="LAIN")
    catalogue.save_technical(
        other,
        catalogue.CompetencyData("TK-LAIN", "Teknis Lain", "", {n: f"L{n}" for n in range(1, 6)}),
        by=None,
    )
    position_input.save_position_input(other, raw(code="MUDA", name="Jabatan Lain"), by=None)
    with pytest.raises(position_input.PositionRejected) as info:
        position_input.save_position_input(org.agency, raw(requirements=[("TK-LAIN", "2")]), by=org.hr)
    assert "tidak dikenal" in info.value.issues[0].message
    with pytest.raises(HrPermissionDenied):
        position_input.save_position_input(org.agency, raw(), by=org.staff)


# ---------------------------------------------------------------- staff assignments: service


def staff_csv(*lines, header="nip;kode_jabatan;nip_atasan"):
    return ("\n".join((header, *lines)) + "\n").encode()


def test_staff_positions_and_supervisors_by_csv(org):
    data = staff_csv(
        f"{org.peer.nip};MUDA;{org.head.nip}",
        f"{org.junior.nip};pertama;",  # the supervisor is cleared
    )
    result = staffing.import_assignments(org.agency, data, by=org.hr)
    assert (result.changed, result.unchanged) == (2, 0)
    assert db.session.get(StaffPosition, org.peer.id).position_id == org.muda.id
    assert org.peer.supervisor_id == org.head.id and org.junior.supervisor_id is None
    assert org.peer.position_title == "Analis Ahli Muda"
    gaps = db.session.scalars(sa.select(StaffGap.competency_id).where(StaffGap.user_id == org.peer.id)).all()
    assert code("PK") in gaps  # the gaps follow the new position
    entry = audit.history_of(org.peer.id)[0]
    assert entry.entity == "staff_position" and entry.actor_id == org.hr.id
    assert entry.before["position_code"] is None and entry.after["position_code"] == "MUDA"
    assert entry.after["supervisor_nip"] == org.head.nip
    exported = "\n".join(";".join(row) for row in staffing.assignment_rows(org.agency.id))
    again = staffing.import_assignments(
        org.agency, staff_csv(exported, header="nip;nama;kode_jabatan;nip_atasan"), by=org.hr
    )
    assert again.changed == 0
    # only the column given changes: positions stay when the file has supervisors only
    staffing.import_assignments(org.agency, staff_csv(f"{org.peer.nip};", header="nip;nip_atasan"), by=org.hr)
    assert org.peer.supervisor_id is None
    assert db.session.get(StaffPosition, org.peer.id).position_id == org.muda.id


def test_a_bad_staff_csv_lists_every_problem_and_changes_nothing(org):
    other = factories.agency(code="LAIN")
    stranger = factories.user(other)
    unknown = factories.unique_nip()
    data = staff_csv(
        f"{org.staff.nip};TIDAK-ADA;",  # 2: unknown position code
        f"{unknown};MUDA;",  # 3: nobody has this NIP
        f"{stranger.nip};MUDA;",  # 4: another agency's employee
        f"{org.peer.nip};MUDA;{stranger.nip}",  # 5: supervisor of another agency
        "12345;MUDA;",  # 6: not a NIP
        f"{org.peer.nip};PERTAMA;",  # 7: the same NIP twice
        f"{org.junior.nip};MUDA;{org.junior.nip}",  # 8: one's own supervisor
    )
    audit = sa.select(sa.func.count()).select_from(AuditEntry)
    before = db.session.scalar(audit)  # other tests may have committed entries of their own
    with pytest.raises(staffing.ImportRejected) as info:
        staffing.import_assignments(org.agency, data, by=org.hr)
    found = {(p.row, p.column) for p in info.value.problems}
    assert {
        (2, "kode_jabatan"),
        (3, "nip"),
        (4, "nip"),
        (5, "nip_atasan"),
        (6, "nip"),
        (7, "nip"),
        (8, "nip_atasan"),
    } <= found
    messages = " ".join(p.message for p in info.value.problems)
    assert "tidak ada di instansi ini" in messages and "instansi lain" in messages
    assert db.session.scalar(audit) == before
    assert db.session.get(StaffPosition, org.peer.id) is None


def test_supervisor_cycles_are_refused(org):
    # head <- staff <- junior today; making head report to junior closes a loop
    with pytest.raises(staffing.ImportRejected) as info:
        staffing.import_assignments(
            org.agency,
            staff_csv(f"{org.head.nip};;{org.junior.nip}", header="nip;nama;nip_atasan"),
            by=org.hr,
        )
    assert info.value.problems[0].column == "nip_atasan"
    assert "lingkaran" in info.value.problems[0].message and org.head.nip in info.value.problems[0].message
    assert org.head.supervisor_id is None
    # the same file may break the loop by moving the other link too
    staffing.import_assignments(
        org.agency,
        staff_csv(f"{org.head.nip};{org.junior.nip}", f"{org.staff.nip};", header="nip;nip_atasan"),
        by=org.hr,
    )
    assert org.head.supervisor_id == org.junior.id and org.staff.supervisor_id is None
    with pytest.raises(CareerError) as one:
        staffing.set_assignment(org.junior, None, org.head, by=org.hr)  # junior -> head -> junior
    assert one.value.field == "supervisor_nip"


def test_single_person_assignment(org):
    assert staffing.set_assignment(org.peer, org.pertama, org.head, by=org.hr)
    assert not staffing.set_assignment(org.peer, org.pertama, org.head, by=org.hr)  # no change
    assert [e.action for e in audit.history_of(org.peer.id)] == ["update"]
    other = factories.agency(code="LAIN")
    with pytest.raises(CareerError):
        staffing.set_assignment(org.peer, None, factories.user(other), by=org.hr)
    with pytest.raises(CareerError):
        staffing.set_assignment(org.peer, None, org.peer, by=org.hr)
    with pytest.raises(HrPermissionDenied):
        staffing.set_assignment(org.peer, None, None, by=org.head)
    with pytest.raises(CareerError) as info:
        staffing.supervisor_by_nip("123", org.agency.id)
    assert info.value.field == "supervisor_nip"
    assert staffing.supervisor_by_nip(org.head.email.upper(), org.agency.id) == org.head


def test_supervisors_without_a_nip_are_named_by_email(org):
    org.head.nip = None
    db.session.flush()
    data = staff_csv(f"{org.peer.nip};;{org.head.email}", header="nip;nama;nip_atasan")
    staffing.import_assignments(org.agency, data, by=org.hr)
    assert org.peer.supervisor_id == org.head.id
    rows = {row[0]: row for row in staffing.assignment_rows(org.agency.id)}
    assert rows[org.peer.nip][3] == org.head.email and org.head.email not in rows
    # loops are found on the people themselves, whatever identifies them in the file
    with pytest.raises(staffing.ImportRejected) as info:
        staffing.import_assignments(
            org.agency,
            staff_csv(
                f"{org.staff.nip};{org.peer.nip}", f"{org.peer.nip};{org.junior.nip}", header="nip;nip_atasan"
            ),
            by=org.hr,
        )
    assert {p.row for p in info.value.problems} == {2, 3}  # staff -> peer -> junior -> staff


# ---------------------------------------------------------------- technical competencies: service


def test_hr_edits_technical_competencies_and_descriptors_audited(org):
    levels = {n: f"Deskriptor {n}" for n in range(1, 6)}
    created = catalogue.save_technical(
        org.agency, catalogue.CompetencyData("tk-arsip", "Pengelolaan Arsip", "", levels), by=org.hr
    )
    assert created.code == "TK-ARSIP" and created.agency_id == org.agency.id
    catalogue.save_technical(
        org.agency,
        catalogue.CompetencyData("IGNORED", "Pengelolaan Arsip Dinamis", "Arsip aktif", levels | {3: "Baru"}),
        by=org.hr,
        competency=created,
    )
    assert created.code == "TK-ARSIP" and [lv.descriptor for lv in created.levels][2] == "Baru"
    create, update = audit.history_of_entity("competency", created.id)
    assert create.before is None and update.before["levels"]["3"] == "Deskriptor 3"
    assert update.after["levels"]["3"] == "Baru" and update.actor_id == org.hr.id
    with pytest.raises(CompetencyError):
        catalogue.save_technical(
            org.agency,
            catalogue.CompetencyData("X", "Pengelolaan Arsip", "", levels | {5: " "}),
            by=org.hr,
            competency=created,
        )
    assert created.levels[4].descriptor == "Deskriptor 5"
    exported = "\n".join(";".join(str(v) for v in row) for row in csv_io.competency_rows(org.agency.id))
    header = "kode;nama;jenis;deskripsi;level;deskriptor\n"
    csv_io.import_competencies(org.agency, (header + exported).encode(), by=org.hr)  # no change: no entry
    changed = exported.replace("Baru", "Diubah lewat CSV")
    csv_io.import_competencies(org.agency, (header + changed).encode(), by=org.hr)
    entries = audit.history_of_entity("competency", created.id)
    assert [e.action for e in entries] == ["create", "update", "import"]
    assert entries[-1].after["levels"]["3"] == "Diubah lewat CSV"
    skj = db.session.scalar(sa.select(Competency).where(Competency.code == "INT"))
    with pytest.raises(CompetencyPermissionDenied):
        catalogue.save_technical(
            org.agency, catalogue.CompetencyData("INT", "Integritas", "", levels), by=org.hr, competency=skj
        )


# ---------------------------------------------------------------- through the browser (client)


class Ids(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def world(app, db):
    with app.app_context():
        org = build_org()
        db.session.commit()
        return Ids(
            agency=org.agency.id,
            hr=org.hr.email,
            head=org.head.email,
            staff=org.staff.email,
            staff_id=org.staff.id,
            staff_nip=org.staff.nip,
            peer_id=org.peer.id,
            peer_nip=org.peer.nip,
            head_nip=org.head.nip,
            muda=org.muda.id,
            pertama=org.pertama.id,
            kom=code("KOM"),
            int=code("INT"),
        )


def as_user(client, login, email):
    limiter.reset()
    client.post("/logout")
    login(type("U", (), {"email": email}))


def upload(client, path, text):
    return client.post(
        path, data={"file": (io.BytesIO(text.encode()), "berkas.csv")}, content_type="multipart/form-data"
    )


def test_position_form_creates_edits_and_refuses_bad_input(app, client, login, world):
    as_user(client, login, world.hr)
    page = client.get(f"/hr/{world.agency}/positions/new")
    assert page.status_code == 200 and f'name="req_{world.kom}"' in page.text
    assert "<script" not in without_site_script(page.text)
    bad = {
        "code": "MUDA",
        "name": "",
        "type": "",
        f"req_{world.kom}": "7",
        "next_codes": ["MUDA"],
    }
    response = client.post(f"/hr/{world.agency}/positions/new", data=bad)
    assert response.status_code == 422
    for message in ("sudah dipakai", "Nama jabatan wajib diisi", "Jenis jabatan harus", "1 sampai 5"):
        assert message in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Position).where(Position.agency_id == world.agency)
            )
            == 2
        )
    good = {
        "code": "kasubag",
        "name": "Kepala Subbagian Umum",
        "type": "structural",
        f"req_{world.kom}": "3",
        f"req_{world.int}": "4",
        "next_codes": ["MUDA"],
    }
    response = client.post(f"/hr/{world.agency}/positions/new", data=good)
    assert response.status_code == 302
    with app.app_context():
        position = db.session.scalar(
            sa.select(Position).where(Position.agency_id == world.agency, Position.code == "KASUBAG")
        )
        assert {r.competency_id: r.level for r in position.requirements} == {world.kom: 3, world.int: 4}
        position_id = position.id
    edit = client.get(f"/hr/positions/{position_id}/edit").text
    assert 'value="KASUBAG"' in edit and re.search(r'<input checked[^>]*value="MUDA"', edit)
    # MUDA -> KASUBAG would close KASUBAG -> MUDA -> KASUBAG
    response = client.post(
        f"/hr/positions/{world.muda}/edit",
        data={"code": "MUDA", "name": "Analis Ahli Muda", "type": "functional", "next_codes": ["KASUBAG"]},
    )
    assert response.status_code == 422 and "melingkar" in response.text
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PositionPath)
                .where(PositionPath.from_position_id == world.muda)
            )
            == 0
        )
    response = client.post(
        f"/hr/positions/{position_id}/edit",
        data={
            "code": "KASUBAG",
            "name": "Kepala Subbagian Umum",
            "type": "structural",
            f"req_{world.kom}": "2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        position = db.session.get(Position, position_id)
        assert {r.competency_id: r.level for r in position.requirements} == {world.kom: 2}
        assert position.next_paths == []
    assert "Kepala Subbagian Umum" in client.get(f"/hr/positions/{position_id}").text


def test_staff_positions_upload_and_single_edit(app, client, login, world):
    as_user(client, login, world.hr)
    assert client.get(f"/hr/{world.agency}/staff-positions").status_code == 200
    bad = f"nip;kode_jabatan;nip_atasan\n{world.peer_nip};NOPE;{world.peer_nip}\n123;MUDA;\n"
    response = upload(client, f"/hr/{world.agency}/staff-positions", bad)
    assert response.status_code == 422
    assert "tidak ada data yang disimpan" in response.text and "NOPE" in response.text
    assert "Atasan tidak boleh dirinya sendiri" in response.text
    with app.app_context():
        assert db.session.get(StaffPosition, world.peer_id) is None
    good = f"nip;kode_jabatan;nip_atasan\n{world.peer_nip};MUDA;{world.head_nip}\n"
    response = upload(client, f"/hr/{world.agency}/staff-positions", good)
    assert response.status_code == 302
    exported = client.get(f"/hr/{world.agency}/staff-positions.csv").text
    assert f"{world.peer_nip};Perawat Puskesmas;MUDA;{world.head_nip}" in exported
    response = client.post(
        f"/hr/people/{world.peer_id}/position", data={"position_id": world.pertama, "supervisor_nip": "123"}
    )
    assert response.status_code == 200 and "NIP" in response.text
    response = client.post(
        f"/hr/people/{world.peer_id}/position",
        data={"position_id": world.pertama, "supervisor_nip": world.staff_nip},
    )
    assert response.status_code == 302
    audit_page = client.get(f"/hr/people/{world.peer_id}/audit").text
    assert audit_page.count("Jabatan dan atasan diubah") == 2  # in words, not "staff_position · update"


def test_competency_form(app, client, login, world):
    as_user(client, login, world.hr)
    levels = {f"level_{n}": f"Mampu tingkat {n}" for n in range(1, 6)}
    response = client.post(
        f"/hr/{world.agency}/competencies/new",
        data={"code": "TK-ARSIP", "name": "A"} | levels | {"level_4": ""},
    )
    assert response.status_code == 422 and "Deskriptor level ini wajib diisi" in response.text
    response = client.post(
        f"/hr/{world.agency}/competencies/new",
        data={"code": "TK-ARSIP", "name": "Pengelolaan Arsip"} | levels,
    )
    assert response.status_code == 302
    with app.app_context():
        competency_id = db.session.scalar(sa.select(Competency.id).where(Competency.code == "TK-ARSIP"))
    page = client.get(f"/hr/competencies/{competency_id}/edit").text
    assert "Mampu tingkat 5" in page
    response = client.post(
        f"/hr/competencies/{competency_id}/edit",
        data={"name": "Pengelolaan Arsip Dinamis"} | levels | {"level_2": "Menata arsip aktif"},
    )
    assert response.status_code == 302
    catalogue_page = client.get(f"/hr/{world.agency}/competencies").text
    assert "Pengelolaan Arsip Dinamis" in catalogue_page and "Menata arsip aktif" in catalogue_page
    assert "Kompetensi di katalog diubah" in client.get(f"/hr/competencies/{competency_id}/edit").text
    assert client.get(f"/hr/competencies/{world.kom}/edit").status_code == 404


def test_appraisal_page_shows_the_seven_values_and_takes_the_response(app, client, login, world):
    as_user(client, login, world.head)
    form = client.get(f"/careers/people/{world.staff_id}/appraisals/new").text
    assert "Berorientasi Pelayanan" in form and "Kolaboratif" in form
    values = {f"behaviour_{code}": "above" for code in appraisals.all_values("above")}
    response = client.post(
        f"/careers/people/{world.staff_id}/appraisals/new",
        data={"year": 2025, "period": "annual", "work_rating": "above"} | values | {"behaviour_loyal": ""},
    )
    assert response.status_code == 200 and "Pilih rating untuk nilai ini" in response.text
    response = client.post(
        f"/careers/people/{world.staff_id}/appraisals/new",
        data={"year": 2025, "period": "annual", "work_rating": "above", "notes": "Teladan."}
        | values
        | {"behaviour_adaptif": "meets"},
    )
    assert response.status_code == 302
    detail = response.headers["Location"]
    as_user(client, login, world.staff)
    page = client.get(detail).text
    assert "Sangat Baik" in page and "Adaptif" in page and "Sesuai ekspektasi" in page
    assert "Teladan." in page
    response = client.post(detail + "/respond", data={"response": "Terima kasih.", "next": "detail"})
    assert response.status_code == 302 and response.headers["Location"].endswith(detail)
    assert "Terima kasih." in client.get(detail).text
    assert client.get("/careers/").text.count(detail) >= 1  # the profile links to the page


def test_training_request_answered_by_hr_is_seen_by_the_learner(app, client, login, world):
    as_user(client, login, world.staff)
    client.post(
        "/careers/requests", data={"competency_id": world.kom, "message": "Pelatihan komunikasi publik."}
    )
    with app.app_context():
        request_id = db.session.scalar(
            sa.select(TrainingRequest.id).where(TrainingRequest.user_id == world.staff_id)
        )
    as_user(client, login, world.hr)
    assert "Pelatihan komunikasi publik." in client.get(f"/hr/{world.agency}/requests").text
    response = client.post(f"/hr/requests/{request_id}", data={"status": "accepted", "answer": ""})
    assert response.status_code == 200 and "Wajib diisi" in response.text
    with app.app_context():
        assert db.session.get(TrainingRequest, request_id).status is RequestStatus.OPEN
    response = client.post(
        f"/hr/requests/{request_id}", data={"status": "declined", "answer": "Kuota tahun ini sudah penuh."}
    )
    assert response.status_code == 302
    as_user(client, login, world.staff)
    page = client.get("/careers/").text
    assert "Kuota tahun ini sudah penuh." in page and "Belum dapat dipenuhi" in page
    with app.app_context():
        assert training_requests.requests_of(world.staff_id)[0].answered_by_id is not None


def test_the_assignment_form_service_checks_position_and_supervisor(org):
    other = build_org("LAIN")
    with pytest.raises(CareerError) as info:
        staffing.assign_from_form(org.staff, other.muda.id, "", by=org.hr)
    assert info.value.field == "position_id"
    assert staffing.assign_from_form(org.staff, org.muda.id, org.head.email, by=org.hr)
    assert org.staff.supervisor_id == org.head.id
    assert staffing.assign_from_form(org.staff, org.muda.id, org.head.email, by=org.hr) is False
