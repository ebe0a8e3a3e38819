"""The transcript: a PDF of everything a person's JP ledger counts, every year, for them to keep
or hand to a selection committee. Completed courses and webinars attended (with their
certificate numbers and public verification links), and learning elsewhere that HR recorded or
approved. A course or webinar whose certificate was revoked is left out, as the ledger leaves it
out of the JP.

Drawn on the certificates' PDF stack (fpdf2, DejaVu fonts); text in the reader's language, dates
and numbers through Babel.
"""

from __future__ import annotations

import logging
from datetime import date

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from ..accounts.models import User
from ..certificates.pdf import FAMILY, document, format_nip, printable
from ..certificates.services import verify_url
from ..core.clock import utcnow
from . import jp
from .jp_sources import JpItem

logger = logging.getLogger(__name__)

MARGIN = 15
COLUMNS = (10, 36, 119, 15)  # No, dates, learning, JP: 180 mm between the margins


def transcript_rows(person: User) -> list[JpItem]:
    """Every line the person's ledger counts, oldest first (revoked certificates left out)."""
    return [item for item in jp.ledger_items(person, None) if not item.revoked]


def _day(value: date) -> str:
    return format_date(value, "d MMM y")


def _dates(item: JpItem) -> str:
    if item.started and item.started != item.on:
        return f"{printable(_day(item.started))} –\n{printable(_day(item.on))}"
    return printable(_day(item.on))


def _describe(item: JpItem, link: str | None) -> str:
    kind = item.detail + (f" · {item.organizer}" if item.organizer else "")
    lines = [item.title, kind]
    if item.certificate:
        lines.append(_("Nomor sertifikat: %(number)s", number=item.certificate))
    if link:
        lines.append(_("Verifikasi: %(url)s", url=link))
    return "\n".join(printable(line) for line in lines)


def render(person: User, items: list[JpItem], *, base_url: str, site_name: str) -> bytes:
    """The transcript as an A4 PDF; verification links are absolute under `base_url`."""
    pdf = document("P")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_title(printable(_("Transkrip pembelajaran %(name)s", name=person.name)))
    pdf.set_author(printable(site_name))
    pdf.set_creator(printable(site_name))
    pdf.set_creation_date(utcnow())
    pdf.set_lang(str(get_locale() or "id"))
    pdf.add_page()
    pdf.set_text_color(0)

    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(0, 8, printable(_("TRANSKRIP PEMBELAJARAN")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9.5)
    pdf.cell(0, 5, printable(site_name), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    facts = [(_("Nama"), person.name)]
    if person.nip:
        facts.append((_("NIP"), format_nip(person.nip)))
    if person.agency is not None:
        facts.append((_("Instansi"), person.agency.name))
    if person.unit is not None:
        facts.append((_("Unit kerja"), person.unit.name))
    facts.append((_("Dicetak pada"), _day(utcnow().date())))
    for label, value in facts:
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(32, 5.5, printable(label))
        pdf.multi_cell(0, 5.5, printable(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    if not items:
        pdf.multi_cell(
            0, 6, printable(_("Belum ada pembelajaran yang tercatat.")), new_x="LMARGIN", new_y="NEXT"
        )
        return bytes(pdf.output())

    pdf.set_font(FAMILY, "", 9)
    pdf.set_draw_color(120)
    with pdf.table(
        col_widths=COLUMNS,
        text_align=("RIGHT", "LEFT", "LEFT", "RIGHT"),
        line_height=4.6,
        padding=1.2,
        first_row_as_headings=True,
        repeat_headings=1,
    ) as table:
        header = table.row()
        for text in (_("No."), _("Tanggal"), _("Pembelajaran"), _("JP")):
            header.cell(printable(text))
        for number, item in enumerate(items, start=1):
            link = (
                verify_url(item.certificate, base_url)
                if item.certificate and item.kind != "jp_record"
                else None
            )
            row = table.row()
            row.cell(format_decimal(number))
            row.cell(_dates(item))
            row.cell(_describe(item, link), link=link)
            row.cell(format_decimal(item.jp))
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 10.5)
    total = sum(item.jp for item in items)
    pdf.cell(
        0,
        6,
        printable(
            _(
                "Jumlah: %(n)s JP dari %(count)s pembelajaran",
                n=format_decimal(total),
                count=format_decimal(len(items)),
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FAMILY, "", 8.5)
    pdf.multi_cell(
        0,
        4.5,
        printable(
            _(
                "1 JP (jam pelajaran) = %(n)s menit. Keaslian sertifikat kursus dan webinar dapat "
                "diperiksa melalui tautan verifikasinya.",
                n=format_decimal(jp.jp_minutes()),
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
