"""NUL and other control characters in a path, query or form: a 400 page, never a 500.

The walk reuses the authorization matrix (every route, every role) and its world.
"""

import io
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest

from tests.core import test_authorization
from tests.core.test_authorization import ACTORS, MATRIX

world = test_authorization.world

NUL = "a\x00b"
REFUSED_ID = "karakter kontrol"
REFUSED_EN = "control characters"


FIELDS = ("input", "select", "textarea", "button")


class _Forms(HTMLParser):
    """{form action path: {field names}} of a page."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, set[str]] = {}
        self._current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(attrs.get("action") or "").path
            self._current = self.forms.setdefault(action, set())
        elif tag in FIELDS and self._current is not None and attrs.get("name"):
            self._current.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def forms_of(html: str) -> dict[str, set[str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def with_query(path: str, name: str, value: str) -> str:
    base, _, query = path.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != name]
    return f"{base}?{urlencode([*params, (name, value)], quote_via=quote)}"


def refused(response) -> bool:
    return response.status_code == 400 and (REFUSED_ID in response.text or REFUSED_EN in response.text)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/courses/?q=a%00b", None),
        ("GET", "/courses/a%00b", None),
        ("GET", "/api/v1/courses?category=a%00b", None),
        ("GET", "/verify?number=a%00b", None),
        ("POST", "/login", {"login": NUL, "password": "x"}),
        ("POST", "/login", {"login": "a@b.c", "password": NUL}),
        ("POST", "/password/forgot", {"login": NUL}),
        ("POST", "/register", {"name": NUL}),
        ("GET", "/courses/?q=a%01b", None),
        ("POST", "/login", {"login": "a\x1bb", "password": "x"}),
    ],
)
def test_the_issue_examples_are_refused_without_logging_in(client, method, path, data):
    response = client.open(path, method=method, data=data)
    assert refused(response), (response.status_code, response.text[:300])
    if path.startswith("/api/"):
        assert response.json["error"]["code"] == 400
    else:
        assert "Permintaan tidak valid" in response.text


def test_the_refusal_speaks_english_to_english_readers(client):
    client.set_cookie("lang", "en")
    response = client.get("/courses/?q=a%00b")
    assert response.status_code == 400 and REFUSED_EN in response.text


def test_tab_and_newlines_in_form_text_are_fine(client):
    response = client.post("/login", data={"login": "a\tb@c.d", "password": "x\r\ny"})
    assert response.status_code != 400


def test_nul_in_json_body_is_refused(client):
    response = client.put("/api/v1/lessons/1/completion", json={"note": NUL})
    assert response.status_code == 400 and response.json["error"]["code"] == 400


def test_nul_in_a_file_name_is_refused(client):
    response = client.post("/login", data={"f": (io.BytesIO(b"x"), "a\x00b.csv")})
    assert response.status_code == 400


@pytest.mark.once  # refused by the first hook, before any view or SQL: the first pass is enough
def test_nul_everywhere_in_every_route(world):  # noqa: F811 - the authorization world
    """Every route of the matrix, as every role: NUL in the query, in each path segment and in every
    field of the route's forms (found on the GET pages) gives the 400 refusal."""
    clients, ids = world
    rows = [(method, template.format(**ids)) for method, template, _ in MATRIX]
    fields: dict[str, set[str]] = {}
    for method, path in rows:
        if method == "GET":
            with clients["admin"].get(path) as response:
                if response.mimetype == "text/html":
                    for action, names in forms_of(response.text).items():
                        fields.setdefault(action or urlsplit(path).path, set()).update(names)
    failures = []
    for method, path in rows:
        if path == "/logout":
            continue
        base, _, query = path.partition("?")
        attempts = [with_query(path, "q", NUL)]
        attempts += [with_query(path, name, NUL) for name, _ in parse_qsl(query)]
        segments = base.strip("/").split("/")
        for index in range(len(segments)):
            changed = [*segments[:index], quote(segments[index] + "\x00"), *segments[index + 1 :]]
            attempts.append("/" + "/".join(changed) + (f"?{query}" if query else ""))
        for actor in ACTORS:
            client = clients[actor]
            for attempt in attempts:
                with client.open(attempt, method=method) as response:
                    if not refused(response):
                        failures.append(f"{method} {attempt} as {actor}: {response.status_code}")
            if method != "GET":
                for name in sorted(fields.get(base, set()) | {"q"}):
                    with client.open(path, method=method, data={name: NUL}) as response:
                        ok = refused(response)
                    if not ok:
                        failures.append(f"{method} {path} field {name} as {actor}: {response.status_code}")
    assert not failures, "\n".join(failures[:50])
