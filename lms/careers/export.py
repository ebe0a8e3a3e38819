"""Streamed CSV and XLSX exports, and the SIASN-style training history of an agency.

Rows come from generators over server-side cursors (`yield_per`), so a whole agency is never in
memory: CSV goes out as it is written; XLSX is written by XlsxWriter in constant_memory mode to a
temporary file (a zip can only be finished at the end) and then streamed out in chunks.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import xlsxwriter
from flask import Response, current_app, stream_with_context
from flask_babel import gettext as _

from ..accounts.models import Agency, User
from ..courses.models import Course, Enrolment
from ..extensions import db
from . import jp
from .models import JpRecord, LearningKind

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
XLSX_MAX_ROWS = 1_048_576
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text in chunks: UTF-8 with BOM and ";" (what Excel in Indonesian opens directly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    return Response(
        stream_with_context(csv_chunks(header, rows)), mimetype="text/csv", headers=_disposition(filename)
    )


def xlsx_chunks(sheet: str, header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """An XLSX file written in constant memory, then read out in chunks (a new sheet every
    1,048,575 rows, the limit of a worksheet)."""
    with tempfile.TemporaryDirectory(prefix="lms-export-") as folder:
        path = os.path.join(folder, "export.xlsx")
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "tmpdir": folder,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        bold = workbook.add_format({"bold": True})
        sheets = 0
        worksheet = None
        row_number = XLSX_MAX_ROWS
        for row in rows:
            if row_number >= XLSX_MAX_ROWS:
                sheets += 1
                worksheet = workbook.add_worksheet(sheet[:28] if sheets == 1 else f"{sheet[:24]} ({sheets})")
                worksheet.write_row(0, 0, header, bold)
                row_number = 1
            worksheet.write_row(row_number, 0, [_safe(value) for value in row])
            row_number += 1
        if worksheet is None:
            workbook.add_worksheet(sheet[:28]).write_row(0, 0, header, bold)
        workbook.close()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk


def xlsx_response(filename: str, sheet: str, header: list[str], rows: Iterable[list]) -> Response:
    return Response(
        stream_with_context(xlsx_chunks(sheet, header, rows)),
        mimetype=XLSX_MIMETYPE,
        headers=_disposition(filename),
    )


def respond(fmt: str, basename: str, sheet: str, header: list[str], rows: Iterable[list]) -> Response:
    """The export as CSV or XLSX (anything but "xlsx" is CSV)."""
    if fmt == "xlsx":
        return xlsx_response(f"{basename}.xlsx", sheet, header, rows)
    return csv_response(f"{basename}.csv", header, rows)


# ---------------------------------------------------------------- training history for SIASN


def training_history_header() -> list[str]:
    return [
        _("NIP"),
        _("Nama"),
        _("Jenis diklat"),
        _("Nama diklat"),
        _("Penyelenggara"),
        _("Tanggal mulai"),
        _("Tanggal selesai"),
        _("Tahun"),
        _("Durasi (jam)"),
        _("JP"),
        _("Nomor sertifikat"),
    ]


def _local_date(value: datetime | None, zone: ZoneInfo) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).date()


def training_history_rows(agency_id: int, year: int | None = None) -> Iterator[list]:
    """Every completed course and every JP record of the agency's people, person by person."""
    site = current_app.config.get("SITE_NAME", "")
    minutes = jp.jp_minutes()
    zone_of: dict[str, ZoneInfo] = {}
    agency_zone = (
        db.session.scalar(sa.select(Agency.timezone).where(Agency.id == agency_id)) or "Asia/Jakarta"
    )
    courses = (
        sa.select(
            User.id.label("user_id"),
            User.nip,
            User.name,
            User.timezone,
            sa.literal("course").label("kind"),
            Course.title,
            Agency.name.label("organizer"),
            Enrolment.enrolled_at.label("started"),
            Enrolment.completed_at.label("ended"),
            sa.cast(sa.null(), sa.Date).label("start_day"),
            sa.cast(sa.null(), sa.Date).label("end_day"),
            Course.jp,
            sa.cast(sa.null(), sa.Integer).label("minutes"),
            sa.literal("", sa.String).label("certificate"),
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Agency, Agency.id == Course.owner_agency_id)
        .where(User.agency_id == agency_id, Enrolment.completed_at.is_not(None))
    )
    others = (
        sa.select(
            User.id.label("user_id"),
            User.nip,
            User.name,
            User.timezone,
            JpRecord.kind,
            JpRecord.title,
            JpRecord.organizer,
            sa.cast(sa.null(), sa.DateTime(timezone=True)),
            sa.cast(sa.null(), sa.DateTime(timezone=True)),
            JpRecord.started_on,
            JpRecord.ended_on,
            JpRecord.jp,
            JpRecord.minutes,
            JpRecord.certificate_number,
        )
        .select_from(JpRecord)
        .join(User, User.id == JpRecord.user_id)
        .where(User.agency_id == agency_id)
    )
    if year is not None:
        zone = ZoneInfo(agency_zone)
        start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
        courses = courses.where(Enrolment.completed_at >= start, Enrolment.completed_at < end)
        others = others.where(JpRecord.ended_on >= date(year, 1, 1), JpRecord.ended_on <= date(year, 12, 31))
    union = sa.union_all(courses, others).subquery("history")
    query = (
        sa.select(union)
        .order_by(union.c.user_id, union.c.ended, union.c.end_day)
        .execution_options(yield_per=2000)
    )
    course_kind = _("E-learning (kursus daring)")
    for row in db.session.execute(query):
        zone_name = row.timezone or agency_zone
        zone = zone_of.get(zone_name) or zone_of.setdefault(zone_name, ZoneInfo(zone_name))
        if row.kind == "course":
            kind, started, ended = course_kind, _local_date(row.started, zone), _local_date(row.ended, zone)
            organizer = row.organizer or site
        else:
            kind, started, ended = LearningKind(row.kind).label, row.start_day, row.end_day
            organizer = row.organizer or ""
        hours = round((row.minutes if row.minutes is not None else row.jp * minutes) / 60, 2)
        yield [
            row.nip or "",
            row.name,
            kind,
            row.title,
            organizer,
            started,
            ended,
            ended.year if ended else "",
            hours,
            row.jp,
            row.certificate or "",
        ]
