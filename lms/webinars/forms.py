from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import NumberRange, Optional

from ..accounts.forms import optional_int
from ..core.forms import FlaskForm, choices, max_length, required, required_input
from ..core.i18n import TIMEZONES
from ..courses.forms import LEVEL_CHOICES

FORMAT = "%Y-%m-%dT%H:%M"


def number_range(low: int, high: int):
    return NumberRange(low, high, message=_l("Isi angka antara %(min)s dan %(max)s."))


class WebinarForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[required(), max_length(200)])
    description = TextAreaField(
        _l("Deskripsi"), validators=[max_length(20000)], description=_l("Boleh memakai Markdown.")
    )
    starts_local = DateTimeLocalField(
        _l("Mulai"),
        format=FORMAT,
        validators=[required_input()],
    )
    ends_local = DateTimeLocalField(_l("Selesai"), format=FORMAT, validators=[required_input()])
    timezone = SelectField(_l("Zona waktu"), choices=choices(TIMEZONES.items()))
    jp = IntegerField(
        _l("JP (jam pelajaran)"), default=0, validators=[required_input(), number_range(0, 100)]
    )
    present_threshold = IntegerField(
        _l("Batas hadir (%)"),
        default=80,
        validators=[required_input(), number_range(1, 100)],
        description=_l("Persentase waktu terjadwal yang harus diikuti agar dihitung hadir."),
    )
    video_url = URLField(
        _l("Tautan video"),
        validators=[Optional(), max_length(500)],
        description=_l("Jitsi, YouTube Live, Zoom, BigBlueButton, dan sebagainya."),
    )
    course_id = SelectField(_l("Bagian dari kursus"), coerce=optional_int, validate_choice=False)
    required_for_course = BooleanField(_l("Wajib diikuti untuk menyelesaikan kursus"))


class CompetenciesForm(FlaskForm):
    """Only the competency levels: what is left to edit once a webinar is over."""


def with_competencies(base: type[FlaskForm], competencies, **kwargs) -> FlaskForm:
    """A form of `base` with one level choice (comp_<code>) per competency of the catalogue.

    kwargs comp_<code>="3" preselect levels; a POST that leaves a choice out keeps its level.
    """

    class Form(base):
        pass

    for competency in competencies:
        # The service validates the level and says what is wrong in Indonesian.
        field = SelectField(
            f"{competency.name} ({competency.code})",
            choices=choices(LEVEL_CHOICES),
            default="",
            validate_choice=False,
        )
        setattr(Form, f"comp_{competency.code}", field)
    return Form(**kwargs)


def competency_levels(form: FlaskForm, competencies) -> list[tuple[str, str]]:
    """(code, level as typed) of every competency given a level in the form."""
    levels = []
    for competency in competencies:
        raw = (form[f"comp_{competency.code}"].data or "").strip()
        if raw:
            levels.append((competency.code, raw))
    return levels


class CohostForm(FlaskForm):
    login = StringField(_l("NIP atau email pemandu pendamping"), validators=[required(), max_length(254)])


class PollForm(FlaskForm):
    question = StringField(_l("Pertanyaan"), validators=[required(), max_length(300)])
    options = TextAreaField(
        _l("Pilihan jawaban"),
        validators=[required(), max_length(1400)],
        description=_l("Satu pilihan per baris, 2 sampai 6 pilihan."),
    )


class CorrectionForm(FlaskForm):
    present = SelectField(_l("Status"), choices=choices([("1", _l("Hadir")), ("0", _l("Tidak hadir"))]))
    minutes = IntegerField(_l("Menit hadir"), validators=[Optional(), number_range(0, 1000)])
    reason = TextAreaField(_l("Alasan koreksi"), validators=[required(), max_length(500)])
