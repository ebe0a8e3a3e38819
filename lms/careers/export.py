"""Streamed CSV and XLSX exports, and the SIASN-style training history of an agency.

Rows come from generators over server-side cursors (`yield_per`), so a whole agency is never in
memory. CSV goes out as it is written; so does XLSX: its worksheets are SpreadsheetML written row
by row into a zip that stream-zip compresses on the fly (no temporary file, first bytes at once).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import numbers
import re
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, stream_with_context
from flask_babel import gettext as _
from stream_zip import ZIP_32, stream_zip

from ..accounts.identity import verified
from ..accounts.models import Agency, User
from ..courses.models import Course, Enrolment
from ..extensions import db
from . import jp
from .models import JpRecord, LearningKind

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
HISTORY_PEOPLE = 500  # people whose training history is read (and sorted) in one query
XLSX_MAX_ROWS = 1_048_576  # rows of a worksheet, the header included (Excel's limit)
XLSX_MAX_CELL_CHARS = 32_767  # characters of a cell (Excel's limit)
XLSX_MAX_SHEET_BYTES = 3 * 1024**3  # a worksheet stays well under the 4 GiB of a Zip32 member
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
    yield buffer.getvalue()  # the download starts before the first row is computed
    buffer.seek(0)
    buffer.truncate()
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


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cell(ref: str, value, style: str = "") -> str:
    """One cell of SpreadsheetML: text inline (no shared-string table to hold in memory), numbers
    as numbers; the same formula safety as the CSV. The most frequent types are tested first:
    this runs for every cell of an agency."""
    kind = type(value)
    if kind is str:
        if not value:
            return ""
        if value[0] in FORMULA_START:
            value = "'" + value
        if not value.isprintable():  # rare: tabs, new lines, or characters XML cannot hold
            value = _ILLEGAL_XML.sub("", value)
        value = value[:XLSX_MAX_CELL_CHARS]
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind is int or kind is float:
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime | date):
        return _cell(ref, value.isoformat(), style)
    if isinstance(value, numbers.Real | Decimal) and math.isfinite(value):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    return _cell(ref, str(value), style)


def _sheet_name(sheet: str, number: int) -> str:
    name = " ".join(re.sub(r"[\\/*?:\[\]]", " ", sheet).split()).strip("'") or "Data"
    return name[:31] if number == 1 else f"{name[:24]} ({number})"


class _Rows:
    """The rows with a look-ahead, shared by the worksheets they are spread over."""

    def __init__(self, rows: Iterable[list]):
        self._rows = iter(rows)
        self._next = next(self._rows, _END)

    @property
    def left(self) -> bool:
        return self._next is not _END

    def take(self):
        row, self._next = self._next, next(self._rows, _END)
        return row


_END = object()


def _worksheet(header: list[str], rows: _Rows) -> Iterator[bytes]:
    """One worksheet's XML, row by row, until the rows end or the sheet is full."""
    letters = _column_letters(len(header))
    parts = [_WORKSHEET_START, '<row r="1">']
    parts += [_cell(f"{letters[i]}1", str(v), ' s="1"') for i, v in enumerate(header)]
    parts.append("</row>")
    size, buffered = 0, 0
    number = 1
    while rows.left and number < XLSX_MAX_ROWS and size < XLSX_MAX_SHEET_BYTES:
        number += 1
        row = rows.take()
        if len(row) > len(letters):
            letters = _column_letters(len(row))
        cells = "".join([_cell(f"{letters[i]}{number}", v) for i, v in enumerate(row)])
        line = f'<row r="{number}">{cells}</row>'
        parts.append(line)
        buffered += len(line)
        if buffered >= CHUNK_BYTES:
            data = "".join(parts).encode()
            size += len(data)
            yield data
            parts, buffered = [], 0
    parts.append("</sheetData></worksheet>")
    yield "".join(parts).encode()


def xlsx_chunks(sheet: str, header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """An XLSX workbook streamed as it is written: the zip (stream-zip) gets each worksheet's XML
    row by row, so the first bytes leave at once and memory stays flat whatever the size.

    A worksheet holds 1,048,576 rows at most (Excel's limit): the rows then continue on a new
    sheet, "Name (2)", with the header repeated. The parts that name the sheets (workbook.xml
    and its relationships) come last in the zip, once the number of sheets is known; the
    content types cover every worksheet by extension, so they can come first.
    """
    modified = datetime.now(UTC).replace(tzinfo=None)
    names: list[str] = []

    def member(name: str, data: Iterable[bytes]):
        return name, modified, 0o600, ZIP_32, data

    def members():
        yield member("[Content_Types].xml", [_CONTENT_TYPES])
        yield member("_rels/.rels", [_ROOT_RELS])
        yield member("xl/styles.xml", [_STYLES])
        pending = _Rows(rows)
        while not names or pending.left:
            names.append(_sheet_name(sheet, len(names) + 1))
            yield member(f"xl/worksheets/sheet{len(names)}.xml", _worksheet(header, pending))
        sheets = "".join(
            f'<sheet name="{xml_escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, start=1)
        )
        yield member("xl/workbook.xml", [(_WORKBOOK % sheets).encode()])
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        styles = f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        yield member("xl/_rels/workbook.xml.rels", [(_RELATIONSHIPS % (relations + styles)).encode()])

    yield from stream_zip(members(), chunk_size=CHUNK_BYTES, get_compressobj=_compressor)


def _compressor():
    # Level 1: about three times faster than stream-zip's default 9 on worksheet XML, for files
    # about a third larger; an export of a whole agency is bound by this CPU time.
    return zlib.compressobj(level=1, wbits=-zlib.MAX_WBITS)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
).encode()
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
).encode()
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()
_WORKBOOK = _XML_HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>%s</sheets></workbook>'
_RELATIONSHIPS = _XML_HEAD + f'<Relationships xmlns="{_PKG_REL}">%s</Relationships>'
_WORKSHEET_START = (
    _XML_HEAD + f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
# Characters XML 1.0 cannot hold (a worksheet with one of them would not open).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
        .where(User.agency_id == agency_id, verified(), Enrolment.completed_at.is_not(None))
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
        .where(User.agency_id == agency_id, verified())
    )
    if year is not None:
        zone = ZoneInfo(agency_zone)
        start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
        end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
        courses = courses.where(Enrolment.completed_at >= start, Enrolment.completed_at < end)
        others = others.where(JpRecord.ended_on >= date(year, 1, 1), JpRecord.ended_on <= date(year, 12, 31))
    low, high = sa.bindparam("low"), sa.bindparam("high")
    union = sa.union_all(
        courses.where(User.id.between(low, high)), others.where(User.id.between(low, high))
    ).subquery("history")
    query = sa.select(union).order_by(union.c.user_id, union.c.ended, union.c.end_day)
    people = (
        sa.select(User.id)
        .where(User.agency_id == agency_id, verified())
        .order_by(User.id)
        .limit(HISTORY_PEOPLE)
    )
    course_kind = _("E-learning (kursus daring)")
    last = 0
    # A batch of people at a time, in the order of the file: sorting the history of a whole
    # agency at once would keep the first byte waiting for seconds.
    while ids := db.session.scalars(people.where(User.id > last)).all():
        last = ids[-1]
        for row in db.session.execute(query, {"low": ids[0], "high": last}):
            zone_name = row.timezone or agency_zone
            zone = zone_of.get(zone_name) or zone_of.setdefault(zone_name, ZoneInfo(zone_name))
            if row.kind == "course":
                kind, started, ended = (
                    course_kind,
                    _local_date(row.started, zone),
                    _local_date(row.ended, zone),
                )
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
