"""Forms of the quiz pages; labels are lazy (_l) so they follow the user's language.

The question editor's answer rows are repeated inputs (row-text, row-fraction, row-feedback,
row-extra); `question_spec` turns them into the type's definition, which the service validates.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from ..core.forms import choices, max_length, required
from .formats import QuestionSpec
from .models import GradingMethod, Layout, QuestionType, TextFormat, Visibility
from .types.base import format_number

ROWS = 8


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class QuestionForm(FlaskForm):
    category_id = SelectField(_l("Kategori"), coerce=optional_int, validate_choice=False)
    new_category = StringField(_l("Atau kategori baru"), validators=[max_length(255)])
    name = StringField(
        _l("Judul soal"),
        validators=[max_length(255)],
        description=_l("Singkat, untuk daftar soal dan analisis butir."),
    )
    prompt = TextAreaField(_l("Teks soal (Markdown)"), validators=[required(), max_length(20_000)])
    mark = DecimalField(
        _l("Poin"),
        default=1,
        places=None,
        validators=[NumberRange(0.01, 100, message=_l("Isi 0,01 sampai 100."))],
    )
    general_feedback = TextAreaField(
        _l("Umpan balik umum (ditampilkan setelah dinilai)"), validators=[max_length(20_000)]
    )
    correct = SelectField(
        _l("Jawaban yang benar"),
        choices=choices([("true", _l("Benar")), ("false", _l("Salah"))]),
        validate_choice=False,
    )
    feedback_true = StringField(_l("Umpan balik bila menjawab Benar"), validators=[max_length(5000)])
    feedback_false = StringField(_l("Umpan balik bila menjawab Salah"), validators=[max_length(5000)])
    case_sensitive = BooleanField(_l("Bedakan huruf besar dan kecil"))
    wrong_feedback = StringField(_l("Umpan balik untuk jawaban lain"), validators=[max_length(5000)])


def _percent(raw: str, default: float) -> float:
    raw = (raw or "").strip().rstrip("%").replace(",", ".")
    try:
        return float(raw) / 100 if raw else default
    except ValueError:
        return float("nan")


def question_spec(form: QuestionForm, qtype: QuestionType, formdata) -> QuestionSpec:
    """The editor's fields as a spec; rows are read from the repeated row-* inputs."""
    texts, fractions = formdata.getlist("row-text"), formdata.getlist("row-fraction")
    feedbacks, extras = formdata.getlist("row-feedback"), formdata.getlist("row-extra")
    rows = [
        (
            t,
            fractions[i] if i < len(fractions) else "",
            feedbacks[i] if i < len(feedbacks) else "",
            extras[i] if i < len(extras) else "",
        )
        for i, t in enumerate(texts[:50])
    ]
    data: dict = {}
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        data["options"] = [{"text": t, "fraction": _percent(f, 0.0), "feedback": fb} for t, f, fb, _ in rows]
    elif qtype == QuestionType.SHORTANSWER:
        data = {
            "answers": [{"text": t, "fraction": _percent(f, 1.0), "feedback": fb} for t, f, fb, _ in rows],
            "case_sensitive": form.case_sensitive.data,
        }
    elif qtype == QuestionType.NUMERICAL:
        answers = []
        for text, fraction, feedback, extra in rows:
            text = text.strip().replace(",", ".")
            if not text:
                continue
            entry = {"fraction": _percent(fraction, 1.0), "feedback": feedback}
            if ".." in text[1:]:
                low, _, high = (
                    text.partition("..")
                    if not text.startswith("-")
                    else ("-" + text[1:].partition("..")[0], "", text[1:].partition("..")[2])
                )
                entry.update(min=low, max=high)
            else:
                entry.update(value=text, tolerance=(extra or "0").replace(",", "."))
            answers.append(entry)
        data = {"answers": answers, "wrong_feedback": form.wrong_feedback.data or ""}
    elif qtype == QuestionType.MATCHING:
        data["pairs"] = [{"left": t, "right": extra} for t, _, _, extra in rows]
    elif qtype == QuestionType.CLOZE:
        data = {"text": form.prompt.data or ""}  # the gaps are written in the question text
    elif qtype == QuestionType.TRUEFALSE:
        data = {
            "correct": form.correct.data == "true",
            "feedback_true": form.feedback_true.data or "",
            "feedback_false": form.feedback_false.data or "",
        }
    return QuestionSpec(
        qtype=qtype,
        name=form.name.data or "",
        prompt=form.prompt.data or "",
        data=data,
        text_format=TextFormat.MARKDOWN,
        general_feedback=form.general_feedback.data or "",
        mark=float(form.mark.data or 1),
    )


