"""The attendance report as CSV (for Excel: UTF-8 with BOM, semicolons) and XLSX.

XLSX is written with XlsxWriter in constant_memory mode (rows streamed in order), the choice
for every spreadsheet export of the platform.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..core.i18n import TIMEZONE_ABBREVIATIONS
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


def to_csv(rows: Iterable[ReportRow], zone: str) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header(zone))
    for row in rows:
        cells = values(row, zone)
        for index in (3, 4):
            cells[index] = (
                cells[index].strftime("%Y-%m-%d %H:%M") if isinstance(cells[index], datetime) else ""
            )
        cells[6] = f"{cells[6] * 100:.1f}%"
        writer.writerow(cells)
    return buffer.getvalue()


def to_xlsx(rows: Iterable[ReportRow], zone: str, title: str) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm"}
    )
    sheet = workbook.add_worksheet(_("Kehadiran")[:31])
    bold = workbook.add_format({"bold": True})
    percent = workbook.add_format({"num_format": "0.0%"})
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 2, 32)
    sheet.set_column(3, 4, 18)
    sheet.write_string(0, 0, title, bold)
    sheet.write_row(1, 0, header(zone), bold)
    for number, row in enumerate(rows, start=2):
        cells = values(row, zone)
        sheet.write_string(number, 0, cells[0])  # a NIP is text, never an 18-digit number
        sheet.write_string(number, 1, cells[1])
        sheet.write_string(number, 2, cells[2])
        for column in (3, 4):
            if cells[column] is not None:
                sheet.write_datetime(number, column, cells[column])
        sheet.write_number(number, 5, cells[5])
        sheet.write_number(number, 6, cells[6], percent)
        sheet.write_string(number, 7, cells[7])
    workbook.close()
    return output.getvalue()
