"""Forms of the competency catalogue's HR editor."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from ..core.forms import FlaskForm, max_length

DESCRIPTOR = DataRequired(message=_l("Deskriptor level ini wajib diisi."))


class CompetencyForm(FlaskForm):
    """A technical competency: code (fixed once created), name, description, a descriptor per level."""

    code = StringField(
        _l("Kode kompetensi"),
        description=_l("Huruf besar, angka, titik, garis bawah atau tanda hubung, misalnya TK-KEU-01."),
    )
    name = StringField(_l("Nama kompetensi"))
    description = TextAreaField(_l("Deskripsi"), validators=[max_length(5000)])
    level_1 = TextAreaField(_l("Level 1"), validators=[DESCRIPTOR, max_length(2000)])
    level_2 = TextAreaField(_l("Level 2"), validators=[DESCRIPTOR, max_length(2000)])
    level_3 = TextAreaField(_l("Level 3"), validators=[DESCRIPTOR, max_length(2000)])
    level_4 = TextAreaField(_l("Level 4"), validators=[DESCRIPTOR, max_length(2000)])
    level_5 = TextAreaField(_l("Level 5"), validators=[DESCRIPTOR, max_length(2000)])

    def levels(self) -> dict[int, str]:
        return {n: self[f"level_{n}"].data or "" for n in range(1, 6)}
