import re

import pytest

from lms.certificates import numbers
from lms.certificates.numbers import MalformedNumber


def test_generated_numbers_are_readable_and_carry_80_bits():
    seen = {numbers.generate() for _ in range(2000)}
    assert len(seen) == 2000
    for number in list(seen)[:200]:
        char = "[0-9A-HJKMNP-TV-Z]"
        assert re.fullmatch(rf"ASN-{char}{{4}}(-{char}{{4}}){{3}}-{char}", number)
        assert not set(number[4:]) & set("ILOU")
        assert numbers.normalise(number) == number
    assert numbers.BITS >= 80


@pytest.mark.parametrize(
    "typed",
    [
        "asn-7k3m-9qxd-2htv-5bwa-{c}",
        "ASN 7K3M 9QXD 2HTV 5BWA {c}",
        "7K3M9QXD2HTV5BWA{c}",
        "  asn7k3m9qxd2htv5bwa{c}  ",
        "ASN-7K3M-9QXD-2HTV-5BWA-{c}".replace("-", "\u2013"),
        "asn.7k3m.9qxd.2htv.5bwa.{c}",
    ],
)
def test_typed_numbers_are_normalised(typed):
    body = "7K3M9QXD2HTV5BWA"
    canonical = numbers.format_number(body)
    check = canonical[-1]
    assert numbers.normalise(typed.format(c=check.lower())) == canonical


def test_lookalike_letters_read_as_digits():
    canonical = numbers.format_number("10Q0K3M9QXD2HTV1")
    typed = canonical.replace("1", "l").replace("0", "O").lower()
    assert numbers.normalise(typed) == canonical
    assert numbers.normalise(canonical.replace("1", "I")) == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Masukkan nomor"),
        ("   ", "Masukkan nomor"),
        ("ASN-7K3M", "17 huruf dan angka"),
        ("ASN-7K3M-9QXD-2HTV-5BWA-QQQQ", "17 huruf dan angka"),
        ("ASN-7K3M-9QXD-2HTV-5BWA-U", "tidak memakai karakter U"),
        ("ASN-7K3M-9QXD-2HTV-5B*A-Q", "tidak memakai karakter *"),
        ("<script>alert(1)</script>!!", "17 huruf dan angka"),
    ],
)
def test_malformed_numbers_are_rejected_with_a_clear_message(app, typed, message):
    with app.test_request_context(), pytest.raises(MalformedNumber) as caught:
        numbers.normalise(typed)
    assert message in str(caught.value)


def test_check_character_catches_a_typo_and_swapped_neighbours(app):
    canonical = numbers.generate()
    body = canonical[4:].replace("-", "")[:16]
    typo = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    swapped_at = next(i for i in range(15) if body[i] != body[i + 1])
    swapped = body[:swapped_at] + body[swapped_at + 1] + body[swapped_at] + body[swapped_at + 2 :]
    with app.test_request_context():
        for wrong in (typo, swapped):
            with pytest.raises(MalformedNumber, match="salah ketik"):
                numbers.normalise(wrong + canonical[-1])
