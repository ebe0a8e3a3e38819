"""The Indonesian pages read as Indonesian: no English library message, no raw enum value.

Every HTML page of the authorization matrix is rendered for each role over the seeded world,
and forms are sent with the wrong kinds of values, so library validators speak too.
"""

import re
from html import unescape

import pytest

from lms.accounts.models import Role
from tests.core.test_authorization import ACTORS, MATRIX, OK, seed_world
from tests.factories import PASSWORD

# English validator messages (WTForms, Flask-WTF, Flask-Limiter) and raw values of enums and
# internal kinds that must be shown in words.
FORBIDDEN = [
    "Not a valid",
    "This field is required",
    "Invalid Choice",
    "Invalid input",
    "Field must be",
    "Number must be",
    "per 15 minute",
    "per 1 minute",
    "manual_grade",
    "truefalse",
    "multichoice",
    "single",
    "multiple",
    "shortanswer",
    "essay",
    "· create",
    "· update",
    "(Ed25519)",
    "kredensial digital (.jwt)",
]
NOT_PAGES = re.compile(r"^/(static|api|\.well-known|healthz)|^/courses/media/|\.(csv|xlsx|pdf|jwt|zip|gift|json)(\?|$)")


def problems_in(html: str) -> list[str]:
    """The forbidden words in the text a person sees (not in attributes, scripts or styles)."""
    text = re.sub(r"<(script|style|code)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    return [word for word in FORBIDDEN if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


@pytest.fixture
def world(app, make_agency, make_user):
    actors, ids = seed_world(app, make_agency, make_user)
    clients = {"anonymous": app.test_client()}
    for name, user in actors.items():
        clients[name] = app.test_client()
        assert clients[name].post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
    return clients, ids


def test_no_english_or_raw_values_on_any_page(world):
    clients, ids = world
    failures = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        if method != "GET" or NOT_PAGES.search(path):
            continue
        for actor in ACTORS:
            if expected[actor] != OK:
                continue
            response = clients[actor].get(path)
            if response.mimetype == "text/html" and (found := problems_in(response.text)):
                failures.append(f"{template} as {actor}: {found}")
    assert not failures, "\n".join(failures)


# Forms sent with values of the wrong kind: (actor, path template, form data).
BAD_FORMS = [
    ("trainer", "/webinars/new", {"title": "Webinar", "starts_at": "kemarin", "minutes": "satu jam", "jp": "x"}),
    ("trainer", "/webinars/{webinar}/edit", {"title": "Webinar", "starts_at": "2026-13-45T99:99", "jp": "dua"}),
    ("trainer", "/teach/{c1_id}/quizzes/new", {"title": "Kuis", "time_limit": "lama", "attempts": "banyak"}),
    ("trainer", "/teach/{c1_id}/settings", {"title": "Kursus", "jp": "sepuluh", "category": "x"}),
    ("agency_admin", "/hr/people/{own_person}/jp/new", {"kind": "bukan-jenis", "jp": "tiga", "started_on": "x"}),
    ("agency_admin", "/admin/people/{own_person}", {"unit_id": "bukan-angka"}),
    ("learner", "/account", {"locale": "xx", "timezone": "Mars/Olympus"}),
]


@pytest.mark.parametrize(("actor", "template", "data"), BAD_FORMS)
def test_library_validators_speak_indonesian(world, actor, template, data):
    clients, ids = world
    response = clients[actor].post(template.format(**ids), data=data)
    assert response.status_code in (200, 302, 422)
    assert not problems_in(response.text), response.text


def test_lockout_message_in_words(app, client, make_user, monkeypatch):
    from lms.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()
    user = make_user(roles=(Role.LEARNER,))
    try:
        texts = [
            client.post("/login", data={"login": user.email, "password": "salah-sekali-1"}).text for _ in range(12)
        ]
    finally:
        limiter.reset()
    assert "per 15 minute" not in texts[-1]
    assert "15 menit" in texts[-1]
