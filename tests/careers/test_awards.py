"""Records and JP that follow what earned them: webinars attended (and corrected), certificates
revoked, courses edited after learners completed them. Run on SQLite and on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts import audit
from lms.accounts.models import Role
from lms.careers import awards, jp, records, summaries
from lms.careers.models import (
    CareerSummary,
    CompetencyRecord,
    JpTotal,
    RecordSource,
    RevokeCause,
    StaffCompetency,
    UnitCompetencyStat,
)
from lms.careers.positions import assign_position
from lms.certificates import services as certificates
from lms.certificates.models import Certificate, CertificateSource
from lms.courses import learning
from lms.courses import services as courses
from lms.extensions import db
from lms.webinars import attendance as webinar_attendance
from lms.webinars.models import Attendance
from tests import factories
from tests.careers.conftest import code, complete

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def at(minutes: float) -> datetime:
    return NOW - timedelta(hours=3) + timedelta(minutes=minutes)


@pytest.fixture
def host(ctx, org):
    return factories.user(org.agency, roles=(Role.TRAINER, Role.LEARNER), name="Pemandu Webinar")


def attend(webinar, person, minutes: int, sid: str) -> None:
    """Present for `minutes` of the webinar (heartbeats every minute), then leave."""
    webinar_attendance.join(person, webinar, sid, at=at(0))
    for minute in range(1, minutes):
        webinar_attendance.heartbeat(person, webinar, sid, at=at(minute))
    webinar_attendance.leave(sid, at=at(minutes))


def webinar_for(host, people, *, course=None, jp_value=3, title="Webinar Pelayanan Publik", competencies=()):
    webinar = factories.webinar(
        host,
        starts_at=at(0),
        minutes=60,
        jp=jp_value,
        title=title,
        course_id=course.id if course else None,
        competencies=competencies,
    )
    for person in people:
        factories.registration(webinar, person)
    return webinar


def attendance_of(webinar, person) -> Attendance:
    return db.session.scalar(
        sa.select(Attendance).where(Attendance.webinar_id == webinar.id, Attendance.user_id == person.id)
    )


def records_of(person, source=None):
    query = sa.select(CompetencyRecord).where(CompetencyRecord.user_id == person.id)
    if source is not None:
        query = query.where(CompetencyRecord.source == source)
    return db.session.scalars(query.order_by(CompetencyRecord.id)).all()


def year_of(person) -> int:
    return jp.current_year(person)


def jp_now(person) -> int:
    """The maintained yearly total, checked against the profile's list of the same year."""
    total = summaries.jp_total(db.session, person.id, year_of(person))
    assert jp.jp_year(person, year_of(person)).total == total
    return total


def rebuilt_equals_incremental(agency_id: int) -> None:
    """What the events maintained equals a rebuild from the sources (both JP code paths)."""

    def snapshot():
        return (
            sorted(
                db.session.execute(sa.select(JpTotal.user_id, JpTotal.year, JpTotal.jp).where(JpTotal.jp > 0))
            ),
            sorted(
                db.session.execute(
                    sa.select(StaffCompetency.user_id, StaffCompetency.competency_id, StaffCompetency.level)
                )
            ),
            sorted(
                db.session.execute(
                    sa.select(
                        UnitCompetencyStat.unit_id,
                        UnitCompetencyStat.competency_id,
                        UnitCompetencyStat.staff,
                        UnitCompetencyStat.met,
                        UnitCompetencyStat.gap_sum,
                    ).where(UnitCompetencyStat.staff > 0)
                )
            ),
            # people nobody synced have no summary until a rebuild gives them an empty one
            sorted(
                db.session.execute(
                    sa.select(CareerSummary.user_id, CareerSummary.fit_level, CareerSummary.level_sum).where(
                        CareerSummary.position_id.is_not(None)
                    )
                )
            ),
        )

    before = snapshot()
    summaries.rebuild(db.session, agency_id)
    assert snapshot() == before


# ---------------------------------------------------------------- webinars


