"""Bulk import of an agency's staff from CSV.

Every row is validated first and nothing is written if any row is bad; the caller gets every
problem as (row, column, message). Importing the same file again changes nothing. The file may
be UTF-8 with or without a BOM, comma-, semicolon- (Excel in Indonesian locale) or tab-separated.
Imported people have no password yet: they set one through "Lupa kata sandi".
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..core.clock import utcnow
from ..core.csv_input import (
    CsvUnreadable,
    broken_record,
    decode_csv,
    field_too_long,
    has_long_field,
    header_key,
    sniff_delimiter,
)
from ..extensions import db
from . import identity, tokens
from .errors import AccountError
from .models import Agency, Role, TokenPurpose, Unit, User, UserRole
from .nip import EmployeeNumber
from .services import clean_email, clean_name, parse_nip

logger = logging.getLogger(__name__)

# canonical column -> accepted header names (after lower-casing, spaces/dashes -> "_")
COLUMNS: dict[str, tuple[str, ...]] = {
    "nip": ("nip", "nip_nippk", "nomor_induk"),
    "name": ("nama", "name", "nama_lengkap"),
    "email": ("email", "e_mail", "surel"),
    "unit": ("unit", "unit_kerja", "kode_unit"),
    "position": ("jabatan", "position", "nama_jabatan"),
    "supervisor_nip": ("nip_atasan", "supervisor_nip", "atasan"),
}
REQUIRED = ("nip", "name", "email", "unit")
DELIMITERS = (",", ";", "\t")
CHUNK = 500


def _unclosed_quote() -> str:
    return _(
        'Tanda kutip (") pada baris ini tidak ditutup, sehingga baris berikutnya ikut terbaca '
        "sebagai satu isian. Hapus atau tutup tanda kutip tersebut."
    )


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file, 1 = header, as a spreadsheet numbers it
    column: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    confirmed: int = 0  # unverified accounts HR confirmed (a set-password link each, see links)
    removed: int = 0  # unverified registrations HR removed
    links: tuple[tuple[User, str], ...] = ()  # (person, set-password token) to mail


@dataclass
class ImportConflicts(Exception):
    """Rows name NIPs of unverified self-registered accounts: HR decides each; nothing written."""

    conflicts: list[identity.Conflict] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.conflicts)} unverified account(s) named in the staff file"


@dataclass
class ImportFailed(Exception):
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.errors)} problem(s) in the staff file"


@dataclass
class _Row:
    line: int
    number: EmployeeNumber
    name: str
    email: str
    unit: Unit
    position: str | None
    supervisor_nip: str | None


ALIASES = {alias: canonical for canonical, names in COLUMNS.items() for alias in names}


def decode(data: bytes) -> str:
    """Bytes of a CSV file to text; raise ImportFailed with a clear message when not UTF-8."""
    try:
        return decode_csv(data)
    except CsvUnreadable as exc:
        raise ImportFailed([RowError(exc.line, "-", str(exc))]) from None


def _read_header(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        canonical = ALIASES.get(key)
        if canonical is None:
            errors.append(
                RowError(
                    1,
                    cell.strip() or f"#{index + 1}",
                    _(
                        "Kolom tidak dikenal. Kolom yang diterima: "
                        "nip, nama, email, unit, jabatan, nip_atasan."
                    ),
                )
            )
        elif canonical in positions:
            errors.append(RowError(1, cell.strip(), _("Kolom ini muncul lebih dari sekali.")))
        else:
            positions[canonical] = index
    for canonical in REQUIRED:
        if canonical not in positions:
            errors.append(RowError(1, COLUMNS[canonical][0], _("Kolom wajib ini tidak ada.")))
    return positions, errors


def _units_lookup(agency: Agency) -> tuple[dict[str, Unit], dict[str, list[Unit]]]:
    units = db.session.scalars(sa.select(Unit).where(Unit.agency_id == agency.id)).all()
    by_name: dict[str, list[Unit]] = {}
    for unit in units:
        by_name.setdefault(unit.name.lower(), []).append(unit)
    return {unit.code: unit for unit in units}, by_name


def _users_by(column, values: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        for user in db.session.scalars(sa.select(User).where(column.in_(chunk))):
            found[getattr(user, column.key)] = user
    return found


@dataclass
class ImportPlan:
    rows: list[_Row]
    columns: set[str]


def parse_rows(agency: Agency, text: str, *, max_rows: int) -> ImportPlan:
    """Validate the whole file against the agency; raise ImportFailed with every problem."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportFailed([RowError(1, "-", _("Berkas kosong: baris pertama harus berisi nama kolom."))])
    delimiter = sniff_delimiter(lines[0], ALIASES, DELIMITERS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "-", str(broken_record(exc, lines[0])))]) from None
    if has_long_field(header):
        raise ImportFailed([RowError(1, "-", str(field_too_long()))])
    positions, errors = _read_header(header)
    if errors:
        raise ImportFailed(errors)
    codes, names = _units_lookup(agency)
    rows: list[_Row] = []
    seen_nip: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    end_of_previous = reader.line_num
    records = 0  # non-empty data records read so far
    while True:
        line = end_of_previous + 1  # where this record starts, as a spreadsheet numbers it
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field past the csv module's size limit
            first = lines[line - 1] if line <= len(lines) else ""
            errors.append(RowError(line, "-", str(broken_record(exc, first))))
            break
        end_of_previous = reader.line_num
        if any("\n" in cell or "\r" in cell for cell in cells):
            errors.append(RowError(line, "-", _unclosed_quote()))
            continue
        if has_long_field(cells):
            errors.append(RowError(line, "-", str(field_too_long())))
            break
        if not any(cell.strip() for cell in cells):
            continue
        records += 1
        if records > max_rows:  # the one problem to fix first: the rest would only bury it
            raise ImportFailed([RowError(line, "-", _("Berkas melebihi %(n)d baris data.", n=max_rows))])
        if len(cells) != len(positions):
            errors.append(
                RowError(
                    line,
                    "-",
                    _(
                        "Jumlah kolom baris ini %(got)d, seharusnya %(want)d.",
                        got=len(cells),
                        want=len(positions),
                    ),
                )
            )
            continue
        value = {key: cells[index].strip() for key, index in positions.items()}
        row_errors: list[RowError] = []

        def check(column: str, fn, *args):
            try:
                return fn(*args)
            except AccountError as exc:
                row_errors.append(RowError(line, column, str(exc)))  # noqa: B023 - used at once
                return None

        number = check("nip", parse_nip, value["nip"])
        name = check("nama", clean_name, value["name"])
        email = check("email", clean_email, value["email"])
        unit = codes.get(value["unit"].upper())
        if unit is None:
            matches = names.get(value["unit"].lower(), [])
            unit = matches[0] if len(matches) == 1 else None
            if not matches:
                row_errors.append(
                    RowError(
                        line,
                        "unit",
                        _(
                            'Unit "%(unit)s" tidak ada di instansi ini (isi dengan kode atau nama unit).',
                            unit=value["unit"],
                        ),
                    )
                )
            elif len(matches) > 1:
                row_errors.append(
                    RowError(
                        line,
                        "unit",
                        _("Nama unit ini dipakai lebih dari satu unit; isi dengan kode unit."),
                    )
                )
        position = value.get("position") or None
        if position and len(position) > 200:
            row_errors.append(RowError(line, "jabatan", _("Jabatan maksimal 200 karakter.")))
        supervisor = value.get("supervisor_nip") or None
        if supervisor:
            parsed = check("nip_atasan", parse_nip, supervisor)
            supervisor = parsed.number if parsed else None
            if parsed and number and parsed.number == number.number:
                row_errors.append(RowError(line, "nip_atasan", _("Atasan tidak boleh dirinya sendiri.")))
        if number:
            if number.number in seen_nip:
                row_errors.append(
                    RowError(
                        line,
                        "nip",
                        _("NIP ini sudah ada di baris %(row)d.", row=seen_nip[number.number]),
                    )
                )
            seen_nip.setdefault(number.number, line)
        if email:
            if email in seen_email:
                row_errors.append(
                    RowError(
                        line,
                        "email",
                        _("Email ini sudah ada di baris %(row)d.", row=seen_email[email]),
                    )
                )
            seen_email.setdefault(email, line)
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(_Row(line, number, name, email, unit, position, supervisor))
    if not rows and not errors:
        errors.append(RowError(2, "-", _("Berkas tidak berisi data pegawai.")))
    errors.extend(_check_against_database(agency, rows, "supervisor_nip" in positions))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row, e.column)))
    return ImportPlan(rows, set(positions))


