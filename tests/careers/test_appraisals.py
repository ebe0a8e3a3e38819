"""Performance appraisals: the predikat matrix, who records them, responses, the audit log."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts import audit
from lms.careers import appraisals
from lms.careers.errors import CareerError, CareerPermissionDenied
from lms.careers.models import (
    BERAKHLAK_VALUES,
    PREDIKAT_MATRIX,
    Appraisal,
    CareerSummary,
    Predikat,
    Rating,
    behaviour_rating_for,
    predikat_for,
)
from lms.extensions import db

A, M, B = Rating.ABOVE, Rating.MEETS, Rating.BELOW


@pytest.mark.parametrize(
    ("work", "behaviour", "expected"),
    [
        (A, A, Predikat.SANGAT_BAIK),
        (A, M, Predikat.BAIK),
        (M, A, Predikat.BAIK),
        (M, M, Predikat.BAIK),
        (B, A, Predikat.BUTUH_PERBAIKAN),
        (B, M, Predikat.BUTUH_PERBAIKAN),
        (A, B, Predikat.KURANG),
        (M, B, Predikat.KURANG),
        (B, B, Predikat.SANGAT_KURANG),
    ],
)
def test_predikat_follows_the_matrix(work, behaviour, expected):
    assert predikat_for(work, behaviour) is expected
    assert expected.needs_improvement is (expected.rank <= 3)


def test_matrix_is_complete():
    assert len(PREDIKAT_MATRIX) == 9


def data(**over):
    return appraisals.AppraisalData(
        **(
            {
                "year": 2025,
                "period": "annual",
                "work_rating": "meets",
                "behaviour": appraisals.all_values("above"),
                "notes": "Baik sekali.",
            }
            | over
        )
    )


def test_direct_supervisor_records_and_the_employee_responds(org):
    appraisal = appraisals.record_appraisal(org.staff, data(), by=org.head, today=date(2026, 2, 1))
    assert appraisal.predikat is Predikat.BAIK and appraisal.period_end == date(2025, 12, 31)
    assert db.session.get(CareerSummary, org.staff.id).predikat is Predikat.BAIK
    appraisals.respond(appraisal, "Terima kasih atas masukannya.", by=org.staff)
    appraisals.update_appraisal(appraisal, data(work_rating="below"), by=org.head, today=date(2026, 2, 1))
    assert appraisal.predikat is Predikat.BUTUH_PERBAIKAN
    assert db.session.get(CareerSummary, org.staff.id).perf_level == 1
    entries = audit.history_of_entity("appraisal", appraisal.id)
    assert [e.action for e in entries] == ["create", "respond", "update"]
    assert entries[1].before["response"] is None and entries[1].after["response"].startswith("Terima")
    assert entries[2].before["predikat"] == "baik" and entries[2].after["predikat"] == "butuh_perbaikan"
    assert entries[1].actor_id == org.staff.id and entries[2].actor_id == org.head.id


def test_only_the_direct_supervisor_appraises(org):
    for actor in (org.hr, org.peer, org.staff):  # HR, a stranger, oneself
        with pytest.raises(CareerPermissionDenied):
            appraisals.record_appraisal(org.staff, data(), by=actor, today=date(2026, 2, 1))
    with pytest.raises(CareerPermissionDenied):  # the supervisor's supervisor is not the appraiser
        appraisals.record_appraisal(org.junior, data(), by=org.head, today=date(2026, 2, 1))
    appraisal = appraisals.record_appraisal(org.junior, data(), by=org.staff, today=date(2026, 2, 1))
    with pytest.raises(CareerPermissionDenied):
        appraisals.respond(appraisal, "Bukan saya", by=org.staff)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year": 1999}, "year"),
        ({"year": 2027}, "year"),
        ({"year": None}, "year"),
        ({"period": "monthly"}, "period"),
        ({"work_rating": ""}, "work_rating"),
        ({"behaviour": appraisals.all_values("above") | {"loyal": "great"}}, "behaviour_loyal"),
        ({"behaviour": {"pelayanan": "above"}}, "behaviour_akuntabel"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_bad_appraisals_are_refused(org, change, field):
    with pytest.raises(CareerError) as info:
        appraisals.record_appraisal(org.staff, data(**change), by=org.head, today=date(2026, 2, 1))
    assert info.value.field == field


def test_one_appraisal_per_period(org):
    appraisals.record_appraisal(org.staff, data(), by=org.head, today=date(2026, 2, 1))
    with pytest.raises(CareerError) as info:
        appraisals.record_appraisal(org.staff, data(work_rating="above"), by=org.head, today=date(2026, 2, 1))
    assert info.value.field == "period"
    quarter = appraisals.record_appraisal(
        org.staff, data(period="q1", year=2026), by=org.head, today=date(2026, 4, 2)
    )
    assert quarter.period_end == date(2026, 3, 31)
    assert appraisals.latest_of(org.staff.id).id == quarter.id
    with pytest.raises(CareerError):
        appraisals.respond(quarter, "", by=org.staff)


@pytest.mark.parametrize(
    ("above", "below", "expected"),
    [
        (7, 0, A),
        (4, 3, A),
        (3, 4, B),
        (3, 3, M),
        (3, 0, M),
        (0, 0, M),
        (0, 4, B),
        (1, 6, B),
    ],
)
def test_behaviour_rating_is_the_median_of_the_seven_values(above, below, expected):
    codes = list(BERAKHLAK_VALUES)
    ratings = dict.fromkeys(codes, M)
    ratings.update(dict.fromkeys(codes[:above], A))
    ratings.update(dict.fromkeys(codes[above : above + below], B))
    assert behaviour_rating_for(ratings) is expected


def test_each_berakhlak_value_is_recorded_and_audited(org):
    values = appraisals.all_values("above") | {"adaptif": "below", "loyal": "meets", "harmonis": "meets"}
    appraisal = appraisals.record_appraisal(
        org.staff, data(behaviour=values), by=org.head, today=date(2026, 2, 1)
    )
    assert appraisal.behaviour_adaptif is B and appraisal.behaviour_pelayanan is A
    assert appraisal.behaviour_rating is A and appraisal.predikat is Predikat.BAIK
    assert [name for _code, name, _rating in appraisal.behaviour_values][0] == "Berorientasi Pelayanan"
    appraisals.update_appraisal(
        appraisal,
        data(behaviour=values | {"pelayanan": "below", "akuntabel": "below", "kompeten": "below"}),
        by=org.head,
        today=date(2026, 2, 1),
    )
    assert appraisal.behaviour_rating is B and appraisal.predikat is Predikat.KURANG
    create, update = audit.history_of_entity("appraisal", appraisal.id)
    assert create.before is None and create.after["behaviour"]["adaptif"] == "below"
    assert update.before["behaviour"]["pelayanan"] == "above"
    assert update.after["behaviour"]["pelayanan"] == "below"
    assert update.before["predikat"] == "baik" and update.after["predikat"] == "kurang"


def test_bad_values_change_nothing(org):
    appraisal = appraisals.record_appraisal(org.staff, data(), by=org.head, today=date(2026, 2, 1))
    before = appraisal.snapshot()
    with pytest.raises(CareerError) as info:
        appraisals.update_appraisal(
            appraisal,
            data(work_rating="below", behaviour={"pelayanan": "below"}),
            by=org.head,
            today=date(2026, 2, 1),
        )
    assert "Akuntabel" in str(info.value)  # the message names the value, in Indonesian
    assert appraisal.snapshot() == before
    assert [e.action for e in audit.history_of_entity("appraisal", appraisal.id)] == ["create"]


def test_older_appraisals_without_value_ratings_stay_readable_and_editable(org):
    appraisal = appraisals.record_appraisal(org.staff, data(), by=org.head, today=date(2026, 2, 1))
    db.session.execute(  # as the rows recorded before migration 0008 look
        sa.update(Appraisal)
        .where(Appraisal.id == appraisal.id)
        .values({f"behaviour_{code}": None for code in BERAKHLAK_VALUES})
    )
    db.session.expire(appraisal)
    assert not appraisal.has_value_ratings and appraisal.behaviour_rating is A
    assert appraisal.snapshot()["behaviour"]["loyal"] is None
    appraisals.update_appraisal(appraisal, data(), by=org.head, today=date(2026, 2, 1))
    assert appraisal.has_value_ratings