def editor_rows(qtype: QuestionType, data: dict) -> list[dict]:
    """Rows to show in the editor for a question's definition, plus blank ones to add more."""
    rows: list[dict] = []
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        rows = [
            {
                "text": o["text"],
                "fraction": format_number(round(o["fraction"] * 100, 5)),
                "feedback": o.get("feedback", ""),
                "extra": "",
            }
            for o in data.get("options", [])
        ]
    elif qtype == QuestionType.SHORTANSWER:
        rows = [
            {
                "text": a["text"],
                "fraction": format_number(round(a["fraction"] * 100, 5)),
                "feedback": a.get("feedback", ""),
                "extra": "",
            }
            for a in data.get("answers", [])
        ]
    elif qtype == QuestionType.NUMERICAL:
        for a in data.get("answers", []):
            text = (
                f"{format_number(a['min'])}..{format_number(a['max'])}"
                if "min" in a
                else format_number(a["value"])
            )
            rows.append(
                {
                    "text": text,
                    "fraction": format_number(round(a["fraction"] * 100, 5)),
                    "feedback": a.get("feedback", ""),
                    "extra": "" if "min" in a else format_number(a["tolerance"]),
                }
            )
    elif qtype == QuestionType.MATCHING:
        rows = [
            {"text": p["left"], "fraction": "", "feedback": "", "extra": p["right"]}
            for p in data.get("pairs", [])
        ]
    if qtype not in (QuestionType.TRUEFALSE, QuestionType.ESSAY, QuestionType.CLOZE):
        rows += [{"text": "", "fraction": "", "feedback": "", "extra": ""}] * max(2, ROWS - len(rows))
    return rows


class ImportForm(FlaskForm):
    file = FileField(
        _l("Berkas soal"),
        validators=[FileRequired(_l("Pilih berkas."))],
        description=_l("GIFT (.gift/.txt), Aiken (.txt) atau Moodle XML (.xml)."),
    )
    format = SelectField(
        _l("Format"),
        choices=choices(
            [("", _l("Kenali otomatis")), ("gift", "GIFT"), ("aiken", "Aiken"), ("xml", "Moodle XML")]
        ),
    )


class BankForm(FlaskForm):
    name = StringField(_l("Nama bank soal"), validators=[required(), max_length(200)])


def _local(value: datetime | None, timezone: str) -> datetime | None:
    return value.replace(tzinfo=ZoneInfo(timezone)) if value is not None else None


VISIBILITY = choices([(v.value, v.label) for v in Visibility])


class QuizForm(FlaskForm):
    title = StringField(_l("Judul kuis"), validators=[required(), max_length(200)])
    description = TextAreaField(_l("Petunjuk (Markdown)"), validators=[max_length(20_000)])
    module_id = SelectField(_l("Modul"), coerce=optional_int, validate_choice=False)
    published = BooleanField(_l("Terbit (peserta dapat mengerjakan)"))
    required = BooleanField(
        _l("Wajib untuk kelulusan kursus"),
        default=True,
        description=_l(
            "Kuis wajib menjadi syarat kelulusan kursus: peserta harus lulus kuis ini sebelum "
            "kursus dinyatakan selesai dan sertifikat terbit."
        ),
    )
    time_limit_minutes = IntegerField(
        _l("Batas waktu (menit)"), validators=[Optional()], description=_l("Kosongkan bila tidak dibatasi.")
    )
    practice = BooleanField(
        _l("Latihan tanpa batas waktu"),
        description=_l("Peserta dapat mengerjakannya tanpa koneksi; dinilai saat jawaban terkirim."),
    )
    opens_at = DateTimeLocalField(_l("Dibuka pada"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Ditutup pada"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    max_attempts = IntegerField(
        _l("Jumlah kesempatan"), validators=[Optional()], description=_l("Kosongkan bila tidak dibatasi.")
    )
    pass_mark = DecimalField(_l("Nilai lulus (0-100)"), default=70, places=None)
    grading_method = SelectField(
        _l("Nilai akhir dari"), choices=choices([(m.value, m.label) for m in GradingMethod])
    )
    layout = SelectField(_l("Tampilan soal"), choices=choices([(m.value, m.label) for m in Layout]))
    shuffle_questions = BooleanField(_l("Acak urutan soal"), default=True)
    shuffle_options = BooleanField(_l("Acak urutan pilihan jawaban"), default=True)
    show_score = SelectField(_l("Tampilkan nilai"), choices=VISIBILITY)
    show_feedback = SelectField(_l("Tampilkan umpan balik"), choices=VISIBILITY)
    show_answers = SelectField(_l("Tampilkan jawaban benar"), choices=VISIBILITY)

    def local_times(self, timezone: str) -> tuple[datetime | None, datetime | None]:
        return _local(self.opens_at.data, timezone), _local(self.closes_at.data, timezone)


class OverrideForm(FlaskForm):
    user_id = SelectField(_l("Peserta"), coerce=optional_int, validate_choice=False, validators=[required()])
    extra_minutes = IntegerField(_l("Tambahan waktu (menit)"), default=0, validators=[Optional()])
    extra_attempts = IntegerField(_l("Tambahan kesempatan"), default=0, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Batas tutup khusus"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    reason = StringField(_l("Alasan"), validators=[required(), max_length(1000)])


class ReopenForm(FlaskForm):
    minutes = IntegerField(_l("Waktu tambahan (menit)"), default=15)
    reason = StringField(_l("Alasan"), validators=[required(), max_length(1000)])


class RegradeForm(FlaskForm):
    reason = StringField(_l("Alasan penilaian ulang"), validators=[required(), max_length(1000)])


class GradeForm(FlaskForm):
    item_id = IntegerField()
    score = StringField(_l("Nilai"), validators=[required(), max_length(20)])

    def number(self) -> float:
        try:
            return float((self.score.data or "").strip().replace(",", "."))
        except ValueError:
            return -1.0

    comment = TextAreaField(_l("Catatan untuk peserta"), validators=[max_length(5000)])
