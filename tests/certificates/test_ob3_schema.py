"""A freshly issued credential is an AchievementCredential by 1EdTech's own JSON schema.

The schema is kept in tests/certificates/schema/ (source and the one adaptation named in the README
there): the stored edition requires VC 1.1's `issuanceDate`, which the VC 2.0 data model that Open
Badges 3.0 now uses renamed `validFrom`; the test swaps that one name and validates the rest as is.
"""

import copy
import json
from datetime import datetime
from pathlib import Path

import jwt as pyjwt
import pytest
from jsonschema import Draft201909Validator

from tests.certificates.test_signing import credential_of

SCHEMA = json.loads(
    (Path(__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json").read_text(
        encoding="utf-8"
    )
)


def vc2_schema() -> dict:
    schema = copy.deepcopy(SCHEMA)
    schema["required"] = ["validFrom" if name == "issuanceDate" else name for name in schema["required"]]
    schema["properties"]["validFrom"] = {"type": "string", "format": "date-time"}
    return schema


def errors_of(credential: dict) -> list[str]:
    validator = Draft201909Validator(vc2_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(credential)]


def test_the_stored_schema_is_a_valid_2019_09_schema():
    Draft201909Validator.check_schema(SCHEMA)
    assert SCHEMA["required"] == [
        "@context",
        "id",
        "type",
        "name",
        "credentialSubject",
        "issuer",
        "issuanceDate",
    ]


def test_a_fresh_credential_validates_against_the_achievement_credential_schema(app, issued):
    _, _, number = issued
    claims = pyjwt.decode(credential_of(app, number), options={"verify_signature": False})
    assert errors_of(claims) == []
    for name in ("validFrom", "awardedDate"):
        assert datetime.fromisoformat(claims[name].replace("Z", "+00:00")).tzinfo is not None
    assert "VerifiableCredential" in claims["type"] and "OpenBadgeCredential" in claims["type"]
    assert claims["credentialStatus"]["type"] == "1EdTechRevocationList"


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda c: c.pop("validFrom"), "validFrom"),
        (lambda c: c["credentialSubject"]["achievement"].pop("criteria"), "criteria"),
        (lambda c: c["credentialSubject"]["identifier"][0].update(identityType="nip"), "identityType"),
        (lambda c: c["credentialSubject"]["result"][0].update(status="Lulus"), "status"),
    ],
)
def test_the_schema_catches_a_broken_credential(app, issued, damage, where):
    _, _, number = issued
    claims = pyjwt.decode(credential_of(app, number), options={"verify_signature": False})
    damage(claims)
    assert any(where in error for error in errors_of(claims)), errors_of(claims)
