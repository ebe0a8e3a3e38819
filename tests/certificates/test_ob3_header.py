"""Open Badges 3.0 section 8.2: the credential's JOSE header, and a verifier that knows nothing but
the credential: it resolves the key through `kid`, verifies with two independent JOSE libraries
(PyJWT and joserfc), and learns about a revocation through `credentialStatus`.
"""

import json
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest
from joserfc import jws
from joserfc.jwk import JWKRegistry, OKPKey

from lms.certificates import signing
from tests.certificates.conftest import certificate_of, complete
from tests.certificates.test_signing import credential_of
from tests.certificates.test_views import revoke_directly


def fetch(client, url):
    """GET an absolute URL of this site with the test client, as a verifier would over HTTPS."""
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, url
    return response.get_json()


def verify_as_a_stranger(client, token):
    """(claims from PyJWT, claims from joserfc), each with the key found through the header's kid."""
    header = pyjwt.get_unverified_header(token)
    jwk = fetch(client, header["kid"])
    assert "d" not in jwk and jwk["kid"] == header["kid"]
    by_pyjwt = pyjwt.decode(
        token, pyjwt.PyJWK(jwk).key, algorithms=[header["alg"]], options={"verify_aud": False}
    )
    key = JWKRegistry.import_key(jwk)
    registry = signing.REGISTRY if header["alg"] == "EdDSA" else None
    by_joserfc = json.loads(
        jws.deserialize_compact(token, key, algorithms=[header["alg"]], registry=registry).payload
    )
    return by_pyjwt, by_joserfc


def test_header_is_exactly_what_ob3_section_8_2_allows(client, app, issued):
    _, _, number = issued
    header = pyjwt.get_unverified_header(credential_of(app, number))
    assert set(header) == {"alg", "kid", "typ"}
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith("http") and "/.well-known/jwks/" in header["kid"]


def test_a_stranger_verifies_through_kid_and_sees_the_revocation(client, app, issued):
    _, _, number = issued
    token = credential_of(app, number)
    by_pyjwt, by_joserfc = verify_as_a_stranger(client, token)
    assert by_pyjwt == by_joserfc and by_pyjwt["jti"].endswith(f"/verify/{number}")
    status = by_pyjwt["credentialStatus"]
    assert status["type"] == "1EdTechRevocationList"
    assert fetch(client, status["id"])["revokedCredentials"] == []
    revoke_directly(app, number, "Terbit ganda")
    revoked = fetch(client, status["id"])["revokedCredentials"]
    assert [entry["id"] for entry in revoked] == [by_pyjwt["id"]]
    # The signature itself stays valid: the status list is what tells a verifier.
    assert verify_as_a_stranger(client, token)[0] == by_pyjwt


def test_the_jwks_names_each_key_by_thumbprint_and_by_url(client, app, issued):
    _, _, number = issued
    kid = pyjwt.get_unverified_header(credential_of(app, number))["kid"]
    keys = fetch(client, "/.well-known/jwks.json")["keys"]
    thumbprint = kid.rsplit("/", 1)[-1].removesuffix(".json")
    assert {k["kid"] for k in keys} >= {kid, thumbprint}
    assert all(k["alg"] in ("RS256", "EdDSA") and "d" not in k for k in keys)
    assert client.get("/.well-known/jwks/tidak-ada.json").status_code == 404


@pytest.fixture
def key_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEYS", str(folder))
    return folder


def test_ed25519_stays_available_and_its_certificates_keep_verifying(
    client, app, key_folder, monkeypatch, make_user, make_course
):
    monkeypatch.setitem(app.config, "CERT_SIGNING_ALG", "EdDSA")
    learner = make_user(name="Lama")
    course = make_course(title="Sebelum RS256")
    with app.test_request_context():
        from lms.extensions import db

        old = certificate_of(complete(db.session.merge(learner), db.session.merge(course)))
        db.session.commit()
        old_number, old_token = old.number, old.credential_jwt
        ed_key = signing.keyring().current
        # What certificates issued before this change carry: EdDSA, bare thumbprint, typ vc+jwt.
        legacy = jws.serialize_compact(
            {"alg": "EdDSA", "kid": ed_key.kid, "typ": "vc+jwt"},
            b'{"name": "lama"}',
            ed_key.key,
            algorithms=["EdDSA"],
            registry=signing.REGISTRY,
        )
    assert pyjwt.get_unverified_header(old_token)["alg"] == "EdDSA"
    monkeypatch.setitem(app.config, "CERT_SIGNING_ALG", "RS256")
    new_learner = make_user(name="Baru")
    new_course = make_course(title="Sesudah RS256")
    with app.test_request_context():
        new = certificate_of(complete(db.session.merge(new_learner), db.session.merge(new_course)))
        db.session.commit()
        new_token = new.credential_jwt
        assert signing.verify(old_token).claims["name"] == "Sertifikat Sebelum RS256"
        assert signing.verify(legacy).claims == {"name": "lama"}
        assert isinstance(signing.keyring().find(ed_key.kid).key, OKPKey)
    assert pyjwt.get_unverified_header(new_token)["alg"] == "RS256"
    assert verify_as_a_stranger(client, old_token)[0]["name"] == "Sertifikat Sebelum RS256"
    assert verify_as_a_stranger(client, new_token)[0]["name"] == "Sertifikat Sesudah RS256"
    # The verify pages still say so for certificates issued with Ed25519.
    for token in (old_token, legacy):
        page = client.post("/verify/credential", data={"token": token})
        assert page.status_code == 200 and "Tanda tangan sah" in page.text and ed_key.kid in page.text
    assert client.post("/verify/credential", data={"token": new_token}).status_code == 200
    assert "Sebelum RS256" in client.get(f"/verify/{old_number}").text
