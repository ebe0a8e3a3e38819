"""Performance appraisals: the predikat matrix, who records them, responses, the audit log."""

from datetime import date

import pytest

from lms.careers import appraisals, audit
from lms.careers.errors import CareerError, CareerPermissionDenied
from lms.careers.models import PREDIKAT_MATRIX, CareerSummary, Predikat, Rating, predikat_for
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
                "behaviour_rating": "above",
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
        ({"behaviour_rating": "great"}, "behaviour_rating"),
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
