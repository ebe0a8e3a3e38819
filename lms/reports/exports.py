"""What each HR report exports: the file name, sheet, header and rows of one download.

The rows are generators over server-side cursors; the view streams them through the writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from ..accounts.models import Agency
from ..careers.models import Position
from . import completion, compliance, heatmap, readiness, talent, training_history
from .units import subtree_ids

KINDS = ("jp", "heatmap", "talent", "readiness", "training-history", "completion")


@dataclass
class Export:
    basename: str  # the file name without its extension
    sheet: str
    header: list[str]
    rows: Iterable[list]


def report_export(
    kind: str,
    agency: Agency,
    *,
    year: int,
    target: int,
    position: Position | None = None,
    history_year: int | None = None,
    site: str = "",
    jp_minutes: int = 45,
    course_id: int | None = None,
    unit_id: int | None = None,
    status: str = "",
) -> Export:
    """The export of one report of the agency (`position` for readiness, `history_year` optional
    for the training history; `course_id`, `unit_id` and `status` filter the completion report)."""
    base = f"{agency.code.lower()}-{kind}"
    if kind == "jp":
        header = [
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan"),
            _("JP %(year)d", year=year),
            _("Kurang (JP)"),
        ]
        rows = compliance.under_target_rows(agency.id, year, target)
        return Export(f"{base}-{year}", _("JP di bawah target"), header, rows)
    if kind == "heatmap":
        header = [
            _("Kode unit"),
            _("Unit kerja"),
            _("Kode kompetensi"),
            _("Kompetensi"),
            _("Pegawai"),
            _("Memenuhi"),
            _("Belum memenuhi"),
            _("Rata-rata kesenjangan"),
        ]
        return Export(base, _("Peta kesenjangan"), header, heatmap.heatmap_rows(agency.id))
    if kind == "talent":
        header = [
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan"),
            _("Predikat kinerja"),
            _("Kesesuaian kompetensi (%)"),
            _("Kotak"),
        ]
        return Export(base, _("Kotak talenta"), header, talent.ninebox_rows(agency.id))
    if kind == "readiness":
        if position is None or position.agency_id != agency.id:
            raise LookupError("readiness needs a position of this agency")
        header = [
            _("Peringkat"),
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan sekarang"),
            _("Kesesuaian (%)"),
            _("Memenuhi"),
            _("Predikat kinerja"),
            _("JP %(year)d", year=year),
            _("Kesenjangan"),
            _("Bukti"),
        ]
        rows = readiness.readiness_rows(position, year)
        return Export(f"{base}-{position.code.lower()}", _("Kesiapan promosi"), header, rows)
    if kind == "training-history":
        rows = training_history.training_history_rows(
            agency.id, history_year, site=site, jp_minutes=jp_minutes
        )
        return Export(
            base + (f"-{history_year}" if history_year else ""),
            _("Riwayat diklat"),
            training_history.training_history_header(),
            rows,
        )
    if kind == "completion":
        unit_ids = subtree_ids(agency.id, unit_id) if unit_id else None
        if unit_id and unit_ids is None:
            raise LookupError("a unit of another agency")
        rows = completion.export_rows(agency.id, course_id=course_id, unit_ids=unit_ids, status=status)
        name = base + (f"-{course_id}" if course_id else "") + (f"-{status}" if status else "")
        return Export(name, _("Penyelesaian kursus"), completion.export_header(), rows)
    raise LookupError(kind)