def test_present_participants_earn_the_webinar_jp_and_its_own_competencies(org, host, make_course):
    # The webinar belongs to a course that awards KOM 3: attending it is not finishing the course.
    course = make_course(title="Komunikasi Efektif", jp=4, competencies=[("KOM", 3)])
    webinar = webinar_for(host, [org.staff, org.junior], course=course, competencies=[("PP", 2)])
    attend(webinar, org.staff, 55, "s")  # 92 %: present
    attend(webinar, org.junior, 20, "j")  # 33 %: absent
    webinar_attendance.finalize(webinar, at=at(70))

    assert jp_now(org.staff) == 3 and jp_now(org.junior) == 0
    (item,) = jp.jp_year(org.staff, year_of(org.staff)).items
    assert (item.kind, item.title, item.jp, item.webinar_id, item.revoked) == (
        "webinar",
        "Webinar Pelayanan Publik",
        3,
        webinar.id,
        False,
    )
    attendance = attendance_of(webinar, org.staff)
    certificate = certificates.certificate_for_source(CertificateSource.WEBINAR, attendance.id)
    assert item.certificate == certificate.number
    # the webinar's competencies, the same ones its certificate certifies; not the course's KOM
    (record,) = records_of(org.staff)
    assert (record.competency_id, record.level, record.source, record.source_id) == (
        code("PP"),
        2,
        RecordSource.WEBINAR,
        attendance.id,
    )
    assert [(c["code"], c["level"]) for c in certificate.competencies] == [("PP", 2)]
    assert records.evidence_certificates([record]) == {
        ("webinar", attendance.id): (certificate.number, False)
    }
    assert records.cached_levels(org.staff.id) == {code("PP"): 2}
    assert records_of(org.junior) == []
    rebuilt_equals_incremental(org.agency.id)


def test_a_webinar_without_competencies_credits_jp_only_even_in_a_course_that_awards_some(
    org, host, make_course
):
    course = make_course(title="Integritas Dasar", jp=4, competencies=[("INT", 3)])
    alone = webinar_for(host, [org.staff], jp_value=2)
    for webinar in (alone, webinar_for(host, [org.staff], course=course)):
        attend(webinar, org.staff, 60, f"s{webinar.id}")
        webinar_attendance.finalize(webinar, at=at(70))
        certificate = certificates.certificate_for_source(
            CertificateSource.WEBINAR, attendance_of(webinar, org.staff).id
        )
        assert certificate.competencies == []
    assert jp_now(org.staff) == 2 + 3
    assert records_of(org.staff) == []
    assert records.cached_levels(org.staff.id) == {}


def test_correcting_attendance_moves_jp_and_records_both_ways(org, host):
    webinar = webinar_for(host, [org.staff], jp_value=3, competencies=[("INT", 2)])
    attend(webinar, org.staff, 60, "s")
    webinar_attendance.finalize(webinar, at=at(70))
    assert jp_now(org.staff) == 3

    webinar_attendance.correct_attendance(
        webinar,
        org.staff,
        present=False,
        minutes=10,
        reason="Perangkat dipakai bergantian",
        by=host,
        at=at(80),
    )
    assert jp_now(org.staff) == 0
    (record,) = records_of(org.staff)
    assert (record.revoked_cause, record.is_active) == (RevokeCause.ATTENDANCE, False)
    assert records.levels_of(org.staff.id) == {} and records.cached_levels(org.staff.id) == {}
    entries = audit.history_of_entity("competency_record", record.id)
    assert [(e.action, e.actor_id) for e in entries] == [("create", None), ("revoke", host.id)]
    assert entries[1].before["revoked_at"] is None and entries[1].after["revoked_cause"] == "attendance"
    rebuilt_equals_incremental(org.agency.id)

    webinar_attendance.correct_attendance(
        webinar,
        org.staff,
        present=True,
        minutes=55,
        reason="Bukti kehadiran dari daftar hadir",
        by=host,
        at=at(90),
    )
    assert jp_now(org.staff) == 3
    db.session.refresh(record)
    assert record.is_active and record.revoked_cause is None
    assert [e.action for e in audit.history_of_entity("competency_record", record.id)] == [
        "create",
        "revoke",
        "reinstate",
    ]
    assert records.cached_levels(org.staff.id) == {code("INT"): 2}
    rebuilt_equals_incremental(org.agency.id)


# ---------------------------------------------------------------- certificates as evidence


