"""WTForms' and Flask-WTF's own validator messages, in the viewer's language.

WTForms ships no Indonesian catalogue, so its messages ("Not a valid integer value.") would reach
Indonesian pages in English. Every form derives from `lms.core.forms.FlaskForm`, whose Meta hands
WTForms this object as its translations: each known English message is looked up here and goes
through our own catalogue (Indonesian is the source language, English its translation).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
    "Field must be equal to %(other_name)s.": _l("Isian harus sama dengan %(other_name)s."),
    "Field must be between %(min)d and %(max)d characters long.": _l(
        "Isian harus %(min)d sampai %(max)d karakter."
    ),
    "Number must be at least %(min)s.": _l("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": _l("Angka paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Angka harus antara %(min)s dan %(max)s."),
    "Date must be at least %(min)s.": _l("Tanggal paling awal %(min)s."),
    "Date must be at most %(max)s.": _l("Tanggal paling akhir %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Tanggal harus antara %(min)s dan %(max)s."),
    "This field is required.": _l("Wajib diisi."),
    "Invalid input.": _l("Isian tidak sah."),
    "Invalid email address.": _l("Alamat email tidak sah."),
    "Invalid URL.": _l("Alamat web (URL) tidak sah."),
    "Invalid value, must be one of: %(values)s.": _l("Pilih salah satu dari: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Isian tidak boleh salah satu dari: %(values)s."),
    "This field cannot be edited.": _l("Isian ini tidak dapat diubah."),
    "This field is disabled and cannot have a value.": _l("Isian ini dinonaktifkan dan tidak boleh diisi."),
    "Invalid CSRF Token.": _l("Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    "CSRF token missing.": _l("Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    "CSRF failed.": _l("Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    "CSRF token expired.": _l("Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    "Invalid Choice: could not coerce.": _l("Pilihan tidak dikenal. Pilih salah satu dari daftar."),
    "Not a valid choice.": _l("Pilihan tidak dikenal. Pilih salah satu dari daftar."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l(
        "Pilihan tidak dikenal. Pilih salah satu dari daftar."
    ),
    "Not a valid datetime value.": _l("Tanggal dan jam tidak sah. Pilih tanggal dan jam dari kalender."),
    "Not a valid date value.": _l("Tanggal tidak sah. Pilih tanggal dari kalender."),
    "Not a valid time value.": _l("Jam tidak sah."),
    "Not a valid week value.": _l("Minggu tidak sah."),
    "Not a valid integer value.": _l("Isi dengan bilangan bulat, misalnya 10."),
    "Not a valid decimal value.": _l("Isi dengan angka, misalnya 2,5."),
    "Not a valid float value.": _l("Isi dengan angka, misalnya 2,5."),
    "File does not have an approved extension.": _l("Jenis berkas ini tidak diterima."),
}
# ngettext messages, by their singular; Indonesian has one form for every count.
PLURALS = {
    "Field must be at least %(min)d character long.": _l("Minimal %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": _l("Maksimal %(max)d karakter."),
    "Field must be exactly %(max)d character long.": _l("Harus tepat %(max)d karakter."),
    "'%(value)s' is not a valid choice for this field.": _l("'%(value)s' bukan pilihan yang tersedia."),
}


class ValidatorTranslations:
    """The `gettext`/`ngettext` pair WTForms asks its form Meta for."""

    def gettext(self, string: str) -> str:
        message = MESSAGES.get(string)
        return str(message) if message is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        message = PLURALS.get(singular)
        if message is not None:
            return str(message)
        return singular if n == 1 else plural


translations = ValidatorTranslations()
