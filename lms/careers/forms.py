"""Forms of the careers pages; labels are lazy (_l) so they follow the user's language.

Choices are filled by the views; services validate the values and say what is wrong.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import FlaskForm, choices, max_length, required
from .models import (
    BERAKHLAK_VALUES,
    POSITION_TYPE_LABELS,
    AppraisalPeriod,
    LearningKind,
    Rating,
    RequestStatus,
)


def optional_int(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


LEVEL_CHOICES = [("", _l("Pilih level"))] + [(str(n), _l("Level %(n)d", n=n)) for n in range(1, 6)]


class TargetForm(FlaskForm):
    target_position_id = SelectField(_l("Jabatan tujuan"), coerce=optional_int, validate_choice=False)


class TrainingRequestForm(FlaskForm):
    competency_id = SelectField(
        _l("Kompetensi yang ingin dikembangkan"), coerce=optional_int, validate_choice=False
    )
    message = TextAreaField(
        _l("Pelatihan yang Anda butuhkan"),
        validators=[required(), max_length(500)],
        description=_l(
            "Misalnya: pelatihan penyusunan laporan keuangan untuk tugas baru saya. 10 sampai 500 karakter."
        ),
    )


RATING_CHOICES = [("", _l("Pilih rating"))] + [(r.value, r.label) for r in Rating]


class AppraisalForm(FlaskForm):
    """Work results, the seven BerAKHLAK values (fields behaviour_<code>, added below), notes."""

    year = IntegerField(_l("Tahun"), validators=[required()])
    period = SelectField(
        _l("Periode"), choices=choices((p.value, p.label) for p in AppraisalPeriod), validate_choice=False
    )
    work_rating = SelectField(
        _l("Rating hasil kerja"), choices=choices(RATING_CHOICES), validate_choice=False
    )
    notes = TextAreaField(_l("Catatan dan umpan balik"), validators=[max_length(5000)])

    @property
    def behaviour_fields(self):
        return [self[f"behaviour_{code}"] for code in BERAKHLAK_VALUES]

    def behaviour_data(self) -> dict[str, str]:
        return {code: self[f"behaviour_{code}"].data or "" for code in BERAKHLAK_VALUES}


for _code, _name in BERAKHLAK_VALUES.items():
    setattr(
        AppraisalForm,
        f"behaviour_{_code}",
        SelectField(
            _name,
            choices=choices(RATING_CHOICES),
            validate_choice=False,
            validators=[DataRequired(message=_l("Pilih rating untuk nilai ini."))],
        ),
    )


class ResponseForm(FlaskForm):
    response = TextAreaField(_l("Tanggapan Anda"), validators=[required(), max_length(2000)])


class PositionAssignForm(FlaskForm):
    position_id = SelectField(_l("Jabatan sekarang"), coerce=optional_int, validate_choice=False)
    since = DateField(_l("Sejak tanggal"), validators=[Optional()])
    supervisor_nip = StringField(
        _l("NIP atasan langsung"),
        validators=[max_length(254)],
        description=_l(
            "18 digit (atau email, bila atasan tidak memiliki NIP). Kosongkan bila pegawai tidak "
            "memiliki atasan langsung."
        ),
    )


class AssessmentForm(FlaskForm):
    competency_id = SelectField(_l("Kompetensi"), coerce=optional_int, validate_choice=False)
    level = SelectField(
        _l("Level yang dicapai"), choices=choices(LEVEL_CHOICES), coerce=optional_int, validate_choice=False
    )
    achieved_on = DateField(_l("Tanggal asesmen"), validators=[Optional()])
    evidence = StringField(
        _l("Bukti"),
        validators=[required(), max_length(500)],
        description=_l("Misalnya: Laporan assessment center No. 800/123/BKPSDM/2025."),
    )


class RevokeForm(FlaskForm):
    reason = StringField(_l("Alasan pencabutan"), validators=[required(), max_length(500)])


class JpRecordForm(FlaskForm):
    kind = SelectField(
        _l("Jenis pembelajaran"),
        choices=choices([(k.value, k.label) for k in LearningKind]),
        validate_choice=False,
    )
    title = StringField(_l("Nama pelatihan atau kegiatan"), validators=[required(), max_length(200)])
    organizer = StringField(_l("Penyelenggara"), validators=[max_length(200)])
    started_on = DateField(_l("Tanggal mulai"), validators=[Optional()])
    ended_on = DateField(_l("Tanggal selesai"), validators=[Optional()])
    jp = IntegerField(
        _l("Jumlah JP"),
        validators=[Optional(), NumberRange(1, 1000, message=_l("Isi dengan angka 1 sampai 1000."))],
    )
    minutes = IntegerField(
        _l("atau durasi (menit)"),
        validators=[Optional(), NumberRange(1, 45000, message=_l("Isi dengan angka 1 sampai 45000."))],
    )
    evidence = StringField(
        _l("Bukti"),
        validators=[required(), max_length(500)],
        description=_l("Misalnya: Surat tugas No. 800/45/2025 atau sertifikat."),
    )
    certificate_number = StringField(_l("Nomor sertifikat"), validators=[max_length(100)])


class AnswerForm(FlaskForm):
    status = SelectField(
        _l("Jawaban"),
        choices=choices([(s.value, s.label) for s in RequestStatus if s is not RequestStatus.OPEN]),
        validate_choice=False,
    )
    answer = TextAreaField(_l("Pesan untuk pegawai"), validators=[required(), max_length(2000)])


class ConfirmForm(FlaskForm):
    """A POST with only the CSRF token."""


REQUIREMENT_CHOICES = [("", _l("Tidak disyaratkan"))] + [
    (str(n), _l("Level %(n)d", n=n)) for n in range(1, 6)
]


class PositionForm(FlaskForm):
    """A position; one select per competency (req_<id>) is added by `position_form`.

    The service checks every value (the same rules as the CSV import), so fields carry no
    validators of their own."""

    code = StringField(
        _l("Kode jabatan"),
        description=_l("Huruf besar, angka, titik, garis bawah atau tanda hubung; unik di instansi."),
    )
    name = StringField(_l("Nama jabatan"))
    type = SelectField(
        _l("Jenis jabatan"),
        choices=choices(
            [("", _l("Pilih jenis"))] + [(t.value, label) for t, label in POSITION_TYPE_LABELS.items()]
        ),
        validate_choice=False,
    )
    description = TextAreaField(_l("Uraian jabatan"), validators=[max_length(5000)])
    next_codes = SelectMultipleField(
        _l("Jabatan berikutnya (jalur karier)"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )

    def requirement_fields(self):
        return [(c, self[f"req_{c.id}"]) for c in self.competencies]

    def requirement_data(self) -> list[tuple[str, str]]:
        return [(c.code, field.data) for c, field in self.requirement_fields() if field.data]


def position_form(competencies, others, position=None, *, prefill=False) -> PositionForm:
    """The position form with a level select per competency and the agency's other positions;
    `prefill` fills it from the position (on GET; a POST brings its own values)."""

    class Form(PositionForm):
        pass

    for competency in competencies:
        setattr(
            Form,
            f"req_{competency.id}",
            SelectField(competency.name, choices=choices(REQUIREMENT_CHOICES), validate_choice=False),
        )
    kwargs = {}
    if position is not None and prefill:
        kwargs.setdefault("code", position.code)
        kwargs.setdefault("name", position.name)
        kwargs.setdefault("type", position.type.value)
        kwargs.setdefault("description", position.description)
        kwargs.setdefault("next_codes", [path.to_position.code for path in position.next_paths])
        for requirement in position.requirements:
            kwargs.setdefault(f"req_{requirement.competency_id}", str(requirement.level))
    form = Form(**kwargs)
    form.competencies = competencies
    form.next_codes.choices = choices(
        (p.code, f"{p.name} ({p.code})") for p in others if position is None or p.id != position.id
    )
    return form


# ---------------------------------------------------------------- learning elsewhere

COMPETENCY_ROWS = 3


class ExternalLearningForm(FlaskForm):
    kind = SelectField(
        _l("Jenis pembelajaran"),
        choices=choices([(k.value, k.label) for k in LearningKind]),
        validate_choice=False,
    )
    title = StringField(_l("Nama pelatihan"), validators=[required(), max_length(200)])
    organizer = StringField(
        _l("Penyelenggara"),
        validators=[required(), max_length(200)],
        description=_l("Misalnya: BPSDM Provinsi Maluku, LAN, LKPP."),
    )
    started_on = DateField(_l("Tanggal mulai"), validators=[Optional()])
    ended_on = DateField(_l("Tanggal selesai"), validators=[Optional()])
    jp = IntegerField(
        _l("Jumlah JP"),
        validators=[Optional(), NumberRange(1, 1000, message=_l("Isi dengan angka 1 sampai 1000."))],
        description=_l("Seperti tertulis di sertifikat (1 JP = 45 menit)."),
    )
    certificate_number = StringField(_l("Nomor sertifikat"), validators=[max_length(100)])
    evidence = FileField(
        _l("Berkas bukti (PDF atau foto)"),
        description=_l("Sertifikat atau surat keterangan, PDF/JPEG/PNG/WebP, paling besar 5 MB."),
    )

    def competency_pairs(self) -> list[tuple[int | None, int | None]]:
        return [
            (self[f"competency_{n}"].data, optional_int(self[f"level_{n}"].data))
            for n in range(1, COMPETENCY_ROWS + 1)
        ]

    def competency_rows(self):
        return [(self[f"competency_{n}"], self[f"level_{n}"]) for n in range(1, COMPETENCY_ROWS + 1)]


for _n in range(1, COMPETENCY_ROWS + 1):
    setattr(
        ExternalLearningForm,
        f"competency_{_n}",
        SelectField(_l("Kompetensi %(n)d", n=_n), coerce=optional_int, validate_choice=False),
    )
    setattr(
        ExternalLearningForm,
        f"level_{_n}",
        SelectField(
            _l("Level kompetensi %(n)d", n=_n), choices=choices(LEVEL_CHOICES), validate_choice=False
        ),
    )


class ExternalAnswerForm(FlaskForm):
    decision = SelectField(
        _l("Keputusan"),
        choices=choices(
            [("approve", _l("Setujui: JP dihitung")), ("return", _l("Kembalikan untuk diperbaiki"))]
        ),
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Alasan untuk pegawai"),
        validators=[max_length(2000)],
        description=_l("Wajib diisi bila laporan dikembalikan atau persetujuan dicabut."),
    )