def test_revoking_a_certificate_revokes_its_records_and_its_jp(org, make_course):
    assign_position(org.staff, org.pertama, by=org.hr)
    course = make_course(title="Komunikasi Publik", jp=5, competencies=[("KOM", 2), ("INT", 2)])
    complete(org.staff, course)
    enrolment = learning.enrolment_for(org.staff, course)
    certificate = certificates.certificate_for_source(CertificateSource.COURSE, enrolment.id)
    assert jp_now(org.staff) == 5
    summary = db.session.get(CareerSummary, org.staff.id)
    assert (summary.met, summary.level_sum) == (2, 4)

    certificates.revoke(certificate, "Terbit atas nama pegawai yang salah", by=org.hr)
    assert jp_now(org.staff) == 0
    (item,) = jp.jp_year(org.staff, year_of(org.staff)).items
    assert (item.revoked, item.counted, item.certificate) == (True, 0, certificate.number)
    revoked = records_of(org.staff)
    assert {(r.revoked_cause, r.is_active) for r in revoked} == {(RevokeCause.CERTIFICATE, False)}
    assert records.levels_of(org.staff.id) == {}
    db.session.expire_all()
    summary = db.session.get(CareerSummary, org.staff.id)
    assert (summary.met, summary.level_sum) == (0, 0)
    actors = {e.actor_id for r in revoked for e in audit.history_of_entity("competency_record", r.id)[1:]}
    assert actors == {org.hr.id}
    rebuilt_equals_incremental(org.agency.id)


def test_the_profile_shows_the_certificate_as_evidence_and_says_when_it_was_revoked(org, make_course):
    from lms.careers.profile import career_profile

    course = make_course(title="Berorientasi Pelayanan", jp=3, competencies=[("PP", 2)])
    complete(org.staff, course)
    number = db.session.scalar(sa.select(Certificate.number).where(Certificate.user_id == org.staff.id))
    profile = career_profile(org.staff)
    (record,) = profile.records
    assert profile.certificate_of(record) == (number, False)
    certificates.revoke(certificates.by_number(number), "Dicabut karena kesalahan data", by=None)
    profile = career_profile(org.staff)
    assert profile.records == []
    (record,) = profile.revoked
    assert profile.certificate_of(record) == (number, True)
    assert record.revoked_cause is RevokeCause.CERTIFICATE


def test_records_hr_withdrew_stay_withdrawn(org, host, make_course):
    course = make_course(title="Kerja Sama", jp=2, competencies=[("KS", 2)])
    complete(org.staff, course)
    (record,) = records_of(org.staff)
    records.revoke_record(record, by=org.hr, reason="Salah orang")
    assert record.revoked_cause is RevokeCause.HR
    courses.update_course(course, _data(course, jp=3, competencies=[("KS", 3)]), by=None)
    db.session.commit()
    db.session.refresh(record)
    assert not record.is_active and record.level == 2  # untouched by the course edit
    assert jp_now(org.staff) == 3  # the JP of the completion still counts


# ---------------------------------------------------------------- courses edited after completion


def _data(course, **over) -> courses.CourseData:
    values = {
        "title": course.title,
        "summary": course.summary,
        "category": course.category,
        "jp": course.jp,
        "completion_rule": dict(course.completion_rule or {}),
        "competencies": [(cc.competency.code, cc.level) for cc in course.competencies],
    }
    values.update(over)
    return courses.CourseData(**values)


