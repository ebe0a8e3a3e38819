"""Certificate status as JSON: what the verification page says, for machines.

The response is also a 1EdTech Revocation List for the one credential (`id`, `issuer`,
`revokedCredentials`), the status method named in each credential's `credentialStatus`.
"""

from __future__ import annotations

from flask import abort, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..certificates import numbers, services
from ..certificates.credential import iso
from ..core.urls import public_base_url
from ..extensions import limiter

blp = Blueprint(
    "api_certificates",
    __name__,
    url_prefix="/api/v1",
    description="Certificate verification (public, rate limited)",
)


class CompetencySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.Integer(required=True)


class RevokedCredential(Schema):
    id = fields.String(required=True, metadata={"description": "The credential's id"})
    revocationReason = fields.String()  # noqa: N815 - the 1EdTech name


class IssuerSchema(Schema):
    id = fields.String(required=True)
    type = fields.List(fields.String(), required=True)
    name = fields.String(required=True)


class CertificateStatus(Schema):
    number = fields.String(required=True, metadata={"description": "The canonical certificate number"})
    status = fields.String(required=True, metadata={"description": '"valid" or "revoked"'})
    valid = fields.Boolean(required=True)
    holder_name = fields.String(required=True)
    holder_nip_masked = fields.String(required=True, metadata={"description": "e.g. 1985**********1001"})
    kind = fields.String(required=True, metadata={"description": '"course" or "webinar"'})
    title = fields.String(required=True)
    jp = fields.Integer(required=True)
    competencies = fields.List(fields.Nested(CompetencySchema), required=True)
    completed_on = fields.Date(required=True)
    issued_on = fields.Date(required=True)
    issued_at = fields.String(required=True)
    issuer_name = fields.String(required=True)
    revoked_on = fields.Date(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    verify_url = fields.String(required=True)
    key_id = fields.String(
        required=True, metadata={"description": "kid of the key that signed the credential"}
    )
    id = fields.String(required=True, metadata={"description": "This status document's URL"})
    issuer = fields.Nested(IssuerSchema, required=True)
    revokedCredentials = fields.List(fields.Nested(RevokedCredential), required=True)  # noqa: N815


@blp.get("/certificates/<code>")
@limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="certificate-verify")
@blp.response(200, CertificateStatus)
def certificate_status(code):
    """The status of a certificate: valid or revoked (with date and reason); 404 unknown, 400 malformed."""
    try:
        number, cert = services.lookup(code[:100])
    except numbers.MalformedNumber as exc:
        abort(400, description=str(exc))
    if cert is None:
        abort(404, description="Unknown certificate number")
    base = public_base_url()
    verify_url = services.verify_url(cert.number, base)
    revoked = [{"id": verify_url, "revocationReason": cert.revocation_reason}] if cert.is_revoked else []
    return {
        "number": cert.number,
        "status": "revoked" if cert.is_revoked else "valid",
        "valid": not cert.is_revoked,
        "holder_name": cert.holder_name,
        "holder_nip_masked": services.mask_nip(cert.holder_nip),
        "kind": cert.source.value,
        "title": cert.title,
        "jp": cert.jp,
        "competencies": [
            {"code": c["code"], "name": c["name"], "level": c["level"]} for c in cert.competencies
        ],
        "completed_on": cert.completed_on,
        "issued_on": cert.issued_on,
        "issued_at": iso(cert.issued_at),
        "issuer_name": cert.issuer_name,
        "revoked_on": cert.revoked_on,
        "revocation_reason": cert.revocation_reason,
        "verify_url": verify_url,
        "key_id": cert.key_id,
        "id": f"{base}/api/v1/certificates/{cert.number}",
        "issuer": {"id": base, "type": ["Profile"], "name": cert.issuer_name},
        "revokedCredentials": revoked,
    }


@blp.after_request
def allow_any_origin(response):
    # A verifier's own web page may read a public status from another origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
