"""The signed credential, checked with an independent library (PyJWT) against the published JWKS."""

import base64
import json
import os
import stat

import jwt as pyjwt
import pytest
import sqlalchemy as sa
from joserfc.jwk import OKPKey

from lms.certificates import services, signing
from lms.certificates.models import Certificate, CertificateSource
from lms.extensions import db
from tests.certificates.conftest import certificate_of, complete

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def fetch_jwks(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response


def pyjwt_verify(token, jwks):
    """Verify as a third party would: pick the JWK by kid, build the key with PyJWK, check RS256."""
    kid = pyjwt.get_unverified_header(token)["kid"]
    matching = [key for key in jwks["keys"] if key["kid"] == kid]
    if not matching:
        raise LookupError(f"unknown kid {kid}")
    key = pyjwt.PyJWK(matching[0])
    return pyjwt.decode(token, key.key, algorithms=[matching[0]["alg"]], options={"verify_aud": False})


def credential_of(app, number):
    with app.app_context():
        return db.session.scalar(sa.select(Certificate.credential_jwt).where(Certificate.number == number))


def test_jwks_publishes_rsa_keys_with_cache_headers(client, app):
    response = fetch_jwks(client)
    keys = response.get_json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["e"] == "AQAB" for k in keys)
    assert all(k["use"] == "sig" and k["alg"] == "RS256" and k["kid"] for k in keys)
    assert all("d" not in k for k in keys), "private key material must never be published"
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=3600" in cache
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    assert client.get("/.well-known/jwks.json", headers={"If-None-Match": etag}).status_code == 304


def test_credential_verifies_with_pyjwt_and_has_the_ob3_vc2_fields(client, app, issued):
    learner, course, number = issued
    token = credential_of(app, number)
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"]
    claims = pyjwt_verify(token, fetch_jwks(client).get_json())

    # JWT claims
    for claim in ("iss", "sub", "jti", "nbf", "iat"):
        assert claim in claims
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["jti"] == claims["id"] and claims["id"].endswith(f"/verify/{number}")

    # VC data model 2.0 / Open Badges 3.0 AchievementCredential required members
    assert claims["@context"][0] == VC_CONTEXT and OB_CONTEXT in claims["@context"]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["name"] and claims["validFrom"].endswith("Z")
    issuer = claims["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["name"] == "Badan Kepegawaian Uji" and issuer["id"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"].startswith("urn:uuid:")
    names = [i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"]
    assert names == ["Siti Rahmawati"]
    nip_ids = [i for i in subject["identifier"] if i["identityType"] == "ext:NIP"]
    assert nip_ids and nip_ids[0]["hashed"] is True and learner.nip not in json.dumps(claims)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    for member in ("id", "name", "description", "criteria"):
        assert achievement[member], member
    assert achievement["name"] == "Komunikasi Publik" and achievement["criteria"]["narrative"]
    assert achievement["creditsAvailable"] == 4 and "4 JP" in achievement["description"]
    alignments = {a["targetCode"]: a for a in achievement["alignment"]}
    assert set(alignments) == {"KOM", "INT"}
    assert all(a["type"] == ["Alignment"] and a["targetName"] and a["targetUrl"] for a in alignments.values())
    levels = {r["resultDescription"].rsplit("-", 1)[-1]: r for r in subject["result"] if "achievedLevel" in r}
    assert levels["KOM"]["achievedLevel"].endswith("KOM-level-3")
    assert levels["INT"]["achievedLevel"].endswith("INT-level-2")
    described = {d["id"] for d in achievement["resultDescription"]}
    assert all(r["resultDescription"] in described for r in subject["result"])
    assert any(r.get("value") == "4" for r in subject["result"])
    status = claims["credentialStatus"]
    assert status["type"] == "1EdTechRevocationList"
    assert status["id"].endswith(f"/api/v1/certificates/{number}")
    # The status URL the credential names answers.
    assert client.get(status["id"].split("localhost", 1)[-1]).get_json()["status"] == "valid"


def _tamper(token):
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["creditsAvailable"] = 40
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_credential_fails_with_a_clear_reason(client, app, issued):
    token = _tamper(credential_of(app, issued[2]))
    with pytest.raises(pyjwt.InvalidSignatureError, match="Signature verification failed"):
        pyjwt_verify(token, fetch_jwks(client).get_json())
    with app.test_request_context(), pytest.raises(signing.CredentialInvalid) as caught:
        signing.verify(token)
    assert caught.value.code == "bad_signature" and "telah diubah" in str(caught.value)


def test_a_credential_signed_by_an_unknown_key_fails(client, app, issued):
    token = credential_of(app, issued[2])
    stranger = OKPKey.generate_key("Ed25519")
    header = {"alg": "EdDSA", "kid": stranger.thumbprint(), "typ": "vc+jwt"}
    with app.test_request_context():
        forged = signing.jws.serialize_compact(
            header,
            pyjwt.api_jws.base64url_decode(token.split(".")[1]),
            stranger,
            algorithms=["EdDSA"],
            registry=signing.REGISTRY,
        )
        with pytest.raises(signing.CredentialInvalid) as caught:
            signing.verify(forged)
    assert caught.value.code == "unknown_key" and stranger.thumbprint() in str(caught.value)
    with pytest.raises(LookupError, match="unknown kid"):
        pyjwt_verify(forged, fetch_jwks(client).get_json())


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("not a jwt", "malformed"),
        ("a.b.c", "malformed"),
        (
            pyjwt.encode(
                {"x": 1}, "secret-key-of-32-bytes-or-more!!", algorithm="HS256", headers={"kid": "k"}
            ),
            "algorithm",
        ),
    ],
)
def test_garbage_credentials_are_refused(app, token, code):
    with app.test_request_context(), pytest.raises(signing.CredentialInvalid) as caught:
        signing.verify(token)
    assert caught.value.code == code


