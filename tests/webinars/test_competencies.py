"""The competencies a webinar awards: chosen by its trainer from their agency's catalogue, validated,
shown on its page, and still editable once the webinar is over (the records follow)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import Role
from lms.careers.models import CompetencyRecord, RevokeCause
from lms.competencies import services as careers
from lms.competencies.models import Competency, CompetencyType
from lms.extensions import db as _db
from lms.webinars import attendance as webinar_attendance
from lms.webinars import competencies, services
from lms.webinars.errors import NotAllowed, WebinarError
from lms.webinars.models import Webinar, WebinarCompetency
from lms.webinars.signals import webinar_competencies_changed
from tests import factories
from tests.webinars.test_views import schedule_form

DESCRIPTORS = {n: f"Deskripsi level {n}" for n in range(1, 6)}


def technical(agency, code):
    return careers.create_competency(
        code, f"Teknis {code}", CompetencyType.TECHNICAL, DESCRIPTORS, agency_id=agency.id
    )


def levels_of(webinar_id) -> dict[str, int]:
    rows = _db.session.execute(
        sa.select(Competency.code, WebinarCompetency.level)
        .join(Competency, Competency.id == WebinarCompetency.competency_id)
        .where(WebinarCompetency.webinar_id == webinar_id)
    )
    return dict(rows.all())


def data(**over) -> services.WebinarData:
    values = {
        "title": "Webinar Kompetensi",
        "starts_local": datetime(2030, 5, 6, 9, 0),
        "ends_local": datetime(2030, 5, 6, 11, 0),
        "timezone": "Asia/Jakarta",
        "jp": 2,
    }
    values.update(over)
    return services.WebinarData(**values)


# ---------------------------------------------------------------- services


@pytest.fixture
def world(ctx):
    agency = factories.agency(code="KOMP")
    other = factories.agency(code="LAINYA")
    return {
        "agency": agency,
        "trainer": factories.user(agency, roles=(Role.TRAINER,), name="Pemandu"),
        "stranger": factories.user(agency, roles=(Role.TRAINER,), name="Pengajar Lain"),
        "own": technical(agency, "KOMP-T1"),
        "foreign": technical(other, "LAIN-T1"),
    }


def test_a_trainer_schedules_a_webinar_with_competencies_of_their_catalogue(world):
    webinar = services.schedule_webinar(
        data(competencies=[("kom", 3), ("KOMP-T1", "2")]),
        by=world["trainer"],
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert levels_of(webinar.id) == {"KOM": 3, "KOMP-T1": 2}
    assert competencies.levels_of(webinar) == {"KOM": 3, "KOMP-T1": 2}
    # The catalogue: the SKJ ones and the host agency's technical ones, never another agency's.
    codes = {c.code for c in competencies.catalogue(webinar, world["trainer"])}
    assert {"KOM", "INT", "PB", "KOMP-T1"} <= codes and "LAIN-T1" not in codes


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("TIDAK-ADA", 2)], "Kompetensi TIDAK-ADA tidak ada dalam katalog kompetensi instansi Anda."),
        ([("LAIN-T1", 2)], "Kompetensi LAIN-T1 tidak ada dalam katalog kompetensi instansi Anda."),
        ([("KOM", 2), ("kom", 3)], "Kompetensi Komunikasi disebut dua kali."),
        ([("KOM", 0)], "Level kompetensi Komunikasi harus 1 sampai 5."),
        ([("KOM", 6)], "Level kompetensi Komunikasi harus 1 sampai 5."),
        ([("KOM", "tiga")], "Level kompetensi Komunikasi harus 1 sampai 5."),
        ([("KOM", True)], "Level kompetensi Komunikasi harus 1 sampai 5."),
    ],
)
def test_bad_competencies_are_refused_and_change_nothing(world, pairs, message):
    webinar = services.schedule_webinar(
        data(competencies=[("PB", 2)]), by=world["trainer"], now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    _db.session.commit()
    with pytest.raises(WebinarError, match=re.escape(message)):
        services.update_webinar(webinar, data(title="Judul Baru", competencies=pairs), by=world["trainer"])
    _db.session.rollback()
    assert levels_of(webinar.id) == {"PB": 2}
    assert _db.session.get(Webinar, webinar.id).title == "Webinar Kompetensi"
    count = _db.session.scalar(sa.select(sa.func.count()).select_from(Webinar))
    with pytest.raises(WebinarError, match=re.escape(message)):
        services.schedule_webinar(
            data(competencies=pairs), by=world["trainer"], now=datetime(2030, 1, 1, tzinfo=UTC)
        )
    _db.session.rollback()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Webinar)) == count


def test_update_leaves_competencies_alone_unless_given(world):
    webinar = services.schedule_webinar(
        data(competencies=[("PB", 2), ("KOM", 1)]), by=world["trainer"], now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    announced = []

    def on_changed(sender, webinar, before, by):
        announced.append((webinar.id, before, by.id))

    with webinar_competencies_changed.connected_to(on_changed):
        services.update_webinar(webinar, data(jp=3), by=world["trainer"])
        assert levels_of(webinar.id) == {"PB": 2, "KOM": 1}
        assert announced == []
        services.update_webinar(webinar, data(competencies=[("KOM", 4)]), by=world["trainer"])
        assert levels_of(webinar.id) == {"KOM": 4}
        services.update_webinar(webinar, data(competencies=[]), by=world["trainer"])
        assert levels_of(webinar.id) == {}
    kom, pb = (
        _db.session.scalar(sa.select(Competency.id).where(Competency.code == c)) for c in ("KOM", "PB")
    )
    trainer = world["trainer"].id
    assert announced == [(webinar.id, {pb: 2, kom: 1}, trainer), (webinar.id, {kom: 4}, trainer)]


def test_only_moderators_set_the_competencies_of_a_webinar_that_is_over(world):
    webinar = factories.webinar(world["trainer"], competencies=[("KOM", 2)])
    webinar.finalized_at = webinar.ends_at
    _db.session.flush()
    with pytest.raises(NotAllowed):
        competencies.set_competencies(webinar, [("KOM", 3)], by=world["stranger"])
    with pytest.raises(WebinarError, match="Webinar yang sudah selesai tidak dapat diubah"):
        services.update_webinar(webinar, data(competencies=[("KOM", 3)]), by=world["trainer"])
    assert competencies.set_competencies(webinar, [("KOM", 3)], by=world["trainer"])
    assert levels_of(webinar.id) == {"KOM": 3}


# ---------------------------------------------------------------- pages


def selected(page: str, code: str) -> str | None:
    """The level selected in the comp_<code> choice of a form page ('' for none)."""
    match = re.search(rf'<select[^>]*name="comp_{re.escape(code)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no choice for {code}"
    chosen = re.search(r'<option selected value="([^"]*)"', match.group(1))
    return chosen.group(1) if chosen else None


class TestForm:
    def test_the_schedule_form_offers_the_catalogue_and_saves_the_levels(
        self, app, db, client, login, people
    ):
        login(people["trainer"])
        page = client.get("/webinars/new").text
        assert "Kompetensi dan level yang diberikan kepada peserta yang hadir" in page
        assert selected(page, "KOM") == "" and selected(page, "PB") == ""
        response = client.post("/webinars/new", data=schedule_form(comp_KOM="3", comp_PB="2", comp_INT=""))
        assert response.status_code == 302
        with app.app_context():
            webinar_id = db.session.scalar(
                sa.select(Webinar.id).where(Webinar.host_id == people["trainer"].id)
            )
            assert levels_of(webinar_id) == {"KOM": 3, "PB": 2}
        page = client.get(response.location).text
        assert "Komunikasi level 3" in page and "Perekat Bangsa level 2" in page
        page = client.get(f"/webinars/{webinar_id}/edit").text
        assert selected(page, "KOM") == "3" and selected(page, "PB") == "2" and selected(page, "INT") == ""

    def test_bad_levels_are_shown_next_to_the_choice_and_nothing_is_saved(
        self, app, db, client, login, people, make_webinar
    ):
        login(people["trainer"])
        page = client.post("/webinars/new", data=schedule_form(comp_KOM="9")).text
        assert "Level kompetensi Komunikasi harus 1 sampai 5." in page
        assert re.search(r'<select[^>]*aria-invalid="true"[^>]*name="comp_KOM"', page)
        page = client.post("/webinars/new", data=schedule_form(comp_KOM="dua")).text
        assert "Level kompetensi Komunikasi harus 1 sampai 5." in page
        with app.app_context():
            hosted = (
                sa.select(sa.func.count()).select_from(Webinar).where(Webinar.host_id == people["trainer"].id)
            )
            assert db.session.scalar(hosted) == 0

        webinar = make_webinar(
            people["trainer"], starts_at=datetime(2030, 1, 1, 2, 0, tzinfo=UTC), competencies=[("PB", 2)]
        )
        form = schedule_form(title="Judul Diubah", comp_PB="2", comp_KOM="0")
        page = client.post(f"/webinars/{webinar.id}/edit", data=form).text
        assert "Level kompetensi Komunikasi harus 1 sampai 5." in page
        with app.app_context():
            assert levels_of(webinar.id) == {"PB": 2}
            assert db.session.get(Webinar, webinar.id).title == "Webinar Uji"

    def test_a_choice_outside_the_catalogue_cannot_be_smuggled_in(self, app, db, client, login, people):
        with app.app_context():
            technical(factories.agency(code="ASING"), "ASING-T1")
            db.session.commit()
        login(people["trainer"])
        page = client.get("/webinars/new").text
        assert 'name="comp_ASING-T1"' not in page
        response = client.post("/webinars/new", data=schedule_form(**{"comp_ASING-T1": "3", "comp_KOM": "1"}))
        assert response.status_code == 302
        with app.app_context():
            hosted = sa.select(Webinar.id).where(Webinar.host_id == people["trainer"].id)
            assert levels_of(db.session.scalar(hosted)) == {"KOM": 1}

    def test_a_webinar_without_competencies_says_it_gives_jp_only(self, client, login, people, make_webinar):
        webinar = make_webinar(people["trainer"])
        login(people["ani"])
        assert "tidak ada (hanya JP)" in client.get(f"/webinars/{webinar.id}").text


class TestAfterTheEnd:
    @pytest.fixture
    def over(self, app, db, people, make_webinar, make_registration):
        """Ended yesterday with Ani present for the whole hour; it awarded KOM 2."""
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
        webinar = make_webinar(people["trainer"], starts_at=start, competencies=[("KOM", 2)])
        make_registration(webinar, people["ani"])
        with app.app_context():
            webinar = db.session.get(Webinar, webinar.id)
            ani = db.session.get(type(people["ani"]), people["ani"].id)
            webinar_attendance.join(ani, webinar, "a1", at=start)
            for minute in range(1, 60):
                webinar_attendance.heartbeat(ani, webinar, "a1", at=start + timedelta(minutes=minute))
            webinar_attendance.leave("a1", at=start + timedelta(minutes=60))
            webinar_attendance.finalize(webinar, at=start + timedelta(minutes=61))
            db.session.commit()
        return webinar

    def records(self, app, db, person):
        with app.app_context():
            rows = db.session.execute(
                sa.select(Competency.code, CompetencyRecord.level, CompetencyRecord.revoked_cause)
                .join(Competency, Competency.id == CompetencyRecord.competency_id)
                .where(CompetencyRecord.user_id == person.id)
            )
            return set(rows.all())

    def test_only_the_competencies_remain_editable_and_the_records_follow(
        self, app, db, client, login, people, over
    ):
        assert self.records(app, db, people["ani"]) == {("KOM", 2, None)}
        login(people["trainer"])
        detail = client.get(f"/webinars/{over.id}").text
        assert "Ubah kompetensi" in detail and "Ubah jadwal dan isi" not in detail
        page = client.get(f"/webinars/{over.id}/edit").text
        assert "Ubah kompetensi webinar" in page and 'name="title"' not in page
        assert selected(page, "KOM") == "2"

        page = client.post(f"/webinars/{over.id}/edit", data={"comp_KOM": "6", "comp_PB": "1"}).text
        assert "Level kompetensi Komunikasi harus 1 sampai 5." in page
        assert self.records(app, db, people["ani"]) == {("KOM", 2, None)}

        response = client.post(f"/webinars/{over.id}/edit", data={"comp_KOM": "", "comp_PB": "1"})
        assert response.status_code == 302
        assert "Catatan kompetensi peserta yang hadir ikut diperbarui" in client.get(response.location).text
        assert self.records(app, db, people["ani"]) == {("KOM", 2, RevokeCause.WEBINAR), ("PB", 1, None)}

    def test_others_cannot_edit_it(self, client, login, people, over):
        login(people["trainer2"])
        assert client.post(f"/webinars/{over.id}/edit", data={"comp_KOM": "5"}).status_code == 403


def test_the_demo_webinar_awards_competencies_and_seeding_twice_changes_nothing(app, db):
    from lms.webinars import demo

    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["lms", "seed-demo"])
        assert result.exit_code == 0, result.output
    assert "PDOL level 2" in result.output
    with app.app_context():
        webinar_id = db.session.scalar(sa.select(Webinar.id).where(Webinar.title == demo.TITLE))
        assert levels_of(webinar_id) == {"PDOL": 2, "KOM": 1}
