"""The printable certificate: A4 landscape PDF in Indonesian, black on white, with a QR code.

Drawn with fpdf2 (pure Python) in DejaVu Serif, a TrueType font that covers Indonesian and the
Latin letters of names. The fonts are subset once to Latin (a few dozen KB) and kept in
instance/cache/fonts, which makes a PDF take tens of milliseconds instead of hundreds. The QR code
(segno) is drawn as vector squares, so it prints sharp on any printer.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import unicodedata
from pathlib import Path

import segno
from babel.dates import format_date
from flask import current_app
from fontTools import subset as ftsubset
from fpdf import FPDF

from .models import Certificate, CertificateSource

logger = logging.getLogger(__name__)
# fontTools reports every subsetting step at INFO: once per PDF is noise in the server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf"}
FAMILY = "DejaVuSerif"
# Basic Latin, Latin-1, Latin Extended-A, and typographic punctuation.
COVERED = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026]
)
PAGE_W, PAGE_H = 297, 210
_font_lock = threading.Lock()


class FontMissing(RuntimeError):
    """The TrueType font is not installed; the message says how to install it."""


def font_source_dir() -> Path:
    return Path(current_app.config.get("CERT_FONT_DIR") or "/usr/share/fonts/truetype/dejavu")


def _subset(source: Path, target: Path) -> None:
    options = ftsubset.Options()
    options.hinting = False
    options.glyph_names = False
    options.layout_features = []
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "MATH"]
    options.notdef_outline = True
    font = ftsubset.load_font(str(source), options)
    try:
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=COVERED)
        subsetter.subset(font)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(fd)
        ftsubset.save_font(font, tmp, options)
    finally:
        font.close()
    os.replace(tmp, target)  # atomic: a concurrent reader never sees half a font


def font_files() -> dict[str, Path]:
    """The Latin subsets of the fonts (made on first use); FontMissing if DejaVu is not installed."""
    source_dir = font_source_dir()
    cache = Path(current_app.instance_path) / "cache" / "fonts"
    found = {}
    for style, name in FONT_FILES.items():
        source = source_dir / name
        target = cache / name.replace(".ttf", "-latin.ttf")
        if not target.exists() or (source.exists() and source.stat().st_mtime > target.stat().st_mtime):
            if not source.exists():
                raise FontMissing(
                    f"Font {source} not found: install the DejaVu fonts (Debian/Ubuntu: apt-get install "
                    f"fonts-dejavu-core) or set CERT_FONT_DIR to a folder with "
                    f"{', '.join(FONT_FILES.values())}"
                )
            with _font_lock:
                cache.mkdir(parents=True, exist_ok=True)
                _subset(source, target)
        found[style] = target
    return found


def printable(text: str) -> str:
    """Text the embedded font can draw: other letters lose their accents, the rest becomes "?"."""
    out = []
    for char in text or "":
        if ord(char) in COVERED:
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) in COVERED)
        out.append(plain or "?")
    return "".join(out)


def format_nip(nip: str | None) -> str:
    """A NIP as printed on official documents: 19850315 201001 1 001."""
    if not nip or len(nip) != 18:
        return nip or ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def long_date(value) -> str:
    return format_date(value, "d MMMM y", locale="id")


class CertificatePDF(FPDF):
    def centred(
        self, y: float, text: str, size: float, style: str = "", *, width: float = 240, spacing: float = 0
    ) -> None:
        self.set_font(FAMILY, style, size)
        self.set_char_spacing(spacing)
        text = printable(text)
        while size > 8 and self.get_string_width(text) > width:
            size -= 0.5
            self.set_font(FAMILY, style, size)
        self.set_xy((PAGE_W - width) / 2, y)
        self.cell(width, size * 0.45, text, align="C")
        self.set_char_spacing(0)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        matrix = segno.make(data, error="m", micro=False).matrix
        module = size / len(matrix)
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    self.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
                else:
                    c += 1


def signatory(pdf: CertificatePDF, cert: Certificate) -> None:
    """The signing official, centred in the column above the QR code."""
    x, width = 178, 100
    pdf.set_font(FAMILY, "", 9.5)
    pdf.set_xy(x, 133)
    pdf.cell(width, 4.5, "Ditandatangani secara elektronik oleh", align="C")
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_xy(x, 138)
    pdf.cell(width, 5, printable(cert.signatory_name), align="C")
    pdf.set_font(FAMILY, "", 9.5)
    pdf.set_xy(x, 143.5)
    pdf.multi_cell(width, 4.2, printable(cert.signatory_position or ""), align="C", max_line_height=4.2)


def document(orientation: str = "P") -> CertificatePDF:
    """An empty A4 document with the DejaVu fonts (family FAMILY, styles "" and "B") added; the
    certificate and the careers transcript are both drawn on one."""
    fonts = font_files()
    pdf = CertificatePDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_compression(True)
    for style, path in fonts.items():
        pdf.add_font(FAMILY, style, str(path))
    for font in pdf.fonts.values():
        # When fpdf2 embeds the glyphs it used, fontTools would decode and re-encode every one to
        # recompute bounding boxes that subsetting cannot change (each glyph keeps its own box; the
        # font's overall box stays a valid bound). Skipping that halves the time of a PDF.
        font.ttfont.recalcBBoxes = False
    return pdf


def render(cert: Certificate, verify_url: str, *, site_name: str) -> bytes:
    """The certificate as an A4 landscape PDF whose QR code opens `verify_url`."""
    pdf = document("L")
    pdf.set_auto_page_break(False)
    pdf.set_title(printable(f"Sertifikat {cert.number}"))
    pdf.set_author(printable(cert.issuer_name))
    pdf.set_subject(printable(cert.title))
    pdf.set_creator(printable(site_name))
    pdf.set_creation_date(cert.issued_at)
    pdf.set_lang("id")
    pdf.add_page()
    pdf.set_text_color(0)
    pdf.set_draw_color(0)
    pdf.set_fill_color(0)

    # A double frame: reads as an official document, costs no ink to speak of. (Square corner
    # marks used to sit inside it; printed, they looked like empty checkboxes.)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)

    pdf.centred(20, cert.issuer_name.upper(), 13, "B", width=230)
    pdf.centred(27, f"melalui {site_name}", 9.5)
    pdf.set_line_width(0.4)
    pdf.line(80, 33, PAGE_W - 80, 33)
    pdf.centred(39, "SERTIFIKAT", 34, "B", spacing=3)
    pdf.centred(56, f"Nomor {cert.number}", 11)
    pdf.centred(68, "diberikan kepada", 12)
    pdf.centred(77, cert.holder_name, 26, "B", width=230)
    if cert.holder_nip:
        pdf.centred(91, f"NIP {format_nip(cert.holder_nip)}", 12)
    is_course = cert.source is CertificateSource.COURSE
    pdf.centred(
        101,
        "atas keberhasilannya menyelesaikan kursus" if is_course else "atas kehadirannya pada webinar",
        12,
    )
    pdf.set_font(FAMILY, "B", 17)
    pdf.set_xy(38, 108)
    pdf.multi_cell(
        PAGE_W - 76, 7.5, printable(cert.title), align="C", max_line_height=7.5, new_x="LMARGIN", new_y="NEXT"
    )
    y = max(pdf.get_y(), 116) + 2
    pdf.centred(y, f"dengan bobot {cert.jp} JP (jam pelajaran; 1 JP = 45 menit)", 11.5)
    y += 8
    if cert.competencies:
        shown = cert.competencies[:3]
        parts = [f"{c['name']} ({c['code']}) level {c['level']}" for c in shown]
        more = len(cert.competencies) - len(shown)
        line = "Kompetensi: " + "; ".join(parts) + (f"; dan {more} lainnya" if more else "")
        pdf.centred(y, line, 10.5, width=225)

    # Bottom: dates and how to check on the left, the QR code on the right.
    pdf.set_font(FAMILY, "", 10)
    pdf.set_xy(22, 160)
    facts = [
        f"Diterbitkan pada {long_date(cert.issued_on)}",
        f"Diselesaikan pada {long_date(cert.completed_on)}",
        f"Instansi penerbit: {cert.issuer_name}",
        "Sertifikat elektronik ini bertanda tangan digital instansi penerbit.",
        "Periksa keasliannya dengan memindai kode QR atau membuka:",
    ]
    for fact in facts:
        pdf.set_x(22)
        pdf.cell(200, 5, printable(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(22)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(200, 5, printable(verify_url), link=verify_url)
    size = 34
    qr_x, qr_y = PAGE_W - 22 - size, 152
    pdf.qr(verify_url, qr_x, qr_y, size)
    pdf.set_font(FAMILY, "", 8)
    pdf.set_xy(qr_x - 6, qr_y + size + 1)
    pdf.cell(size + 12, 4, "Pindai untuk memeriksa", align="C")

    if cert.signatory_name:
        signatory(pdf, cert)

    if cert.is_revoked:
        with pdf.rotation(18, PAGE_W / 2, PAGE_H / 2):
            pdf.centred(PAGE_H / 2 - 14, "DICABUT", 80, "B", width=200, spacing=6)
        reason = f"Sertifikat ini telah dicabut pada {long_date(cert.revoked_on)}: {cert.revocation_reason}"
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_xy(22, 147)
        pdf.multi_cell(200, 5, printable(reason)[:300])
    return bytes(pdf.output())
