"""The attendance report as CSV (for Excel: UTF-8 with BOM, semicolons) and XLSX, both through
the platform's one export writer (lms/core/tabular.py, lms/core/xlsx.py): streamed, and names
people typed themselves cannot run as spreadsheet formulas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core import tabular
from ..core.i18n import TIMEZONE_ABBREVIATIONS
from ..core.xlsx import xlsx_chunks
from ..extensions import db
from .models import Attendance, AttendanceCorrection, Webinar
from .services import ReportRow, to_local


def corrections(webinar: Webinar) -> list[tuple[AttendanceCorrection, User]]:
    """The log of corrections to this webinar's attendance, newest first, with whose record."""
    query = (
        sa.select(AttendanceCorrection, User)
        .join(Attendance, AttendanceCorrection.attendance_id == Attendance.id)
        .join(User, Attendance.user_id == User.id)
        .where(Attendance.webinar_id == webinar.id)
        .options(joinedload(AttendanceCorrection.by))
        .order_by(AttendanceCorrection.created_at.desc(), AttendanceCorrection.id.desc())
    )
    return [(correction, user) for correction, user in db.session.execute(query)]


def header(zone: str) -> list[str]:
    abbreviation = TIMEZONE_ABBREVIATIONS.get(zone, zone)
    return [
        _("NIP"),
        _("Nama"),
        _("Unit kerja"),
        _("Pertama masuk (%(zone)s)", zone=abbreviation),
        _("Terakhir keluar (%(zone)s)", zone=abbreviation),
        _("Menit"),
        _("Persentase kehadiran"),
        _("Hadir"),
    ]


def values(row: ReportRow, zone: str) -> list:
    """One row: times as naive wall-clock datetimes of the viewer's zone, share as 0..1."""
    record = row.attendance
    first = to_local(record.first_join_at, zone) if record and record.first_join_at else None
    last = to_local(record.last_leave_at, zone) if record and record.last_leave_at else None
    return [
        row.user.nip or "",
        row.user.name,
        row.user.unit.name if row.user.unit else "",
        first,
        last,
        record.minutes if record else 0,
        record.share if record else 0.0,
        _("Ya") if record and record.present else _("Tidak"),
    ]


def csv_rows(rows: Iterable[ReportRow], zone: str) -> Iterator[list]:
    """The rows for the CSV: times as "YYYY-MM-DD HH:MM" of the zone, the share as "83.3%"."""
    for row in rows:
        cells = values(row, zone)
        for index in (3, 4):
            cells[index] = cells[index].strftime("%Y-%m-%d %H:%M") if cells[index] is not None else ""
        cells[6] = f"{cells[6] * 100:.1f}%"
        yield cells


def to_csv(rows: Iterable[ReportRow], zone: str) -> Iterator[bytes]:
    """The attendance report as CSV for Excel (UTF-8 with BOM, semicolons), streamed and guarded."""
    return tabular.csv_chunks(header(zone), csv_rows(rows, zone))


def to_xlsx(rows: Iterable[ReportRow], zone: str, title: str) -> Iterator[bytes]:
    """The attendance report as XLSX: the webinar's title above the header, real date-times in
    the zone, the share as a percentage; streamed and guarded like every export."""
    return xlsx_chunks(
        header(zone),
        (values(row, zone) for row in rows),
        sheet=_("Kehadiran"),
        title=title,
        formats={0: "text", 3: "datetime", 4: "datetime", 6: "percent"},
        widths={0: 20, 1: 32, 2: 32, 3: 18, 4: 18},
    )
