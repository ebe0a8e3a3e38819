"""Structure of the 18-digit employee numbers of civil servants.

NIP of a PNS:   YYYYMMDD (birth date) + YYYYMM (TMT CPNS, appointment) + G (1 male, 2 female) + NNN
NI of a PPPK:   YYYYMMDD (birth date) + YYYY (year of appointment) + "21" + G + NNN

The two cannot be confused: in a NIP, digits 13-14 are a month (01-12); in a PPPK number they
are the fixed code 21. Structure is validated (real dates, appointment at 18 or older, gender
digit), not only the length.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

MIN_APPOINTMENT_AGE = 18
PPPK_CODE = "21"
_SEPARATORS = re.compile(r"[\s.\-]")


class EmployeeType(enum.StrEnum):
    PNS = "pns"
    PPPK = "pppk"


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class InvalidEmployeeNumber(ValueError):
    """The number is not a structurally valid NIP or PPPK number; str() is for the user."""


@dataclass(frozen=True)
class EmployeeNumber:
    number: str
    employee_type: EmployeeType
    birth_date: date
    appointment_year: int
    appointment_month: int | None  # None for PPPK: their number carries only the year
    gender: Gender
    sequence: int


def normalise(raw: str) -> str:
    """Drop the spaces, dots and dashes people type in numbers ("19850315 201001 1 001")."""
    return _SEPARATORS.sub("", raw or "")


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_employee_number(raw: str, *, today: date | None = None) -> EmployeeNumber:
    """Parse a NIP or PPPK number; raise InvalidEmployeeNumber with a message naming the part."""
    today = today or date.today()
    number = normalise(raw)
    if not number.isdigit() or len(number) != 18:
        raise InvalidEmployeeNumber(_l("NIP atau NI PPPK harus terdiri dari 18 angka."))
    birth = _real_date(int(number[0:4]), int(number[4:6]), int(number[6:8]))
    if birth is None or birth.year < 1900 or birth > today:
        raise InvalidEmployeeNumber(_l("Tanggal lahir pada NIP (angka ke-1 sampai ke-8) tidak valid."))

    is_pppk = number[12:14] == PPPK_CODE
    year = int(number[8:12])
    month = None if is_pppk else int(number[12:14])
    if not is_pppk and not 1 <= month <= 12:
        raise InvalidEmployeeNumber(_l("Bulan pengangkatan pada NIP (angka ke-13 dan ke-14) tidak valid."))
    if (year, month or 12) < (birth.year + MIN_APPOINTMENT_AGE, birth.month):
        raise InvalidEmployeeNumber(
            _l("Bulan pengangkatan pada NIP jatuh sebelum pemiliknya berusia 18 tahun.")
        )
    if (year, month or 1) > (today.year + 1, today.month):
        raise InvalidEmployeeNumber(_l("Bulan pengangkatan pada NIP berada di masa depan."))

    gender_digit = number[14]
    if gender_digit not in "12":
        raise InvalidEmployeeNumber(
            _l("Angka ke-15 NIP (jenis kelamin) harus 1 (laki-laki) atau 2 (perempuan).")
        )
    sequence = int(number[15:18])
    if sequence == 0:
        raise InvalidEmployeeNumber(_l("Nomor urut pada NIP (tiga angka terakhir) tidak boleh 000."))
    return EmployeeNumber(
        number=number,
        employee_type=EmployeeType.PPPK if is_pppk else EmployeeType.PNS,
        birth_date=birth,
        appointment_year=year,
        appointment_month=month,
        gender=Gender.MALE if gender_digit == "1" else Gender.FEMALE,
        sequence=sequence,
    )
