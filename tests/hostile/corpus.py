"""Hostile files, generated: each is small on the wire and meant to exhaust a naive parser.

Every upload and import path is tried with them in tests/hostile/test_corpus.py; the unit tests
of each parser use them too.
"""

from __future__ import annotations

import io
import stat
import zipfile


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The 569-byte course.yaml of issue 12: `levels` lists, each naming the previous `width` times."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def course_yaml_alias_bomb(levels: int = 9) -> str:
    """A course.yaml that is otherwise valid, with the bomb hidden under `summary`-less extra keys."""
    return (
        "format: 1\nslug: bom-alias\ntitle: Bom\nmodules:\n  - title: M\n    lessons:\n"
        "      - file: lessons/01.md\n" + alias_bomb(levels)
    )


def recursive_yaml() -> str:
    return "a: &a [*a]\n"


def deep_yaml(depth: int = 10_000) -> str:
    return "[" * depth + "]" * depth + "\n"


def billion_laughs_xml() -> str:
    entities = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        entities.append(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [\n'
        + "\n".join(entities)
        + '\n]>\n<quiz><question type="essay"><name><text>&lol9;</text></name>'
        "<questiontext><text>x</text></questiontext></question></quiz>\n"
    )


def external_entity_xml() -> str:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<quiz><question type="essay"><name><text>&xxe;</text></name>'
        "<questiontext><text>x</text></questiontext></question></quiz>\n"
    )


def deep_xml(depth: int = 100_000) -> str:
    return '<?xml version="1.0"?>\n<quiz>' + "<a>" * depth + "</a>" * depth + "</quiz>\n"


def many_gift(count: int = 100_000) -> str:
    return "".join(f"::S{i}:: Benar? {{T}}\n\n" for i in range(count))


def many_aiken(count: int = 100_000) -> str:
    return "".join(f"Soal {i}?\nA. Ya\nB. Tidak\nANSWER: A\n\n" for i in range(count))


def zip_bytes(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(entries: int = 20, size: int = 19 * 1024 * 1024) -> bytes:
    """A few hundred KB that unpack to `entries` x `size` bytes of zeros."""
    return zip_bytes([(f"media/nol-{i}.png", b"\x00" * size) for i in range(entries)])


def zip_slip() -> bytes:
    return zip_bytes([("course.yaml", b"format: 1\n"), ("../../../tmp/evil.md", b"x")])


def zip_symlink() -> bytes:
    link = zipfile.ZipInfo("media/passwd.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_bytes([("course.yaml", b"format: 1\n"), (link, b"/etc/passwd")])


def zip_many_entries(count: int = 5_000) -> bytes:
    return zip_bytes([(f"lessons/{i:05d}.md", b"") for i in range(count)])


def nul_text() -> bytes:
    return b"kode;nama\x00;jenis\nA\x00B;C;teknis\n"


def huge_csv_field(size: int = 2 * 1024 * 1024) -> bytes:
    return b'nip;nama\n"' + b"9" * size + b'";x\n'


def many_csv_rows(header: str, row: str, count: int = 200_000) -> bytes:
    return (header + "\n" + (row + "\n") * count).encode()
