"""Aiken: single-choice questions as plain text (docs.moodle.org/en/Aiken_format).

    Apa kepanjangan JP?
    A. Jam pelajaran
    B. Jam pelatihan
    ANSWER: A

The question may span several lines, options are a capital letter followed by "." or ")" and
then, as in Moodle's importer, an optional space ("A)Jayapura", "A) Jayapura", "A. Jayapura"); the
ANSWER line ends the question. Texts are plain text, shown exactly as written (Moodle escapes them
too). Only single-choice questions without feedback can be written.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from ..models import QuestionType, TextFormat
from .spec import MAX_QUESTIONS, FormatProblem, Parsed, QuestionSpec, default_name, too_many_questions

_OPTION = re.compile(r"^\s*([A-Z])[.)][ \t]?(.*\S)\s*$")
_ANSWER = re.compile(r"^\s*ANSWER\s*:\s*(\S*)\s*$")


_ANSWER_LINES = re.compile(r"^\s*ANSWER\s*:", re.MULTILINE)


def read(text: str) -> Parsed:
    parsed = Parsed()
    if len(_ANSWER_LINES.findall(text)) > MAX_QUESTIONS:
        parsed.problems.append(too_many_questions())
        return parsed
    prompt: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0

    def reset():
        prompt.clear()
        options.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if options:
                parsed.problems.append(
                    FormatProblem(
                        number,
                        default_name(" ".join(prompt), plain=True),
                        str(_l("Baris ANSWER: belum ditulis sebelum baris kosong.")),
                    )
                )
                reset()
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line) if prompt else None
        if answer:
            name = default_name(" ".join(prompt), plain=True)
            letter = answer.group(1).upper()
            letters = [key for key, _ in options]
            if not prompt:
                parsed.problems.append(FormatProblem(number, None, str(_l("ANSWER: tanpa soal."))))
            elif len(options) < 2:
                parsed.problems.append(
                    FormatProblem(start, name, str(_l("Tulis minimal dua pilihan (A., B., ...).")))
                )
            elif len(letter) != 1 or letter not in letters:
                parsed.problems.append(
                    FormatProblem(
                        number,
                        name,
                        str(
                            _l(
                                "ANSWER: %(a)s tidak cocok dengan pilihan %(l)s.",
                                a=answer.group(1) or "-",
                                l=", ".join(letters),
                            )
                        ),
                    )
                )
            elif len(set(letters)) != len(letters):
                parsed.problems.append(FormatProblem(start, name, str(_l("Huruf pilihan ditulis dua kali."))))
            else:
                parsed.questions.append(
                    QuestionSpec(
                        qtype=QuestionType.SINGLE,
                        name=name,
                        prompt="\n".join(prompt),
                        text_format=TextFormat.PLAIN,
                        line=start,
                        data={
                            "options": [
                                {"text": text_, "fraction": 1.0 if key == letter else 0.0, "feedback": ""}
                                for key, text_ in options
                            ]
                        },
                    )
                )
            reset()
        elif option and (options or prompt):
            options.append((option.group(1).upper(), option.group(2)))
        elif options:
            parsed.problems.append(
                FormatProblem(
                    number,
                    default_name(" ".join(prompt), plain=True),
                    str(_l("Setelah pilihan hanya boleh ada pilihan lain (A., B., ...) atau baris ANSWER:.")),
                )
            )
        else:
            if not prompt:
                start = number
            prompt.append(line.strip())
    if prompt or options:
        parsed.problems.append(
            FormatProblem(
                start,
                default_name(" ".join(prompt), plain=True),
                str(_l("Soal terakhir belum memiliki baris ANSWER:.")),
            )
        )
    return parsed


def writable(q) -> bool:
    data = q.data
    return (
        QuestionType(q.qtype) == QuestionType.SINGLE
        and len(data["options"]) <= 26
        and sorted(o["fraction"] for o in data["options"])[-2:] == [0.0, 1.0]
        and all(o["fraction"] in (0.0, 1.0) for o in data["options"])
    )


def write(questions) -> tuple[str, int]:
    """(Aiken text, number of questions left out because Aiken cannot express them)."""
    out, skipped = [], 0
    for q in questions:
        if not writable(q):
            skipped += 1
            continue
        lines = [" ".join(q.prompt.split())]
        answer = "A"
        for index, option in enumerate(q.data["options"]):
            letter = chr(ord("A") + index)
            lines.append(f"{letter}. {' '.join(option['text'].split())}")
            if option["fraction"] == 1.0:
                answer = letter
        lines.append(f"ANSWER: {answer}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out), skipped