def test_editing_a_completed_course_moves_jp_levels_and_summaries_on_save(org, host, make_course):
    assign_position(org.staff, org.pertama, by=org.hr)
    assign_position(org.junior, org.pertama, by=org.hr)
    course = make_course(title="Komunikasi Dasar", jp=2, competencies=[("KOM", 1), ("PB", 2)])
    complete(org.staff, course)
    complete(org.junior, course)
    webinar = webinar_for(host, [org.peer], course=course, jp_value=1, competencies=[("KOM", 1)])
    attend(webinar, org.peer, 60, "p")
    webinar_attendance.finalize(webinar, at=at(70))
    db.session.commit()
    assert jp_now(org.staff) == 2 and records.cached_levels(org.staff.id) == {code("KOM"): 1, code("PB"): 2}

    trainer = db.session.get(type(org.staff), course.created_by_id)
    courses.update_course(course, _data(course, jp=6, competencies=[("KOM", 2), ("INT", 2)]), by=trainer)
    db.session.commit()

    for person in (org.staff, org.junior):
        assert jp_now(person) == 6
        assert records.cached_levels(person.id) == {code("KOM"): 2, code("INT"): 2}
        assert {(r.competency_id, r.is_active, r.revoked_cause) for r in records_of(person)} == {
            (code("KOM"), True, None),
            (code("INT"), True, None),
            (code("PB"), False, RevokeCause.COURSE),
        }
        summary = db.session.get(CareerSummary, person.id)
        db.session.refresh(summary)
        assert (summary.met, summary.level_sum) == (2, 4)
    # the course's webinar awards its own competencies: the course edit leaves them alone
    assert records.cached_levels(org.peer.id) == {code("KOM"): 1}
    assert jp_now(org.peer) == 1
    kom = next(r for r in records_of(org.staff) if r.competency_id == code("KOM"))
    assert [e.action for e in audit.history_of_entity("competency_record", kom.id)] == ["create", "update"]
    rebuilt_equals_incremental(org.agency.id)


def test_publishing_an_unchanged_course_changes_nothing(org, make_course):
    course = make_course(title="Perekat Bangsa", jp=2, competencies=[("PB", 2)])
    complete(org.staff, course)
    db.session.commit()
    entries = len(audit.history_of(org.staff.id))
    courses.publish(course, by=None)
    db.session.commit()
    assert len(audit.history_of(org.staff.id)) == entries


def test_following_a_course_edit_takes_the_same_statements_for_2_or_8_learners(
    app, org, make_course, count_queries
):
    counts = []
    for n in (2, 8):
        course = make_course(title=f"Kursus {n}", jp=2, competencies=[("KOM", 2)])
        for i in range(n):
            complete(factories.user(org.agency, unit=org.units.org, name=f"Pegawai {n}-{i}"), course)
        db.session.commit()
        edit = _data(course, jp=3, competencies=[("KOM", 3)])
        with count_queries() as statements:
            courses.update_course(course, edit, by=None)
            db.session.commit()
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 40


def test_follow_is_idempotent(org, make_course):
    course = make_course(title="Idempoten", jp=2, competencies=[("KOM", 2)])
    complete(org.staff, course)
    enrolment = learning.enrolment_for(org.staff, course)
    assert awards.follow(RecordSource.COURSE, [enrolment.id]) == []
    assert awards.follow_courses([course.id]) == {org.staff.id}
    assert len(records_of(org.staff)) == 1


def test_moving_a_webinar_to_another_course_leaves_its_records_alone(org, host, make_course):
    first = make_course(title="Kursus Pertama", jp=2, competencies=[("KOM", 2)])
    second = make_course(title="Kursus Kedua", jp=2, competencies=[("PK", 3)])
    webinar = webinar_for(host, [org.staff], course=first, competencies=[("KS", 1)])
    attend(webinar, org.staff, 60, "s")
    webinar_attendance.finalize(webinar, at=at(70))
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {code("KS"): 1}

    webinar.course_id = second.id
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {code("KS"): 1}
    assert jp_now(org.staff) == 3  # what the webinar credited


# ---------------------------------------------------------------- webinars edited after attendance is final


