"""Certificate numbers: readable, safe to say on the phone, impossible to guess.

A number is "ASN-" + 16 random characters of Crockford's base32 alphabet (80 bits: no I, L, O
or U, so nothing is mistaken for 1 or 0) in groups of four + one check character (Luhn mod 32),
e.g. ASN-7K3M-9QXD-2HTV-5BWA-Q. Typed numbers are normalised before lookup: case, spaces, dashes
and dots do not matter, O reads as 0 and I or L as 1; the prefix may be left out. The check
character catches a single mistyped character and most swapped neighbours before any lookup.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
PREFIX = "ASN"
RANDOM_CHARS = 16  # 80 bits
BITS = RANDOM_CHARS * 5
LENGTH = len(PREFIX) + 1 + RANDOM_CHARS + RANDOM_CHARS // 4 + 1  # "ASN-XXXX-XXXX-XXXX-XXXX-C" = 25
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


class MalformedNumber(ValueError):
    """A typed number that cannot be a certificate number; str() is a message for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of a body of alphabet characters."""
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * _INDEX[char]
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]


def format_number(body: str) -> str:
    """ "ASN-XXXX-XXXX-XXXX-XXXX-C" from the 16 random characters."""
    groups = [body[i : i + 4] for i in range(0, RANDOM_CHARS, 4)]
    return "-".join([PREFIX, *groups, check_character(body)])


def generate() -> str:
    """A new random number (80 bits from the operating system's CSPRNG)."""
    value = secrets.randbits(BITS)
    body = "".join(ALPHABET[(value >> shift) & 31] for shift in range(BITS - 5, -1, -5))
    return format_number(body)


def normalise(raw: str | None) -> str:
    """The canonical form of a typed number; raise MalformedNumber with a clear message."""
    text = _SEPARATORS.sub("", (raw or "").upper())
    if not text:
        raise MalformedNumber(_l("Masukkan nomor sertifikat."))
    if len(text) == len(PREFIX) + RANDOM_CHARS + 1 and text.startswith(PREFIX):
        text = text[len(PREFIX) :]
    text = text.translate(_LOOKALIKES)
    if len(text) != RANDOM_CHARS + 1:
        raise MalformedNumber(
            _l(
                'Nomor sertifikat terdiri atas 17 huruf dan angka setelah "ASN" '
                "(contoh: ASN-7K3M-9QXD-2HTV-5BWA-Q); nomor yang Anda masukkan berisi %(n)d.",
                n=len(text),
            )
        )
    wrong = sorted({char for char in text if char not in _INDEX})
    if wrong:
        raise MalformedNumber(
            _l(
                "Nomor sertifikat tidak memakai karakter %(chars)s. Periksa kembali nomor Anda.",
                chars=", ".join(wrong),
            )
        )
    body, check = text[:RANDOM_CHARS], text[RANDOM_CHARS]
    if check_character(body) != check:
        raise MalformedNumber(
            _l("Nomor sertifikat ini tidak sah: ada karakter yang salah ketik. Periksa kembali nomor Anda.")
        )
    return format_number(body)


def try_normalise(raw: str | None) -> tuple[str | None, str | None]:
    """(canonical number, None) or (None, message) — for lists where one bad line must not stop the rest."""
    try:
        return normalise(raw), None
    except MalformedNumber as exc:
        return None, str(exc)
