"""The base form and validators with messages in the user's language (WTForms ships no Indonesian)."""

import flask_wtf
from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from .validator_messages import translations


class FlaskForm(flask_wtf.FlaskForm):
    """Every form of the platform: WTForms' own messages come out in the viewer's language."""

    class Meta:
        def get_translations(self, form):
            return translations


def required():
    return DataRequired(message=_l("Wajib diisi."))


def required_input():
    return InputRequired(message=_l("Wajib diisi."))


def max_length(n: int):
    return Length(max=n, message=_l("Maksimal %(max)d karakter."))


def same_as(field: str):
    return EqualTo(field, message=_l("Kedua isian kata sandi tidak sama."))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def form_error(form, exc) -> None:
    """Show a domain error next to its field (exc.field names it), or above the form."""
    name = getattr(exc, "field", None)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")
