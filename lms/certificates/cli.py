"""`flask lms rotate-signing-key`, `flask lms issue-certificates`, `flask lms revoke-certificate`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..core.cli import fail
from ..extensions import db
from . import numbers, services, signing


def register(group: AppGroup) -> None:
    group.add_command(rotate_signing_key_command)
    group.add_command(issue_certificates_command)
    group.add_command(revoke_certificate_command)


@click.command("rotate-signing-key")
@with_appcontext
def rotate_signing_key_command():
    """Make a new current signing key; older keys stay published so old credentials still verify."""
    source = signing.key_source()
    if not signing.is_folder_source(source):
        fail(
            [
                "CERT_SIGNING_KEYS is a PEM file or PEM text: rotate it yourself. Create a key "
                "(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048, or -algorithm "
                "ed25519 with CERT_SIGNING_ALG=EdDSA), put it FIRST, and keep the old keys after it "
                "(their public part is enough) so the credentials they signed stay verifiable.",
            ]
        )
    try:
        current, retired = signing.rotate_folder(Path(source), signing.signing_alg())
    except signing.SigningKeyError as exc:
        fail([str(exc)])
    click.echo(f"New signing key {current.kid} in {source}")
    for key in retired:
        click.echo(f"  kept for verification only: {key.kid}")


@click.command("issue-certificates")
@with_appcontext
def issue_certificates_command():
    """Issue the certificates of completed courses that have none yet (safe to run again)."""
    if not current_app.config.get("PUBLIC_BASE_URL"):
        fail(
            [
                "set PUBLIC_BASE_URL (e.g. https://belajar.instansi.go.id): outside a web request it is the "
                "only way to know the address signed into the credentials and printed in the QR codes"
            ]
        )
    try:
        issued = services.issue_missing(base_url=current_app.config["PUBLIC_BASE_URL"])
    except signing.SigningKeyError as exc:
        db.session.rollback()
        fail([str(exc)])
    db.session.commit()
    for cert in issued:
        click.echo(f"{cert.number}  {cert.holder_name}  {cert.title}")
    click.echo(f"{len(issued)} certificate(s) issued")


@click.command("revoke-certificate")
@click.argument("number")
@click.option("--reason", required=True, help="Shown on the public verification page.")
@with_appcontext
def revoke_certificate_command(number: str, reason: str):
    """Revoke a certificate by its number, with a reason."""
    try:
        canonical, cert = services.lookup(number)
    except numbers.MalformedNumber as exc:
        fail([str(exc)])
    if cert is None:
        fail([f"no certificate {canonical}"])
    try:
        services.revoke(cert, reason, by=None)
    except services.CertificateError as exc:
        fail([str(exc)])
    db.session.commit()
    click.echo(f"Certificate {cert.number} revoked")
