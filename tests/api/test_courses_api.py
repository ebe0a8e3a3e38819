import re

import pytest

from lms.accounts.models import Role
from tests import factories


@pytest.fixture
def make_course(app, db):
    return factories.bind(app, factories.course)


@pytest.fixture
def world(make_agency, make_user, make_course):
    agency = make_agency()
    trainer = make_user(agency, roles=(Role.TRAINER,))
    return {
        "learner": make_user(agency),
        "course": make_course(by=trainer, title="Komunikasi Publik", modules=2, lessons=2),
        "other": make_course(
            by=trainer, title="Anggaran Daerah", category="Keuangan", jp=8, competencies=(("PK", 3),)
        ),
        "draft": make_course(by=trainer, title="Belum Terbit", publish=False),
    }


def test_catalogue_lists_published_courses_with_filters(client, world):
    body = client.get("/api/v1/courses").get_json()
    assert [c["title"] for c in body["items"]] == ["Anggaran Daerah", "Komunikasi Publik"]
    assert body["pagination"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}
    first = body["items"][0]
    assert first["competencies"] == [{"code": "PK", "name": first["competencies"][0]["name"], "level": 3}]
    assert first["url"].startswith("/")
    titles = lambda query: [c["title"] for c in client.get(f"/api/v1/courses?{query}").get_json()["items"]]  # noqa: E731
    assert titles("q=komunikasi") == ["Komunikasi Publik"]
    assert titles("category=Keuangan") == ["Anggaran Daerah"]
    assert titles("competency=pk") == ["Anggaran Daerah"]
    assert titles("jp_min=5") == ["Anggaran Daerah"]
    assert titles("jp_max=5") == ["Komunikasi Publik"]
    page = client.get("/api/v1/courses?per_page=1&page=2").get_json()
    assert [c["title"] for c in page["items"]] == ["Komunikasi Publik"]
    assert page["pagination"]["pages"] == 2


def test_bad_query_gets_a_clear_400_or_422(client, world):
    response = client.get("/api/v1/courses?per_page=1000&page=abc")
    assert response.status_code == 422
    errors = response.get_json()["error"]["errors"]["query"]
    assert set(errors) == {"per_page", "page"}


def test_course_detail_has_modules_lessons_and_urls(client, world):
    course = world["course"]
    body = client.get(f"/api/v1/courses/{course.slug}").get_json()
    assert [m["title"] for m in body["modules"]] == ["Modul 1", "Modul 2"]
    lesson = body["modules"][0]["lessons"][0]
    assert lesson["title"] == "Pelajaran 1.1"
    assert client.get(lesson["url"]).status_code in (200, 302)
    assert client.get(f"/api/v1/courses/{world['draft'].slug}").status_code == 404
    missing = client.get("/api/v1/courses/tidak-ada")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == 404


def test_writes_need_a_session(client, world):
    course = world["course"]
    response = client.post(f"/api/v1/courses/{course.slug}/enrolment")
    assert response.status_code == 401
    assert response.is_json
    assert client.get("/api/v1/me/progress").status_code == 401
    lesson_id = course.modules[0].lessons[0].id
    assert client.put(f"/api/v1/lessons/{lesson_id}/completion").status_code == 401


def test_enrol_learn_and_complete_through_the_api(client, login, world):
    course = world["course"]
    login(world["learner"])
    first = client.post(f"/api/v1/courses/{course.slug}/enrolment")
    assert first.status_code == 201
    assert first.get_json()["progress"] == {"done": 0, "total": 4, "percent": 0, "complete": False}
    assert client.post(f"/api/v1/courses/{course.slug}/enrolment").status_code == 200
    lesson_ids = [
        lesson["id"]
        for module in client.get(f"/api/v1/courses/{course.slug}").get_json()["modules"]
        for lesson in module["lessons"]
    ]
    for n, lesson_id in enumerate(lesson_ids, start=1):
        result = client.put(f"/api/v1/lessons/{lesson_id}/completion").get_json()
        assert result["progress"]["done"] == n
        assert result["course_completed"] is (n == len(lesson_ids))
    again = client.put(f"/api/v1/lessons/{lesson_ids[0]}/completion")  # an offline queue replays it
    assert again.status_code == 200
    assert again.get_json()["progress"]["done"] == len(lesson_ids)
    mine = client.get("/api/v1/me/progress").get_json()
    assert mine["jp_this_year"] == course.jp
    [enrolment] = mine["enrolments"]
    assert enrolment["completed_at"] is not None
    assert enrolment["completed_lesson_ids"] == sorted(lesson_ids)


def test_cannot_complete_a_lesson_of_a_course_not_enrolled(client, login, world):
    login(world["learner"])
    lesson_id = world["other"].modules[0].lessons[0].id
    response = client.put(f"/api/v1/lessons/{lesson_id}/completion")
    assert response.status_code == 409
    assert client.put("/api/v1/lessons/999999/completion").status_code == 404


def test_api_writes_need_the_csrf_header(app, client, login, world, monkeypatch):
    login(world["learner"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/api/v1/courses/{world['course'].slug}/enrolment"
    assert client.post(url).status_code == 400
    page = client.get("/account").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(url, headers={"X-CSRFToken": token}).status_code == 201


def test_my_progress_costs_the_same_queries_for_2_or_10_enrolments(
    app, client, login, make_agency, make_user, make_course, count_queries
):
    agency = make_agency()
    trainer = make_user(agency, roles=(Role.TRAINER,))
    learner = make_user(agency)
    login(learner)
    counts, bodies = {}, {}
    made = 0
    for n in (2, 10):
        while made < n:
            made += 1
            course = make_course(
                by=trainer, title=f"Kursus {made}", modules=2, lessons=2, competencies=(("PK", 2),)
            )
            assert client.post(f"/api/v1/courses/{course.slug}/enrolment").status_code == 201
            first = client.get(f"/api/v1/courses/{course.slug}").get_json()["modules"][0]["lessons"][0]
            assert client.put(f"/api/v1/lessons/{first['id']}/completion").status_code == 200
        with count_queries() as statements:
            response = client.get("/api/v1/me/progress")
        assert response.status_code == 200
        counts[n], bodies[n] = len(statements), response.get_json()
    assert counts[2] == counts[10], counts
    assert counts[10] <= 11, counts  # user, enrolments+courses+awards+competencies, outline, done, JP
    assert len(bodies[10]["enrolments"]) == 10
    entry = bodies[10]["enrolments"][-1]
    assert entry["progress"] == {"done": 1, "total": 4, "percent": 25, "complete": False}
    assert entry["course"]["competencies"][0]["code"] == "PK"
    assert entry["continue_url"] and len(entry["completed_lesson_ids"]) == 1