def _check_against_database(agency: Agency, rows: list[_Row], with_supervisors: bool) -> list[RowError]:
    errors: list[RowError] = []
    by_nip = _users_by(User.nip, [r.number.number for r in rows])
    by_email = _users_by(User.email, [r.email for r in rows])
    for row in rows:
        existing = by_nip.get(row.number.number)
        # An unverified account in the way is a conflict HR decides, wherever it registered.
        if existing is not None and existing.is_verified and existing.agency_id != agency.id:
            errors.append(RowError(row.line, "nip", _("NIP ini terdaftar di instansi lain.")))
        owner = by_email.get(row.email)
        if owner is not None and owner.nip != row.number.number:
            errors.append(RowError(row.line, "email", _("Email ini sudah dipakai akun lain.")))

    if not with_supervisors:
        return errors
    # Supervisors: in the file or already in this agency, and no cycles once applied.
    in_file = {row.number.number for row in rows}
    supervisor = aliased(User)
    edges: dict[str, str | None] = {
        nip: supervisor_nip
        for nip, supervisor_nip in db.session.execute(
            sa.select(User.nip, supervisor.nip)
            .join(supervisor, User.supervisor_id == supervisor.id)
            .where(User.agency_id == agency.id)
        )
    }
    agency_nips = set(
        db.session.scalars(
            sa.select(User.nip).where(User.agency_id == agency.id, User.nip.is_not(None), identity.verified())
        )
    )
    unverified = _users_by(User.nip, sorted({r.supervisor_nip for r in rows if r.supervisor_nip} - in_file))
    for row in rows:
        edges[row.number.number] = row.supervisor_nip
        if row.supervisor_nip in unverified and not unverified[row.supervisor_nip].is_verified:
            errors.append(
                RowError(
                    row.line,
                    "nip_atasan",
                    _(
                        "Akun dengan NIP ini belum diverifikasi, sehingga belum dapat menjadi atasan. "
                        'Konfirmasi akunnya di halaman "Akun belum diverifikasi", atau sertakan '
                        "pegawai tersebut di berkas ini."
                    ),
                )
            )
        elif (
            row.supervisor_nip and row.supervisor_nip not in in_file and row.supervisor_nip not in agency_nips
        ):
            errors.append(
                RowError(
                    row.line,
                    "nip_atasan",
                    _("Atasan dengan NIP ini tidak ada di berkas maupun di instansi ini."),
                )
            )
    for row in rows:
        seen = {row.number.number}
        current = edges.get(row.number.number)
        while current and current not in seen:
            seen.add(current)
            current = edges.get(current)
        if current == row.number.number:  # the chain came back to this person
            errors.append(
                RowError(
                    row.line,
                    "nip_atasan",
                    _("Hubungan atasan membentuk lingkaran (pegawai menjadi atasan dari atasannya sendiri)."),
                )
            )
    return errors


