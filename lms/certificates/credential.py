"""The signed credential: a W3C Verifiable Credential (data model 2.0) shaped as an Open Badges 3.0
AchievementCredential, secured as a JWT (the credential's members are the JWT claims, with iss,
sub, jti, nbf and iat added, as Open Badges 3.0 section 8.2 and VC-JOSE-COSE do).

Competencies are both alignments of the achievement (code, name, framework) and results with the
level achieved (a rubric criterion level); JP are the achievement's credits and a result too.
The holder is named in an IdentityObject; the NIP only as a salted SHA-256 hash, so a verifier who
knows the NIP can check it while the credential file does not spread it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from ..core.clock import as_utc
from .models import Certificate, CertificateSource

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_TYPE = "1EdTechRevocationList"
SKJ_FRAMEWORK = "Standar Kompetensi Jabatan ASN (PermenPAN-RB Nomor 38 Tahun 2017)"


def iso(value: datetime) -> str:
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _nip_identity(nip: str) -> dict:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((nip + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "ext:NIP",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def build(cert: Certificate, *, base_url: str, achievement_url: str | None, site_name: str) -> dict:
    """The JWT payload of a certificate: the OB 3.0 credential plus the registered JWT claims."""
    verify_url = f"{base_url}/verify/{cert.number}"
    status_url = f"{base_url}/api/v1/certificates/{cert.number}"
    subject_id = f"urn:uuid:{cert.uuid}"
    issued, completed = iso(cert.issued_at), iso(cert.completed_at)
    is_course = cert.source is CertificateSource.COURSE
    kind = "kursus" if is_course else "webinar"
    achievement_id = achievement_url or f"{verify_url}#pencapaian"

    alignments, descriptions, results = [], [], []
    for item in cert.competencies:
        code, name, level = item["code"], item["name"], int(item["level"])
        alignment = {
            "type": ["Alignment"],
            "targetType": "ceasn:Competency",
            "targetCode": code,
            "targetName": name,
            "targetDescription": f"Kompetensi {name}, level {level} dari 5",
            "targetFramework": SKJ_FRAMEWORK if item.get("type") != "technical" else cert.issuer_name,
            "targetUrl": f"{base_url}/courses/?competency={code}",
        }
        alignments.append(alignment)
        description_id = f"{verify_url}#kompetensi-{code}"
        level_id = f"{description_id}-level-{level}"
        descriptions.append(
            {
                "id": description_id,
                "type": ["ResultDescription"],
                "name": f"{name} ({code})",
                "resultType": "RubricCriterionLevel",
                "alignment": [alignment],
                "rubricCriterionLevel": [
                    {
                        "id": level_id,
                        "type": ["RubricCriterionLevel"],
                        "name": f"Level {level}",
                        "level": str(level),
                    }
                ],
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": description_id,
                "achievedLevel": level_id,
                "status": "Completed",
            }
        )
    jp_id = f"{verify_url}#jp"
    descriptions.append(
        {
            "id": jp_id,
            "type": ["ResultDescription"],
            "name": "Jam pelajaran (JP)",
            "resultType": "ext:JamPelajaran",
            "valueMin": "0",
            "valueMax": "1000",
        }
    )
    results.append({"type": ["Result"], "resultDescription": jp_id, "value": str(cert.jp)})

    description = (
        f'Pemegang sertifikat ini telah menyelesaikan {kind} "{cert.title}" dengan bobot '
        f"{cert.jp} JP (1 JP = 45 menit)."
    )
    criteria = (
        f'Memenuhi seluruh syarat penyelesaian kursus "{cert.title}" di {site_name}.'
        if is_course
        else f'Hadir pada webinar "{cert.title}" di {site_name} sesuai ketentuan kehadiran.'
    )
    identifiers = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": cert.holder_name}
    ]
    if cert.holder_nip:
        identifiers.append(_nip_identity(cert.holder_nip))

    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": verify_url,
        "type": TYPES,
        "name": f"Sertifikat {cert.title}",
        "description": description,
        "issuer": {
            "id": base_url,
            "type": ["Profile"],
            "name": cert.issuer_name,
            "url": base_url,
            "description": f"Diterbitkan melalui {site_name}",
        },
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "activityEndDate": completed,
            "creditsEarned": cert.jp,
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Course" if is_course else "CertificateOfCompletion",
                "name": cert.title,
                "description": description,
                "criteria": {"narrative": criteria},
                "creditsAvailable": cert.jp,
                "inLanguage": "id",
                "alignment": alignments,
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "credentialStatus": {"id": status_url, "type": STATUS_TYPE},
    }
    timestamp = int(cert.issued_at.timestamp())
    return {
        **credential,
        "iss": base_url,
        "sub": subject_id,
        "jti": verify_url,
        "nbf": timestamp,
        "iat": timestamp,
    }
