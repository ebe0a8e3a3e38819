"""JP: the yearly total from every source, JP recorded by HR, the length of a JP as a setting."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import current_app

from lms.accounts import audit
from lms.careers import jp, summaries
from lms.careers.errors import CareerError, CareerPermissionDenied
from lms.careers.models import JpRecord
from lms.courses import learning
from lms.courses.models import Enrolment
from lms.extensions import db
from tests.careers.conftest import complete


def record(org, **over):
    values = {
        "kind": "classroom",
        "title": "Diklat Teknis Arsip",
        "started_on": date(2026, 3, 2),
        "ended_on": date(2026, 3, 4),
        "jp": 24,
        "evidence": "Sertifikat No. 88/ANRI/2026",
        "certificate_number": "88/ANRI/2026",
        "organizer": "ANRI",
    } | over
    return jp.record_jp(org.staff, jp.JpRecordData(**values), by=org.hr, today=date(2026, 11, 1))


def test_yearly_total_counts_courses_and_learning_elsewhere(org, make_course):
    complete(org.staff, make_course(jp=5))
    year = jp.current_year(org.staff)
    record(org, started_on=date(year, 1, 5), ended_on=date(year, 1, 5), jp=3)
    record(org, started_on=date(year - 1, 12, 1), ended_on=date(year - 1, 12, 2), jp=10, title="Tahun lalu")
    this_year = jp.jp_year(org.staff, year)
    assert this_year.total == 8 and this_year.target == 20 and this_year.missing == 12
    assert this_year.percent == 40 and not this_year.met
    assert {item.kind for item in this_year.items} == {"course", "jp_record"}
    assert summaries.jp_total(db.session, org.staff.id, year) == 8
    assert summaries.jp_total(db.session, org.staff.id, year - 1) == 10


def test_year_follows_the_persons_time_zone(org, make_course):
    course = make_course(jp=4)
    complete(org.staff, course)
    enrolment = learning.enrolment_for(org.staff, course)
    # 31 December 20:00 UTC is already 1 January in Jayapura (WIT, UTC+9), not in Jakarta (UTC+7)
    enrolment.completed_at = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    db.session.flush()
    summaries.refresh_jp(db.session, org.staff, [2025, 2026])
    assert summaries.jp_total(db.session, org.staff.id, 2026) == 4
    org.staff.timezone = "Asia/Jayapura"
    enrolment.completed_at = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 01:00 on 1 January WIT
    db.session.flush()
    summaries.refresh_jp(db.session, org.staff, [2025, 2026])
    assert summaries.jp_total(db.session, org.staff.id, 2026) == 4
    assert summaries.jp_total(db.session, org.staff.id, 2025) == 0
    summaries.rebuild(db.session, org.agency.id)
    assert summaries.jp_total(db.session, org.staff.id, 2026) == 4


def test_minutes_become_jp_by_the_setting(org):
    assert record(org, jp=None, minutes=100).jp == 2  # 45-minute JP, rounded down
    current_app.config["JP_MINUTES"] = 60
    try:
        assert record(org, jp=None, minutes=100, title="Coaching").jp == 1
        assert jp.hours(3) == 3.0
    finally:
        current_app.config["JP_MINUTES"] = 45
    assert jp.hours(2) == 1.5 and jp.hours(2, minutes=100) == 1.67


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "dance"}, "kind"),
        ({"title": "x"}, "title"),
        ({"started_on": None}, "started_on"),
        ({"ended_on": date(2026, 3, 1)}, "ended_on"),  # before the start
        ({"ended_on": date(2026, 12, 1)}, "ended_on"),  # after "today"
        ({"jp": None}, "jp"),
        ({"jp": 0}, "jp"),
        ({"jp": None, "minutes": 30}, "minutes"),  # less than one JP
        ({"evidence": ""}, "evidence"),
    ],
)
def test_bad_jp_records_are_refused(org, change, field):
    with pytest.raises(CareerError) as info:
        record(org, **change)
    assert info.value.field == field
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(JpRecord).where(JpRecord.user_id == org.staff.id)
        )
        == 0
    )


def test_jp_records_are_audited_and_only_hr_records_them(org):
    item = record(org)
    with pytest.raises(CareerPermissionDenied):
        jp.record_jp(
            org.staff,
            jp.JpRecordData("coaching", "Coaching", date(2026, 1, 1), date(2026, 1, 1), 2, evidence="bukti"),
            by=org.head,
        )
    jp.delete_jp_record(item, by=org.hr)
    assert summaries.jp_total(db.session, org.staff.id, 2026) == 0
    assert [e.action for e in audit.history_of_entity("jp_record", item.id)] == ["create", "delete"]


def test_completed_course_moves_the_bar_in_the_same_transaction(org, make_course):
    course = make_course(jp=6)
    year = jp.current_year(org.staff)
    assert summaries.jp_total(db.session, org.staff.id, year) == 0
    complete(org.staff, course)
    assert summaries.jp_total(db.session, org.staff.id, year) == 6
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.user_id == org.staff.id, Enrolment.completed_at.is_not(None))
        )
        == 1
    )
