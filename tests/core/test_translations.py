"""The English catalogue is complete: every UI string in the code has a translation that keeps
its placeholders. (`make i18n` extracts and merges; this fails until the new strings are translated.)"""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "lms/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _ids(message) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(message)


def test_every_ui_string_has_an_english_translation_with_the_same_placeholders():
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    in_code = {
        _ids(message)[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }
    with CATALOGUE.open("rb") as po:
        catalogue = {
            message.id if isinstance(message.id, str) else message.id[0]: message
            for message in read_po(po)
            if message.id
        }
    missing = sorted(in_code - catalogue.keys())
    assert not missing, f"not in the catalogue (run `make i18n`): {missing[:10]}"
    problems = []
    for msgid in sorted(in_code):
        message = catalogue[msgid]
        strings = _ids(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        for source, target in zip(_ids(message.id), strings, strict=False):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                problems.append(f"placeholders differ: {source!r} -> {target!r}")
    assert not problems, "\n".join(problems[:20])
