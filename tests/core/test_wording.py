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
NOT_PAGES = re.compile(
    r"^/(static|api|\.well-known|healthz)|^/courses/media/|\.(csv|xlsx|pdf|jwt|zip|gift|json)(\?|$)"
)


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
        assert (
            clients[name].post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
        )
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
            response.close()  # downloads (a job's file) stream from an open file
    assert not failures, "\n".join(failures)


# Form pages sent back with a value of the wrong kind in every field: (actor, path template).
FORM_PAGES = [
    ("trainer", "/webinars/new"),
    ("trainer", "/webinars/{webinar}/edit"),
    ("trainer", "/teach/{c1_id}/quizzes/new"),
    ("trainer", "/teach/quizzes/{q1}"),
    ("trainer", "/teach/{c1_id}/settings"),
    ("trainer", "/teach/banks/{b1}/questions/new"),
    ("agency_admin", "/hr/people/{own_person}/jp/new"),
    ("agency_admin", "/hr/people/{own_person}/assessments/new"),
    ("agency_admin", "/hr/people/{own_person}/position"),
    ("agency_admin", "/admin/people/{own_person}"),
    ("trainer", "/careers/people/{own_person}/appraisals/new"),
    ("learner", "/account"),
    ("anonymous", "/register"),
]


@pytest.mark.parametrize(("actor", "template"), FORM_PAGES)
def test_library_validators_speak_indonesian(world, actor, template):
    clients, ids = world
    path = template.format(**ids)
    form = clients[actor].get(path).text
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', form)) - {
        "csrf_token",
        "lang",
        "next",
    }
    assert names, f"no form on {path}"
    response = clients[actor].post(path, data={name: "x-bukan-nilai" for name in names})
    assert response.status_code in (200, 302, 400, 422)
    assert not problems_in(response.text), problems_in(response.text)


def test_a_wrong_date_and_number_are_explained_in_indonesian(world):
    clients, ids = world
    page = (
        clients["trainer"]
        .post("/webinars/new", data={"title": "Webinar", "starts_local": "kemarin", "jp": "x"})
        .text
    )
    assert "Tanggal dan jam tidak sah" in page
    assert "Isi dengan bilangan bulat" in page


def test_lockout_message_in_words(app, client, make_user, monkeypatch):
    from lms.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", True)
    limiter.reset()
    user = make_user(roles=(Role.LEARNER,))
    try:
        texts = [
            client.post("/login", data={"login": user.email, "password": "salah-sekali-1"}).text
            for _ in range(12)
        ]
    finally:
        limiter.reset()
    assert "per 15 minute" not in texts[-1]
    assert "15 menit" in texts[-1]


def test_every_form_derives_from_the_translated_base(app):
    """A form built on flask_wtf.FlaskForm directly would show WTForms' English messages."""
    import flask_wtf

    from lms.core.forms import FlaskForm

    found, stack = [], [flask_wtf.FlaskForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("lms.") and not issubclass(sub, FlaskForm):
                found.append(f"{sub.__module__}.{sub.__name__}")
    assert not found, f"forms that bypass lms.core.forms.FlaskForm: {found}"


def test_quiz_results_and_item_analysis_speak_in_words(world):
    clients, ids = world
    assert clients["learner"].post(f"/quizzes/attempts/{ids['a1']}/finish").status_code == 302
    regraded = clients["trainer"].post(
        f"/teach/quizzes/{ids['q1']}/regrade", data={"reason": "Kunci diperbaiki"}
    )
    assert regraded.status_code == 302
    results = clients["trainer"].get(f"/teach/quizzes/{ids['q1']}/results").text
    assert "Kuis dinilai ulang" in results
    analysis = clients["trainer"].get(f"/teach/quizzes/{ids['q1']}/analysis").text
    assert "Benar/salah" in analysis
    for page in (results, analysis):
        assert not problems_in(page), problems_in(page)
        assert "regrade" not in page.replace("/regrade", "")
