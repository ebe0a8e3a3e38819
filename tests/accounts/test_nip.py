from datetime import date

import pytest

from lms.accounts.nip import EmployeeType, Gender, InvalidEmployeeNumber, parse_employee_number

TODAY = date(2026, 11, 23)


def parse(raw):
    return parse_employee_number(raw, today=TODAY)


def test_pns_nip_is_decoded():
    number = parse("198503152010011001")
    assert number.employee_type is EmployeeType.PNS
    assert number.birth_date == date(1985, 3, 15)
    assert (number.appointment_year, number.appointment_month) == (2010, 1)
    assert number.gender is Gender.MALE
    assert number.sequence == 1


def test_pppk_number_is_decoded():
    number = parse("199402142022212001")
    assert number.employee_type is EmployeeType.PPPK
    assert number.birth_date == date(1994, 2, 14)
    assert number.appointment_year == 2022
    assert number.appointment_month is None
    assert number.gender is Gender.FEMALE


@pytest.mark.parametrize("raw", ["19850315 201001 1 001", "19850315.201001.1.001", " 19850315-201001-1-001 "])
def test_separators_people_type_are_accepted(raw):
    assert parse(raw).number == "198503152010011001"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "18 angka"),
        ("12345", "18 angka"),
        ("1985031520100110011", "18 angka"),
        ("19850315201001100A", "18 angka"),
        ("198502302010011001", "Tanggal lahir"),  # 30 February
        ("198513012010011001", "Tanggal lahir"),  # month 13
        ("202701012045011001", "Tanggal lahir"),  # born in the future
        ("198503152010131001", "Bulan pengangkatan"),  # appointment month 13
        ("198503152010001001", "Bulan pengangkatan"),  # appointment month 00
        ("198503152003021001", "18 tahun"),  # appointed at 17
        ("198503152003031001", None),  # appointed the month of the 18th birthday: valid
        ("199003152030011001", "masa depan"),
        ("198503152010013001", "jenis kelamin"),
        ("198503152010010001", "jenis kelamin"),
        ("198503152010011000", "000"),
        ("200502142015212001", "18 tahun"),  # PPPK appointed at 10
    ],
)
def test_structure_is_validated(raw, fragment):
    if fragment is None:
        assert parse(raw).number == raw
        return
    with pytest.raises(InvalidEmployeeNumber) as info:
        parse(raw)
    assert fragment in str(info.value)


def test_female_gender_digit():
    assert parse("199203102019032001").gender is Gender.FEMALE
