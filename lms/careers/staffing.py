"""Who holds which position and who supervises whom: HR sets it per person or for many by CSV.

staff-positions.csv, one row per person:  nip;kode_jabatan;nip_atasan  (a nama column is ignored,
so the export can be edited and uploaded again). A column left out of the file leaves that field
as it is; an empty cell clears it. The file is checked whole first — NIPs (structure, known, in
this agency), position codes of this agency, supervisors in this agency and no supervisor cycles
once the file is applied — and if anything is wrong nothing is written and every problem is
listed. NIPs are read by accounts' `parse_nip` and the file by `csv_io.read_rows` (accounts'
decoder), as the staff import does. Every change is written to the careers audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..accounts.agencies import require_hr
from ..accounts.audit import log_change
from ..accounts.csv_rows import ImportRejected, Problem, read_rows
from ..accounts.errors import AccountError
from ..accounts.models import Agency, User
from ..accounts.services import parse_nip
from ..extensions import db
from . import summaries
from .access import supervisor_chain_ids
from .errors import CareerError
from .models import Position, StaffPosition
from .positions import place, position_in_agency, staff_position_of

logger = logging.getLogger(__name__)

STAFF_COLUMNS = {
    "nip": ("nip", "nip_pegawai"),
    "nama": ("nama", "name", "nama_pegawai"),
    "kode_jabatan": ("kode_jabatan", "jabatan", "position_code", "kode"),
    "nip_atasan": ("nip_atasan", "supervisor_nip", "atasan"),
}
CHUNK = 500
UNVERIFIED_SUPERVISOR = _l(
    "Akun atasan ini belum diverifikasi oleh SDM, sehingga belum dapat menjadi atasan."
)


@dataclass(frozen=True)
class AssignmentSummary:
    changed: int
    unchanged: int


def _values(position: Position | None, supervisor: User | None) -> dict:
    """The audited assignment of a person: position and supervisor."""
    return {
        "position_id": position.id if position else None,
        "position_code": position.code if position else None,
        "supervisor_id": supervisor.id if supervisor else None,
        "supervisor_nip": supervisor.nip if supervisor else None,
    }


def _log(person: User, before: dict, after: dict, by: User | None) -> None:
    log_change(
        "staff_position", person.id, "update", subject_id=person.id, actor=by, before=before, after=after
    )


def _apply(person: User, position: Position | None, supervisor: User | None, *, by, since=None) -> bool:
    """Set one person's position and supervisor; True (and an audit entry) if that changed."""
    staff = staff_position_of(person.id)
    before = _values(staff.position if staff else None, person.supervisor)
    after = _values(position, supervisor)
    place(person, position, since=since, staff=staff)
    person.supervisor_id, person.supervisor = (supervisor.id if supervisor else None), supervisor
    db.session.flush()
    if after == before:
        return False
    _log(person, before, after, by)
    return True


def set_assignment(
    person: User,
    position: Position | None,
    supervisor: User | None,
    *,
    by: User | None,
    since: date | None = None,
) -> bool:
    """HR sets one person's current position and direct supervisor; True when something changed.

    The position must be one of the person's agency; the supervisor a person of the same agency,
    not the person, and not below them (no cycles)."""
    require_hr(by, person.agency_id)
    if position is not None and position.agency_id != person.agency_id:
        raise CareerError(_l("Jabatan ini bukan jabatan di instansi pegawai."), "position_id")
    if supervisor is not None:
        if supervisor.id == person.id:
            raise CareerError(_l("Atasan tidak boleh dirinya sendiri."), "supervisor_nip")
        if supervisor.agency_id != person.agency_id:
            raise CareerError(_l("Atasan harus pegawai di instansi yang sama."), "supervisor_nip")
        if not supervisor.is_verified:
            raise CareerError(UNVERIFIED_SUPERVISOR, "supervisor_nip")
        if person.id in supervisor_chain_ids(supervisor.id):
            raise CareerError(
                _l("Hubungan atasan membentuk lingkaran (pegawai menjadi atasan dari atasannya sendiri)."),
                "supervisor_nip",
            )
    changed = _apply(person, position, supervisor, by=by, since=since)
    if changed:
        summaries.sync_people(db.session, [person.id])
    logger.info("user %s assignment set by %s (changed: %s)", person.id, by and by.id, changed)
    return changed


def assign_from_form(
    person: User, position_id: int | None, supervisor_nip: str, *, by: User | None, since: date | None = None
) -> bool:
    """The HR form: a position of the person's agency by id (none: no position) and the direct
    supervisor by NIP or email; True when something changed."""
    position = position_in_agency(position_id, person.agency_id)
    if position_id and position is None:
        raise CareerError(_l("Jabatan tidak ditemukan di instansi ini."), "position_id")
    supervisor = supervisor_by_nip(supervisor_nip, person.agency_id)
    return set_assignment(person, position, supervisor, by=by, since=since)