def test_editing_a_final_webinars_competencies_moves_the_records_of_the_people_present(org, host):
    from lms.webinars import competencies

    assign_position(org.staff, org.pertama, by=org.hr)
    webinar = webinar_for(host, [org.staff, org.junior, org.peer], competencies=[("KOM", 1), ("PB", 2)])
    attend(webinar, org.staff, 60, "s")
    attend(webinar, org.peer, 55, "p")
    attend(webinar, org.junior, 10, "j")  # absent: earns nothing whatever the webinar awards
    webinar_attendance.finalize(webinar, at=at(70))
    db.session.commit()
    certificate = certificates.certificate_for_source(
        CertificateSource.WEBINAR, attendance_of(webinar, org.staff).id
    )
    issued = [dict(c) for c in certificate.competencies]
    assert [(c["code"], c["level"]) for c in issued] == [("KOM", 1), ("PB", 2)]
    level_sum = db.session.get(CareerSummary, org.staff.id).level_sum

    assert competencies.set_competencies(webinar, [("KOM", 3), ("INT", "2")], by=host)
    db.session.commit()

    for person in (org.staff, org.peer):
        assert records.cached_levels(person.id) == {code("KOM"): 3, code("INT"): 2}
        assert {(r.competency_id, r.level, r.is_active, r.revoked_cause) for r in records_of(person)} == {
            (code("KOM"), 3, True, None),
            (code("INT"), 2, True, None),
            (code("PB"), 2, False, RevokeCause.WEBINAR),
        }
        assert jp_now(person) == 3  # the JP it credited does not move
    assert records_of(org.junior) == []
    summary = db.session.get(CareerSummary, org.staff.id)
    db.session.refresh(summary)
    assert summary.level_sum != level_sum  # the 9-box summary followed (checked against a rebuild below)
    # the same audit log as course edits, with the moderator as the actor
    kom = next(r for r in records_of(org.staff) if r.competency_id == code("KOM"))
    pb = next(r for r in records_of(org.staff) if r.competency_id == code("PB"))
    assert [(e.action, e.actor_id) for e in audit.history_of_entity("competency_record", kom.id)] == [
        ("create", None),
        ("update", host.id),
    ]
    (_created, revoked) = audit.history_of_entity("competency_record", pb.id)
    assert (revoked.action, revoked.actor_id) == ("revoke", host.id)
    assert revoked.after["revoked_cause"] == "webinar"
    # the issued certificate is a signed snapshot: unchanged
    db.session.refresh(certificate)
    assert certificate.competencies == issued
    rebuilt_equals_incremental(org.agency.id)

    # Given back, a competency the webinar stopped awarding is reinstated; nothing at all: JP only.
    assert competencies.set_competencies(webinar, [("PB", 2)], by=host)
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {code("PB"): 2}
    assert [e.action for e in audit.history_of_entity("competency_record", pb.id)] == [
        "create",
        "revoke",
        "reinstate",
    ]
    assert competencies.set_competencies(webinar, [], by=host)
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {} and jp_now(org.staff) == 3
    assert not competencies.set_competencies(webinar, [], by=host)  # nothing changed
    rebuilt_equals_incremental(org.agency.id)


def test_records_follow_the_services_that_announce_not_the_session(org, host, make_course):
    """Reactions are named signals sent by the service that changed something (STYLE.md §11):
    a bare ORM edit committed without a service is nobody's announcement, so careers stays put."""
    webinar = webinar_for(host, [org.staff], competencies=[("KOM", 1)])
    attend(webinar, org.staff, 60, "s")
    webinar_attendance.finalize(webinar, at=at(70))
    course = make_course(title="Tanpa Layanan", jp=2, competencies=[("PB", 2)])
    complete(org.junior, course)
    db.session.commit()
    webinar.competencies[0].level = 4
    db.session.commit()
    assert records.cached_levels(org.staff.id) == {code("KOM"): 1}
    courses.update_course(course, _data(course, jp=6), by=None)
    db.session.commit()
    assert jp_now(org.junior) == 6


def test_following_a_webinar_edit_takes_the_same_statements_for_2_or_8_present(app, org, host, count_queries):
    from lms.webinars import competencies

    counts = []
    for n in (2, 8):
        people = [factories.user(org.agency, unit=org.units.org, name=f"Peserta {n}-{i}") for i in range(n)]
        webinar = webinar_for(host, people, title=f"Webinar {n}", competencies=[("KOM", 2), ("PB", 1)])
        for i, person in enumerate(people):
            attend(webinar, person, 60, f"w{n}-{i}")
        webinar_attendance.finalize(webinar, at=at(70))
        db.session.commit()
        with count_queries() as statements:
            competencies.set_competencies(webinar, [("KOM", 3)], by=host)  # one level up, one revoked
            db.session.commit()
        counts.append(len(statements))
        assert all(records.cached_levels(p.id) == {code("KOM"): 3} for p in people)
    assert counts[0] == counts[1]
    assert counts[0] <= 40
