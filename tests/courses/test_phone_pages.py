"""The catalogue leads with courses (filters folded); an enrolled learner's course page links lessons."""

import re

from lms.accounts.models import Role


def test_catalogue_folds_the_filters_below_one_search_line(client, make_course):
    make_course(title="Etika Pelayanan")
    page = client.get("/courses/").text
    assert re.search(r"<details class=\"card\">\s*<summary>Saring menurut kategori", page)
    assert page.index('id="q"') < page.index("<details") < page.index("Etika Pelayanan")
    filtered = client.get("/courses/?category=Umum").text
    assert '<details class="card" open>' in filtered and "filter aktif" in filtered


def test_lesson_titles_are_links_for_an_enrolled_learner(client, login, make_agency, make_user, make_course):
    agency = make_agency()
    course = make_course(by=make_user(agency, roles=(Role.TRAINER,)), modules=1, lessons=2)
    anonymous = client.get(f"/courses/{course.slug}").text
    assert f"/courses/{course.slug}/learn/" not in anonymous
    login(make_user(agency))
    client.post(f"/courses/{course.slug}/enrol")
    page = client.get(f"/courses/{course.slug}").text
    lesson = course.modules[0].lessons[0]
    assert f'<a href="/courses/{course.slug}/learn/{lesson.id}">{lesson.title}</a>' in page