def supervisor_by_nip(raw: str, agency_id: int | None) -> User | None:
    """The supervisor named by NIP (or email, for people without one) for the single-person form;
    CareerError when not usable."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        key = _supervisor_key(raw)
    except AccountError as exc:
        raise CareerError(exc.message, "supervisor_nip") from None
    supervisor = _users_by([key]).get(key)
    if supervisor is None or supervisor.agency_id != agency_id:
        raise CareerError(
            _l("Pegawai dengan NIP atau email ini tidak ada di instansi ini."), "supervisor_nip"
        )
    return supervisor


def _supervisor_key(raw: str) -> str:
    """A NIP (checked by accounts' rules), or an email for supervisors without a NIP."""
    raw = raw.strip()
    return raw.lower() if "@" in raw else parse_nip(raw).number


def _users_by(keys) -> dict[str, User]:
    """Users by NIP or email (keys with "@"), a query per 500 keys."""
    found: dict[str, User] = {}
    for column, values in (
        (User.nip, sorted({k for k in keys if "@" not in k})),
        (User.email, sorted({k for k in keys if "@" in k})),
    ):
        for start in range(0, len(values), CHUNK):
            for user in db.session.scalars(sa.select(User).where(column.in_(values[start : start + CHUNK]))):
                found[getattr(user, column.key)] = user
    return found


# ---------------------------------------------------------------- CSV


def _nip(line: int, column: str, raw: str, problems: list[Problem]) -> str | None:
    try:
        return parse_nip(raw).number
    except AccountError as exc:
        problems.append(Problem(line, column, str(exc.message)))
        return None


def import_assignments(agency: Agency, data: bytes, *, by: User | None) -> AssignmentSummary:
    """Set many people's positions and supervisors from a CSV, all or nothing."""
    require_hr(by, agency.id)
    rows = read_rows(data, STAFF_COLUMNS, ("nip",))
    columns = set(rows[0][1]) if rows else set()
    if not {"kode_jabatan", "nip_atasan"} & columns:
        raise ImportRejected(
            [Problem(1, "kode_jabatan", _("Berkas memerlukan kolom kode_jabatan dan/atau nip_atasan."))]
        )
    problems: list[Problem] = []
    parsed: list[tuple[int, str, str | None, str | None]] = []  # line, nip, position code, supervisor nip
    seen: dict[str, int] = {}
    for line, row in rows:
        nip = _nip(line, "nip", row["nip"], problems)
        code = row.get("kode_jabatan", "").strip().upper() or None
        supervisor = row.get("nip_atasan", "").strip() or None
        if supervisor is not None:
            try:
                supervisor = _supervisor_key(supervisor)
            except AccountError as exc:
                problems.append(Problem(line, "nip_atasan", str(exc.message)))
                continue
        if nip is None:
            continue
        if nip in seen:
            problems.append(Problem(line, "nip", _("NIP ini sudah ada di baris %(row)d.", row=seen[nip])))
            continue
        seen[nip] = line
        if supervisor == nip:
            problems.append(Problem(line, "nip_atasan", _("Atasan tidak boleh dirinya sendiri.")))
            supervisor = None  # the row's other cells are still checked
        parsed.append((line, nip, code, supervisor))
    people = _users_by({nip for _l, nip, _c, _s in parsed} | {s for *_r, s in parsed if s})
    positions = {
        p.code: p for p in db.session.scalars(sa.select(Position).where(Position.agency_id == agency.id))
    }
    for line, nip, code, supervisor_nip in parsed:
        person = people.get(nip)
        if person is None:
            problems.append(Problem(line, "nip", _("Pegawai dengan NIP ini tidak terdaftar.")))
        elif person.agency_id != agency.id:
            problems.append(Problem(line, "nip", _("NIP ini terdaftar di instansi lain.")))
        if code is not None and code not in positions:
            problems.append(
                Problem(
                    line,
                    "kode_jabatan",
                    _("Kode jabatan %(code)s tidak ada di instansi ini.", code=code[:40]),
                )
            )
        if supervisor_nip is not None:
            supervisor = people.get(supervisor_nip)
            if supervisor is None:
                problems.append(Problem(line, "nip_atasan", _("Atasan dengan NIP ini tidak terdaftar.")))
            elif supervisor.agency_id != agency.id:
                problems.append(
                    Problem(line, "nip_atasan", _("Atasan dengan NIP ini terdaftar di instansi lain."))
                )
            elif person is not None and supervisor.id == person.id:  # named by email
                problems.append(Problem(line, "nip_atasan", _("Atasan tidak boleh dirinya sendiri.")))
            elif not supervisor.is_verified:
                problems.append(
                    Problem(
                        line,
                        "nip_atasan",
                        str(UNVERIFIED_SUPERVISOR),
                    )
                )
    if "nip_atasan" in columns and not problems:
        problems += _supervisor_cycles(
            agency.id, [(line, people[nip], people.get(s) if s else None) for line, nip, _c, s in parsed]
        )
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column)))
    changed = _apply_many(
        [(people[nip], code, supervisor_nip) for _line, nip, code, supervisor_nip in parsed],
        positions,
        people,
        keep_position="kode_jabatan" not in columns,
        keep_supervisor="nip_atasan" not in columns,
        by=by,
    )
    summaries.sync_people(db.session, changed)
    db.session.flush()
    logger.info(
        "agency %s staff assignments by %s: %d changed of %d",
        agency.id,
        by and by.id,
        len(changed),
        len(parsed),
    )
    return AssignmentSummary(changed=len(changed), unchanged=len(parsed) - len(changed))


