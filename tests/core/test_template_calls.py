"""The template globals that replace Jinja's and Flask's own for speed (`_`, `ngettext`,
`url_for`) give exactly what the originals give."""

import pytest
from flask import url_for as flask_url_for
from flask_babel import force_locale
from markupsafe import Markup

from lms.accounts.models import Role
from lms.core import templating
from tests.factories import PASSWORD


@pytest.fixture
def request_context(app):
    with app.test_request_context("/courses/"):
        yield


def test_gettext_translates_formats_and_escapes_like_jinja(app, request_context):
    env = app.jinja_env
    with force_locale("en"):
        html = env.from_string("{{ _('Beranda') }}|{{ gettext('Perkiraan %(n)d menit', n=5) }}")
        assert html.render() == "Home|About 5 min"
        # A literal %% is a percent sign, with or without variables (newstyle gettext formats always).
        assert env.from_string("{{ _('Bobot (%%)') }}").render() == "Weight (%)"
        # Variables are escaped, the translated text is not (it is the template's own markup).
        escaped = env.from_string("{{ _('%(p)d%% selesai', p=3) }}|{{ _('Kursus %(title)s', title=t) }}")
        assert escaped.render(t="<b>").endswith("&lt;b&gt;")
    with force_locale("id"):
        assert env.from_string("{{ _('Beranda') }}").render() == "Beranda"


def test_gettext_in_a_text_template_is_plain_text(app, request_context):
    """Mail bodies (.txt) are not autoescaped: a value keeps its & and <."""
    template = app.jinja_env.from_string(
        "{% autoescape false %}{{ _('Kursus %(title)s', title=t) }}{% endautoescape %}"
    )
    with force_locale("id"):
        text = template.render(t="A & <B>")
    assert text == "Kursus A & <B>"
    assert not isinstance(text, Markup)


def test_ngettext_counts_and_formats(app, request_context):
    template = app.jinja_env.from_string("{{ ngettext('%(num)d pelajaran', '%(num)d pelajaran', n) }}")
    with force_locale("id"):
        assert template.render(n=2) == "2 pelajaran"
    trans = app.jinja_env.from_string(
        "{% trans count=n %}{{ count }} menit{% pluralize %}{{ count }} menit{% endtrans %}"
    )
    with force_locale("id"):
        assert trans.render(n=3) == "3 menit"


def test_url_for_gives_what_flask_gives(app):
    calls = [
        ("core.home", {}),
        ("courses.lesson", {"slug": "etika-asn", "lesson_id": 7}),
        ("courses.catalogue", {"q": "etika & integritas", "page": 2}),
        ("static", {"filename": "app.css", "v": "abc"}),
    ]
    with app.test_request_context("/courses/"):
        for endpoint, values in calls * 2:  # the second time from what was kept
            assert templating.url_for(endpoint, **values) == flask_url_for(endpoint, **values)
        assert templating.url_for("core.home", _external=True) == "http://localhost/"
        assert templating.url_for("core.home", _anchor="top") == "/#top"
        assert templating.url_for(".catalogue") == "/courses/"  # relative to the request's blueprint


def test_url_for_keeps_script_roots_and_value_types_apart(app):
    with app.test_request_context("/courses/"):
        plain = templating.url_for("courses.catalogue", page=1)
        as_bool = templating.url_for("courses.catalogue", page=True)
    with app.test_request_context("/courses/", base_url="http://localhost/lms/"):
        mounted = templating.url_for("courses.catalogue", page=1)
    assert plain == "/courses/?page=1"
    assert as_bool == "/courses/?page=True"
    assert mounted == "/lms/courses/?page=1"


def test_url_for_outside_a_request_is_flask_s(app):
    app.config["SERVER_NAME"] = "lms.example.go.id"
    try:
        with app.app_context():
            assert (
                templating.url_for("core.home") == flask_url_for("core.home") == "http://lms.example.go.id/"
            )
    finally:
        app.config["SERVER_NAME"] = None


def test_url_for_follows_url_defaults_when_the_application_has_some(app):
    with app.test_request_context("/courses/"):
        templating.url_for("courses.catalogue")
        app.url_default_functions[None] = [lambda endpoint, values: values.setdefault("page", 9)]
        try:
            assert templating.url_for("courses.catalogue") == "/courses/?page=9"
        finally:
            del app.url_default_functions[None]


class TestKeptPartials:
    """`kept_partial` renders a partial once per key, language and URL root (issue 15: the menu,
    offline texts and language buttons cost some thirty template calls on every page)."""

    def test_rendered_once_per_key_language_and_root(self, app, monkeypatch):
        monkeypatch.setattr(templating, "_kept_partials", {})
        renders = []
        real = templating.render_template
        monkeypatch.setattr(templating, "render_template", lambda name: renders.append(name) or real(name))
        page = app.jinja_env.from_string("{{ kept_partial('_languages.html', key) }}")
        with app.test_request_context("/courses/"):
            with force_locale("id"):
                first = page.render(key={"a"})
                assert page.render(key={"a"}) == first and len(renders) == 1  # a set is a key too
                page.render(key={"b"})
            with force_locale("en"):
                english = page.render(key={"a"})
        with app.test_request_context("/courses/", base_url="http://localhost/lms/"), force_locale("id"):
            page.render(key={"a"})  # another URL root: rendered again (the count below)
        assert len(renders) == 4
        assert 'value="id" class="link" aria-current="true"' in first
        assert 'value="en" class="link" aria-current="true"' in english

    def test_in_debug_mode_nothing_is_kept(self, app, monkeypatch):
        monkeypatch.setattr(templating, "_kept_partials", {})
        monkeypatch.setattr(app, "debug", True)
        with app.test_request_context("/"), force_locale("id"):
            assert "Bahasa Indonesia" in templating.kept_partial("_languages.html")
        assert templating._kept_partials == {}

    def test_the_menu_follows_roles_agency_and_language(self, app, make_user, make_agency):
        agency = make_agency(code="MENU")
        hr_without_agency = make_user(None, roles=(Role.AGENCY_ADMIN,))
        cases = [
            (make_user(agency), set()),
            (make_user(agency, roles=(Role.TRAINER,)), {"/teach/"}),
            (make_user(agency, roles=(Role.AGENCY_ADMIN,)), {"/hr/", "/admin/"}),
            (hr_without_agency, {"/admin/"}),
            (make_user(None, roles=(Role.ADMIN,)), {"/hr/", "/teach/", "/admin/"}),
        ]
        for user, extra in cases * 2:  # the second round reads what the first one kept
            browser = app.test_client()
            assert browser.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
            nav = browser.get("/").text.split('<nav aria-label="Menu utama">')[1].split("</nav>")[0]
            assert {href for href in ("/teach/", "/hr/", "/admin/") if f'href="{href}"' in nav} == extra, user
            assert ">Beranda<" in nav
        browser.set_cookie("lang", "en")
        english = browser.get("/")
        assert ">Home<" in english.text and ">Beranda<" not in english.text
