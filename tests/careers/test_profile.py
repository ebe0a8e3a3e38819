"""The career profile: gaps now and to the target, ranked recommendations, the chart, priorities."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.careers import appraisals, positions, records
from lms.careers.errors import CareerError
from lms.careers.profile import career_profile, needed_levels, recommend
from lms.core.clock import utcnow
from lms.courses.models import Course
from lms.extensions import db
from lms.webinars.models import Webinar
from tests import factories
from tests.careers.conftest import code, complete


@pytest.fixture
def analyst(org):
    positions.assign_position(org.staff, org.pertama, by=org.hr)
    positions.choose_target(org.staff, org.muda, by=org.staff)
    return org.staff


def gaps(rows):
    return {r.competency.code: (r.required, r.own, r.gap) for r in rows}


def ours(recommendations, trainer):
    """The recommendations of the test's own courses and webinars (those of the trainer fixture),
    in their order: courses and webinars other tests committed are recommended as well."""
    courses = set(db.session.scalars(sa.select(Course.id).where(Course.created_by_id == trainer.id)))
    webinars = set(db.session.scalars(sa.select(Webinar.id).where(Webinar.host_id == trainer.id)))
    return [r for r in recommendations if r.course_id in courses or r.webinar_id in webinars]


def recommended(person, trainer):
    """Every recommendation of the test's own courses and webinars, ranked. The profile shows the
    first few of all of them; other tests' courses may push the test's own past those few."""
    profile = career_profile(person)
    everything = recommend(person.id, needed_levels(profile.current, profile.to_target), limit=10_000)
    assert profile.recommendations == everything[: len(profile.recommendations)]
    return ours(everything, trainer)


def test_gaps_to_current_and_target_position(org, analyst, make_course):
    complete(analyst, make_course(competencies=[("KOM", 2), ("INT", 1)]))
    profile = career_profile(analyst)
    assert profile.position.code == "PERTAMA" and profile.target.code == "MUDA"
    assert gaps(profile.current) == {"KOM": (2, 2, 0), "INT": (2, 1, 1), "PB": (2, 0, 2)}
    assert gaps(profile.to_target) == {"KOM": (3, 2, 1), "INT": (3, 1, 2), "PB": (3, 0, 3), "PK": (2, 0, 2)}
    assert profile.gap_count == 2 and profile.target_gap_count == 4
    assert analyst.position_title == "Analis Ahli Pertama"
    assert org.muda.id in profile.next_position_ids


def test_recommendations_biggest_gap_first_then_jp_per_level(org, analyst, make_course, trainer):
    # gaps (to the higher of current and target): PB 0->3, INT 0->3, KOM 0->3, PK 0->2
    pb_long = make_course(title="PB panjang", jp=12, competencies=[("PB", 3)])  # gap 3, 12 JP / 3 levels
    pb_short = make_course(title="PB singkat", jp=3, competencies=[("PB", 3)])  # gap 3, 1 JP / level
    pk = make_course(title="PK", jp=1, competencies=[("PK", 2)])  # gap 2, 0.5 JP / level
    make_course(title="Draf PB", jp=1, competencies=[("PB", 3)], publish=False)  # not published
    make_course(title="Tanpa kesenjangan", jp=1, competencies=[("MP", 3)])  # no gap in MP
    done = make_course(title="Sudah selesai", jp=1, competencies=[("PB", 1)])
    complete(analyst, done)  # PB is now 1: gap 2 to the target
    titles = [r.title for r in recommended(analyst, trainer)]
    assert "Draf PB" not in titles and "Tanpa kesenjangan" not in titles and "Sudah selesai" not in titles
    # INT and KOM courses do not exist; PB gap is now 2 like PK: PK has fewer JP per level
    assert titles == ["PK", "PB singkat", "PB panjang"]
    recs = {r.title: r for r in recommended(analyst, trainer)}
    assert [(c.competency.code, c.from_level, c.to_level) for c in recs["PB singkat"].closes] == [
        ("PB", 1, 3)
    ]
    assert recs["PB singkat"].levels_closed == 2 and recs["PB singkat"].jp_per_level == 1.5
    int_course = make_course(title="INT", jp=9, competencies=[("INT", 3), ("KOM", 3)])
    first = recommended(analyst, trainer)[0]
    assert first.course_id == int_course.id and first.biggest_gap == 3 and first.levels_closed == 6
    assert pb_long.id and pb_short.id and pk.id


def test_recommendations_follow_the_level_a_course_reaches(org, analyst, make_course, trainer):
    records.record_assessment(
        analyst, records.AssessmentData(code("PB"), 2, date(2025, 1, 1), "AC 3"), by=org.hr
    )
    make_course(title="PB dasar", jp=1, competencies=[("PB", 2)])  # does not raise PB above 2
    make_course(title="PB lanjut", jp=2, competencies=[("PB", 5)])
    recs = recommended(analyst, trainer)
    assert [r.title for r in recs] == ["PB lanjut"]
    assert recs[0].closes[0].to_level == 3  # only up to what is needed


def test_in_progress_courses_stay_recommended_and_marked(org, analyst, make_course, trainer):
    from lms.courses import learning

    course = make_course(title="PB", jp=2, competencies=[("PB", 3)])
    learning.enrol(analyst, course)
    rec = recommended(analyst, trainer)[0]
    assert rec.title == "PB" and rec.in_progress


def test_needs_improvement_puts_training_first(org, analyst):
    appraisal = appraisals.record_appraisal(
        analyst,
        appraisals.AppraisalData(2025, "annual", "meets", "meets"),
        by=org.head,
        today=date(2026, 1, 10),
    )
    assert not career_profile(analyst).training_first
    appraisals.update_appraisal(
        appraisal,
        appraisals.AppraisalData(2025, "annual", "below", "meets"),
        by=org.head,
        today=date(2026, 1, 10),
    )
    assert career_profile(analyst).training_first


def test_chart_rows_compare_own_with_required(org, analyst, make_course):
    complete(analyst, make_course(competencies=[("KOM", 2)]))
    chart = career_profile(analyst).chart
    rows = {row.code: row for row in chart.rows}
    assert set(rows) == {"KOM", "INT", "PB", "PK"}
    assert (rows["KOM"].own, rows["KOM"].required, rows["KOM"].target) == (2, 2, 3)
    assert (rows["PK"].own, rows["PK"].required, rows["PK"].target) == (0, None, 2)
    assert chart.height > len(rows) * chart.row_height and chart.width > 5 * chart.unit


def test_target_must_be_another_position_of_the_agency(org, analyst):
    other = factories.agency(code="LUAR")
    foreign = positions.save_position(
        other, positions.PositionData("X", "Jabatan Luar", "pelaksana"), by=None
    )
    with pytest.raises(CareerError):
        positions.choose_target(analyst, foreign, by=analyst)
    with pytest.raises(CareerError):
        positions.choose_target(analyst, org.pertama, by=analyst)
    positions.choose_target(analyst, None, by=analyst)
    assert career_profile(analyst).target is None


def test_profile_without_position_or_records(org):
    profile = career_profile(org.peer)
    assert profile.position is None and profile.current == [] and profile.recommendations == []
    assert profile.chart.rows == [] and profile.jp.total == 0


# ---------------------------------------------------------------- webinars among the recommendations


def upcoming(host, title, days, competencies, jp=2, **over):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return factories.webinar(host, title=title, starts_at=start, jp=jp, competencies=competencies, **over)


def test_webinars_are_recommended_by_gap_closed_then_sooner(org, analyst, make_course, trainer):
    # gaps to the target: KOM 0->3, INT 0->3, PB 0->3, PK 0->2
    later = upcoming(trainer, "PB nanti", 20, [("PB", 3)])
    sooner = upcoming(trainer, "PB segera", 3, [("PB", 3)])
    small = upcoming(trainer, "PB sedikit", 1, [("PB", 1)])  # closes only one level
    upcoming(trainer, "Sudah lewat", -2, [("PB", 3)])  # in the past
    upcoming(trainer, "Tanpa kesenjangan", 2, [("MP", 3)])
    ended = upcoming(trainer, "Diakhiri", 4, [("PB", 3)])
    ended.ended_at = utcnow()
    course = make_course(title="PB kursus", jp=6, competencies=[("PB", 3)])  # available now
    both = upcoming(trainer, "KOM dan PK", 30, [("KOM", 3), ("PK", 2)])  # closes 5 levels
    recs = recommended(analyst, trainer)
    assert [r.title for r in recs] == ["KOM dan PK", "PB kursus", "PB segera", "PB nanti", "PB sedikit"]
    first = recs[0]
    assert (first.kind, first.webinar_id, first.course_id, first.levels_closed) == (
        "webinar",
        both.id,
        None,
        5,
    )
    assert [(c.competency.code, c.from_level, c.to_level) for c in first.closes] == [
        ("KOM", 0, 3),
        ("PK", 0, 2),
    ]
    assert (
        recs[1].course_id == course.id and recs[2].webinar_id == sooner.id and recs[3].webinar_id == later.id
    )
    assert recs[4].webinar_id == small.id and recs[4].levels_closed == 1


def test_a_registered_webinar_stays_recommended_and_marked(org, analyst, trainer):
    webinar = upcoming(trainer, "PB", 5, [("PB", 3)])
    factories.registration(webinar, analyst)
    rec = recommended(analyst, trainer)[0]
    assert rec.webinar_id == webinar.id and rec.in_progress


def test_recommendations_take_the_same_queries_for_2_or_12_courses_and_webinars(
    org, analyst, make_course, trainer, count_queries
):
    profile = career_profile(analyst)
    needed = needed_levels(profile.current, profile.to_target)
    counts = []
    for n in (2, 12):
        for i in range(n):
            make_course(title=f"K{n}-{i}", jp=2, competencies=[("PB", 2), ("KOM", 3)])
            upcoming(trainer, f"W{n}-{i}", i + 1, [("INT", 3), ("PB", 1)])
        with count_queries() as statements:
            recs = recommend(analyst.id, needed, limit=100)
        counts.append(len(statements))
        assert len(ours(recs, trainer)) == 2 * (2 if n == 2 else 14)
    assert counts[0] == counts[1] == 2