def import_staff(
    agency: Agency,
    data: bytes,
    *,
    by: User | None,
    max_rows: int = 20_000,
    decisions: dict[str, str] | None = None,
    at: datetime | None = None,
    link_ttl: timedelta = timedelta(days=7),
) -> ImportResult:
    """Validate the whole CSV, then create or update the agency's people in one go.

    Optional columns (jabatan, nip_atasan) left out of the file leave those fields as they are.
    A row whose NIP belongs to an unverified self-registered account is never merged silently:
    without a decision ("confirm" or "remove", by NIP in `decisions`) for every such row,
    ImportConflicts lists them and nothing is written. People created or confirmed here are
    verified; a confirmed one gets a set-password link (in the result, to mail) at HR's address.
    """
    at = at or utcnow()
    plan = parse_rows(agency, decode(data), max_rows=max_rows)
    existing = _users_by(User.nip, [r.number.number for r in plan.rows])
    conflicts = identity.find_conflicts(plan.rows, existing)
    decisions = decisions or {}
    if any(decisions.get(c.nip) not in identity.DECISIONS for c in conflicts):
        raise ImportConflicts(conflicts)
    confirmed: list[User] = []
    for conflict in conflicts:
        user = existing[conflict.nip]
        if decisions[conflict.nip] == identity.REMOVE:
            identity.remove_registration(user, by=by, at=at)
            del existing[conflict.nip]
        else:
            identity.confirm_from_import(user, by=by, at=at)
            confirmed.append(user)
    users: dict[str, User] = {}
    changed: set[str] = set()
    for row in plan.rows:
        nip = row.number.number
        fields = {
            "name": row.name,
            "email": row.email,
            "agency_id": agency.id,
            "unit_id": row.unit.id,
            "employee_type": row.number.employee_type,
        }
        if "position" in plan.columns:
            fields["position_title"] = row.position
        user = existing.get(nip)
        if user is None:
            user = User(nip=nip, **fields, email_confirmed_at=at, identity_verified_at=at)
            user.role_rows = [UserRole(role=Role.LEARNER)]
            db.session.add(user)
        elif any(getattr(user, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(user, key, value)
            changed.add(nip)
        users[nip] = user
    db.session.flush()
    if "supervisor_nip" in plan.columns:
        supervisors = _users_by(User.nip, sorted({r.supervisor_nip for r in plan.rows if r.supervisor_nip}))
        for row in plan.rows:
            user = users[row.number.number]
            supervisor_id = supervisors[row.supervisor_nip].id if row.supervisor_nip else None
            if user.supervisor_id != supervisor_id:
                user.supervisor_id = supervisor_id
                if row.number.number in existing:
                    changed.add(row.number.number)
        db.session.flush()
    links = tuple(
        (user, tokens.issue(user, TokenPurpose.SET_PASSWORD, at=at, ttl=link_ttl)) for user in confirmed
    )
    result = ImportResult(
        created=len(plan.rows) - len(existing),
        updated=len(changed),
        unchanged=len(existing) - len(changed),
        confirmed=len(confirmed),
        removed=len(conflicts) - len(confirmed),
        links=links,
    )
    logger.info(
        "staff import into agency %s by %s: %d created, %d updated, %d unchanged, %d confirmed, %d removed",
        agency.id,
        by and by.id,
        result.created,
        result.updated,
        result.unchanged,
        result.confirmed,
        result.removed,
    )
    return result