@pytest.fixture
def key_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEYS", str(folder))
    return folder


def test_keys_are_created_on_first_use_privately(app, key_folder):
    with app.app_context():
        ring = signing.keyring()
    files = list(key_folder.glob("key-*.pem"))
    assert len(files) == 1 and ring.current.private
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_folder).st_mode) == 0o700


def test_rotation_keeps_old_credentials_verifiable(app, key_folder, make_user, make_course):
    learner = make_user(name="Rotasi Kunci")
    course_a, course_b = make_course(title="Sebelum rotasi"), make_course(title="Sesudah rotasi")
    runner = app.test_cli_runner()
    with app.test_request_context():
        old_cert = certificate_of(complete(db.session.merge(learner), db.session.merge(course_a)))
        old_kid, old_token = old_cert.key_id, old_cert.credential_jwt
        db.session.commit()
    result = runner.invoke(args=["lms", "rotate-signing-key"])
    assert result.exit_code == 0, result.output
    assert "kept for verification only: " + old_kid in result.output
    with app.test_request_context():
        ring = signing.keyring()
        assert ring.current.kid != old_kid and ring.find(old_kid) and not ring.find(old_kid).private
        new_cert = certificate_of(complete(db.session.merge(learner), db.session.merge(course_b)))
        assert new_cert.key_id == ring.current.kid
        new_token = new_cert.credential_jwt
        db.session.commit()
        assert signing.verify(old_token).kid == old_kid
    assert not [
        p
        for p in key_folder.glob("key-*.pem")
        if not p.name.endswith(".pub.pem") and old_kid in p.read_text()
    ]
    client = app.test_client()
    jwks = fetch_jwks(client).get_json()
    assert {signing.thumbprint_of(k["kid"]) for k in jwks["keys"]} == {old_kid, new_cert.key_id}
    assert pyjwt_verify(old_token, jwks)["name"] == "Sertifikat Sebelum rotasi"
    assert pyjwt_verify(new_token, jwks)["name"] == "Sertifikat Sesudah rotasi"


def test_keys_from_configuration_pem(app, monkeypatch, tmp_path):
    current, old = OKPKey.generate_key("Ed25519"), OKPKey.generate_key("Ed25519")
    pem = (current.as_pem(private=True) + old.as_pem(private=False)).decode()
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEYS", pem)
    with app.app_context():
        ring = signing.keyring()
        assert ring.current.kid == current.thumbprint()
        assert [k.kid for k in ring.keys] == [current.thumbprint(), old.thumbprint()]
        result = app.test_cli_runner().invoke(args=["lms", "rotate-signing-key"])
    assert result.exit_code == 1 and "put it FIRST" in result.output
    path = tmp_path / "keys.pem"
    path.write_text(pem)
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEYS", str(path))
    with app.app_context():
        assert signing.keyring().current.kid == current.thumbprint()


@pytest.mark.parametrize(
    "bad",
    [
        "-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n",
        OKPKey.generate_key("X25519").as_pem(private=True).decode(),
        OKPKey.generate_key("Ed25519").as_pem(private=False).decode(),
    ],
)
def test_unusable_configured_keys_say_what_is_wrong(app, monkeypatch, bad):
    monkeypatch.setitem(app.config, "CERT_SIGNING_KEYS", bad)
    with app.app_context(), pytest.raises(signing.SigningKeyError) as caught:
        signing.keyring()
    assert any(word in str(caught.value) for word in ("Ed25519", "private key"))


def test_issue_certificates_cli_issues_what_is_missing(app, make_user, make_course, monkeypatch):
    learner, course = make_user(), make_course()
    with app.test_request_context():
        monkeypatch.setattr(services, "issue", lambda award: (_ for _ in ()).throw(RuntimeError("down")))
        enrolment = complete(db.session.merge(learner), db.session.merge(course))
        db.session.commit()
        enrolment_id = enrolment.id
        # ours, and the completions without a certificate other tests may have committed
        missing = db.session.scalar(
            sa.select(sa.func.count()).select_from(services.missing_query().subquery())
        )
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["lms", "issue-certificates"])
    assert result.exit_code == 1 and "set PUBLIC_BASE_URL" in result.output
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://belajar.example.go.id")
    result = app.test_cli_runner().invoke(args=["lms", "issue-certificates"])
    assert result.exit_code == 0 and f"{missing} certificate(s) issued" in result.output
    result = app.test_cli_runner().invoke(args=["lms", "issue-certificates"])
    assert "0 certificate(s) issued" in result.output
    with app.app_context():
        cert = db.session.scalar(
            sa.select(Certificate).where(
                Certificate.source == CertificateSource.COURSE, Certificate.source_id == enrolment_id
            )
        )
        assert (
            pyjwt.decode(cert.credential_jwt, options={"verify_signature": False})["id"]
            == f"https://belajar.example.go.id/verify/{cert.number}"
        )


def test_revoke_certificate_cli(app, issued):
    number = issued[2]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lms", "revoke-certificate", "ASN-0", "--reason", "x"]).exit_code == 1
    result = runner.invoke(args=["lms", "revoke-certificate", number.lower(), "--reason", "Data ganda"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        cert = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
        assert cert.revocation_reason == "Data ganda" and cert.revoked_by_id is None
