"""Bulk verification for HR: many numbers at once (pasted, or a CSV file), a table and a CSV back.

Each line keeps the number as it was typed next to its normalised form and status, so HR can
match the result with their own list. A batch is limited (BULK_VERIFY_MAX, 500 by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core import csv_input
from ..extensions import db
from . import numbers
from .models import Certificate
from .services import CertificateError, mask_nip

VALID, REVOKED, UNKNOWN, MALFORMED = "valid", "revoked", "unknown", "malformed"
HEADER_NAMES = {
    "nomor",
    "nomor_sertifikat",
    "no_sertifikat",
    "number",
    "certificate",
    "certificate_number",
    "kode",
    "code",
    "sertifikat",
}
CHUNK = 500


def status_labels() -> dict[str, str]:
    return {
        VALID: _("SAH"),
        REVOKED: _("DICABUT"),
        UNKNOWN: _("TIDAK DIKENAL"),
        MALFORMED: _("NOMOR TIDAK VALID"),
    }


@dataclass
class BulkRow:
    typed: str
    number: str | None
    status: str
    message: str | None = None
    certificate: Certificate | None = None


def read_csv(data: bytes, *, max_rows: int | None = None) -> list[str]:
    """The numbers of a CSV file: the column named like "nomor" or "number", else the first one
    (read no further than `max_rows` records: a longer list is refused anyway)."""
    try:
        rows = [row for row in csv_input.read_csv(data, max_rows=max_rows) if row]
    except csv_input.CsvUnreadable as exc:
        raise CertificateError(exc.message, "file") from None
    if not rows:
        return []
    header = [csv_input.header_key(cell) for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in HEADER_NAMES), None)
    if column is not None:
        rows = rows[1:]
    else:
        column = 0
        if (
            rows[0]
            and numbers.try_normalise(rows[0][0])[0] is None
            and not any(ch.isdigit() for ch in rows[0][0])
        ):
            rows = rows[1:]  # a header we do not know by name, like "No. Sertifikat"
    return [row[column] for row in rows if len(row) > column]


def collect(text: str, file_data: bytes | None, *, limit: int) -> list[str]:
    """The typed numbers of the pasted text and the uploaded file, blank lines left out."""
    typed = [line.strip() for line in (text or "").splitlines()]
    if file_data:
        # One number past the limit (plus a header) is enough to say the list is too long.
        typed += [cell.strip() for cell in read_csv(file_data, max_rows=limit + 2)]
    typed = [value[:100] for value in typed if value]
    if not typed:
        raise CertificateError(
            _l("Tempelkan nomor sertifikat (satu per baris) atau unggah berkas CSV."), "numbers"
        )
    if len(typed) > limit:
        raise CertificateError(
            _l(
                "Maksimal %(max)d nomor sekali periksa; Anda mengirim %(n)d. Bagi daftar menjadi beberapa "
                "bagian.",
                max=limit,
                n=len(typed),
            ),
            "numbers",
        )
    return typed


def verify_many(typed: list[str]) -> list[BulkRow]:
    """The status of every typed number, in order, with one query per 500 numbers."""
    rows = []
    for value in typed:
        number, message = numbers.try_normalise(value)
        rows.append(
            BulkRow(
                typed=value, number=number, status=MALFORMED if number is None else UNKNOWN, message=message
            )
        )
    wanted = sorted({row.number for row in rows if row.number})
    found: dict[str, Certificate] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(
            (c.number, c)
            for c in db.session.scalars(sa.select(Certificate).where(Certificate.number.in_(chunk)))
        )
    for row in rows:
        cert = found.get(row.number) if row.number else None
        if cert is not None:
            row.certificate = cert
            row.status = REVOKED if cert.is_revoked else VALID
    return rows


RESULT_HEADER = [
    "nomor_diketik",
    "nomor",
    "status",
    "pemegang",
    "nip",
    "judul",
    "jp",
    "tanggal_terbit",
    "instansi_penerbit",
    "tanggal_dicabut",
    "alasan_pencabutan",
    "keterangan",
]


def result_rows(rows: list[BulkRow]) -> Iterator[list]:
    """The result for the CSV download, one row per typed number, in the order of RESULT_HEADER."""
    labels = status_labels()
    for row in rows:
        cert = row.certificate
        yield [
            row.typed,
            row.number or "",
            labels[row.status],
            cert.holder_name if cert else "",
            mask_nip(cert.holder_nip) if cert else "",
            cert.title if cert else "",
            cert.jp if cert else "",
            cert.issued_on.isoformat() if cert else "",
            cert.issuer_name if cert else "",
            cert.revoked_on.isoformat() if cert and cert.revoked_on else "",
            cert.revocation_reason if cert else "",
            row.message or "",
        ]
