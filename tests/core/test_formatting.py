"""Numbers, dates and times as Babel writes them for the viewer's language, with the zone."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from lms.core import templating

AT = datetime(2026, 3, 4, 10, 7, 18, tzinfo=UTC)  # 17.07.18 WIB


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_indonesian(ctx):
    with force_locale("id"):
        assert templating.decimal(100) == "100,0"
        assert templating.decimal(0.9) == "0,9"
        assert templating.percent(0.118) == "11,8\u00a0%"
        assert templating.percent_of(42) == "42\u00a0%"
        assert templating.number(1234.5) == "1.234,5"
        assert templating.local_datetime(AT) == "4 Mar 2026 17.07 WIB"  # no seconds
        assert templating.local_datetime(AT, "short").endswith("17.07 WIB")
        assert templating.local_time(AT) == "17.07 WIB"
        assert templating.local_date(date(2025, 5, 1)) == "1 Mei 2025"


def test_english(ctx):
    with force_locale("en"):
        assert templating.decimal(100) == "100.0"
        assert templating.percent(0.118) == "11.8%"
        assert templating.number(1234.5) == "1,234.5"
        assert templating.local_datetime(AT) == "Mar 4, 2026, 5:07\u202fPM WIB"
        assert templating.local_date(date(2025, 5, 1)) == "May 1, 2025"


def test_nothing_is_a_dash_not_none(ctx):
    assert templating.decimal(None) == templating.percent(None) == templating.number(None) == "–"
    assert templating.local_datetime(None) == templating.local_time(None) == ""


def test_template_translations_are_looked_up_once_and_follow_force_locale(app):
    from flask import render_template_string
    from flask_babel import force_locale

    from lms.core import templating

    with app.test_request_context():
        assert render_template_string("{{ _('Beranda') }}") == "Beranda"
        first = templating.translations()
        assert templating.translations() is first  # cached for the request
        with force_locale("en"):
            assert render_template_string("{{ _('Beranda') }}") == "Home"
        assert render_template_string("{{ _('Beranda') }}") == "Beranda"
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert render_template_string("{{ _('Beranda') }}") == "Home"
