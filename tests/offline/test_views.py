"""The installable app over HTTP: manifest, service worker, offline shell, per-user cache keys."""

import json
import re

from lms.extensions import db
from lms.offline import preferences


def test_the_service_worker_is_served_at_the_root_and_never_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.text
    assets = json.loads(re.search(r"var ASSETS = (\[.*?\]);", source).group(1))
    assert any("/static/offline.js?v=" in a for a in assets) and any(
        "/static/app.css?v=" in a for a in assets
    )
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
        asset.close()
    assert 'var SHELL = "/offline";' in source
    assert "importScripts" in source and 'addEventListener("fetch"' in source


def test_a_changed_script_changes_the_worker(client, app, monkeypatch):
    first = re.search(r'var VERSION = "(\w+)"', client.get("/sw.js").text).group(1)
    monkeypatch.setattr("lms.offline.views.asset_url", lambda name: f"/static/{name}?v=new")
    second = re.search(r'var VERSION = "(\w+)"', client.get("/sw.js").text).group(1)
    assert first != second


def test_the_manifest_is_indonesian_with_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    data = json.loads(response.data)
    assert data["name"] == "Ruang Belajar ASN" and data["lang"] == "id"
    assert data["display"] == "standalone" and data["start_url"] == "/" and data["scope"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
        image.close()


def test_every_page_links_the_manifest_and_a_learners_pages_the_script_without_inline_code(
    client, login, make_user
):
    public = client.get("/login").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in public
    assert "<script" not in public  # public pages (the certificate check) stay script-free
    login(make_user())
    html = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<script src="/static/offline\.js\?v=\w+" defer></script>', html)
    assert "<script>" not in html and " on" + "click=" not in html
    assert "data-offline-banner" in html and "Sedang luring" in html
    shell = client.get("/offline").text
    assert len(re.findall(r"<script src=\"/static/offline\.js", shell)) == 1


def test_the_offline_shell_has_no_users_data(client, login, make_user):
    anonymous = client.get("/offline")
    assert anonymous.status_code == 200 and "Sedang luring" in anonymous.text
    assert "X-Offline-User" not in anonymous.headers and "rb-user" not in anonymous.text


def test_pages_name_the_users_cache_and_logout_clears_it(client, login, make_user):
    assert "X-Offline-User" not in client.get("/").headers
    siti, andi = make_user(), make_user()
    login(siti)
    page = client.get("/")
    key = page.headers["X-Offline-User"]
    assert len(key) == 20 and str(siti.id) != key
    assert f'<meta name="rb-user" content="{key}">' in page.text
    assert client.get("/api/v1/me/progress").headers.get("X-Offline-User") is None  # pages only
    client.post("/logout")
    after = client.get("/login")
    assert after.headers["X-Offline-Clear"] == key and "X-Offline-User" not in after.headers
    assert "X-Offline-Clear" not in client.get("/login").headers  # said once
    login(andi)
    assert client.get("/").headers["X-Offline-User"] not in (key, "")


def test_low_data_mode_is_a_setting_on_the_account_page(client, login, make_user, app):
    user = make_user()
    login(user)
    page = client.get("/account").text
    assert "Hemat data" in page and "Status: tidak aktif" in page
    response = client.post("/account/low-data", data={"low_data": "1"})
    assert response.status_code == 302
    assert "Status: aktif" in client.get("/account").text
    with app.app_context():
        assert preferences.low_data(db.session.merge(user)) is True
    client.post("/account/low-data", data={"low_data": "0"})
    assert "Status: tidak aktif" in client.get("/account").text