def _apply_many(rows, positions, people, *, keep_position: bool, keep_supervisor: bool, by) -> list[int]:
    """Apply checked rows (person, position code, supervisor NIP) with a few queries per chunk
    rather than several per person; the ids of the people whose assignment changed."""
    persons = [person for person, _code, _nip in rows]
    staff_rows: dict[int, StaffPosition] = {}
    supervisors: dict[int, User] = {user.id: user for user in people.values()}
    for start in range(0, len(persons), CHUNK):
        ids = [p.id for p in persons[start : start + CHUNK]]
        staff_rows.update(
            (row.user_id, row)
            for row in db.session.scalars(sa.select(StaffPosition).where(StaffPosition.user_id.in_(ids)))
        )
        wanted = {p.supervisor_id for p in persons[start : start + CHUNK]} - set(supervisors) - {None}
        if wanted:
            supervisors.update(
                (u.id, u) for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))
            )
    by_id = {position.id: position for position in positions.values()}
    changed: list[int] = []
    for person, code, supervisor_nip in rows:
        staff = staff_rows.get(person.id)
        current_position = by_id.get(staff.position_id) if staff and staff.position_id else None
        current_supervisor = supervisors.get(person.supervisor_id) if person.supervisor_id else None
        position = current_position if keep_position else (positions[code] if code else None)
        supervisor = (
            current_supervisor if keep_supervisor else (people[supervisor_nip] if supervisor_nip else None)
        )
        before, after = _values(current_position, current_supervisor), _values(position, supervisor)
        if after == before:
            continue
        if position is not current_position:
            place(person, position, staff=staff or StaffPosition(user_id=person.id), flush=False)
        person.supervisor_id = supervisor.id if supervisor else None
        _log(person, before, after, by)
        changed.append(person.id)
    db.session.flush()
    return changed


def _supervisor_cycles(agency_id: int, rows: list[tuple[int, User, User | None]]) -> list[Problem]:
    """Rows whose supervisor chain, once the file is applied, comes back to the person."""
    edges: dict[int, int | None] = dict(
        db.session.execute(
            sa.select(User.id, User.supervisor_id).where(
                User.agency_id == agency_id, User.supervisor_id.is_not(None)
            )
        ).all()
    )
    for _line, person, supervisor in rows:
        edges[person.id] = supervisor.id if supervisor else None
    problems, names = [], {}
    for line, person, _supervisor in rows:
        chain, current, visited = [person.id], edges.get(person.id), {person.id}
        while current and current not in visited:
            chain.append(current)
            visited.add(current)
            current = edges.get(current)
        if current == person.id:
            missing = [i for i in chain if i not in names]
            if missing:
                names.update(
                    (i, nip or email)
                    for i, nip, email in db.session.execute(
                        sa.select(User.id, User.nip, User.email).where(User.id.in_(missing))
                    )
                )
            problems.append(
                Problem(
                    line,
                    "nip_atasan",
                    _(
                        "Hubungan atasan membentuk lingkaran: %(chain)s.",
                        chain=" → ".join(names[i] for i in [*chain, person.id]),
                    ),
                )
            )
    return problems


def assignment_rows(agency_id: int) -> Iterator[list]:
    """nip, nama, kode_jabatan, nip_atasan of the agency's active people with a NIP (the
    supervisor's email when they have no NIP, which the import accepts too)."""
    boss = aliased(User)
    query = (
        sa.select(User.nip, User.name, Position.code, boss.nip, boss.email)
        .outerjoin(StaffPosition, StaffPosition.user_id == User.id)
        .outerjoin(Position, Position.id == StaffPosition.position_id)
        .outerjoin(boss, boss.id == User.supervisor_id)
        .where(User.agency_id == agency_id, User.nip.is_not(None), User.active.is_(True))
        .order_by(User.nip)
        .execution_options(yield_per=1000)
    )
    for nip, name, code, supervisor_nip, supervisor_email in db.session.execute(query):
        yield [nip, name, code or "", supervisor_nip or supervisor_email or ""]
