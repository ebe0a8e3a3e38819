from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import FlaskForm, choices, max_length, required, same_as
from ..core.i18n import LANGUAGE_NAMES, TIMEZONES
from . import passwords, services
from .errors import AccountError


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class LoginForm(FlaskForm):
    login = StringField(_l("NIP atau email"), validators=[required(), max_length(254)])
    password = PasswordField(_l("Kata sandi"), validators=[required(), max_length(128)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class RegisterForm(FlaskForm):
    nip = StringField(
        _l("NIP / NI PPPK"),
        validators=[required(), max_length(30)],
        description=_l("18 angka, boleh ditulis dengan spasi."),
    )
    name = StringField(_l("Nama lengkap (dengan gelar)"), validators=[required(), max_length(150)])
    email = EmailField(_l("Email"), validators=[required(), max_length(254)])
    unit_id = SelectField(
        _l("Unit kerja"), coerce=optional_int, validate_choice=False, validators=[required()]
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[required(), max_length(128)],
        description=_l("Minimal 8 karakter."),
    )
    password_confirm = PasswordField(_l("Ulangi kata sandi"), validators=[required(), same_as("password")])

    # Each field is checked by the same rules the service applies, so one submit shows every
    # problem next to its field instead of one per round trip.
    def validate_nip(self, field):
        _check(services.parse_nip, field.data)

    def validate_name(self, field):
        _check(services.clean_name, field.data)

    def validate_email(self, field):
        _check(services.clean_email, field.data)

    def validate_password(self, field):
        _check(passwords.check_password_rules, field.data, personal=(self.nip.data, self.email.data))


def _check(rule, *args, **kwargs) -> None:
    try:
        rule(*args, **kwargs)
    except AccountError as exc:
        raise StopValidation(str(exc)) from None


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[required()])
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[required(), max_length(128)],
        description=_l("Minimal 8 karakter."),
    )
    password_confirm = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[required(), same_as("password")]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email terdaftar"), validators=[required(), max_length(254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[required(), max_length(128)],
        description=_l("Minimal 8 karakter."),
    )
    password_confirm = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[required(), same_as("password")]
    )


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Bahasa"), choices=choices(LANGUAGE_NAMES.items()))
    timezone = SelectField(
        _l("Zona waktu"),
        choices=choices([("", _l("Ikuti instansi")), *TIMEZONES.items()]),
    )


class AgencyForm(FlaskForm):
    code = StringField(_l("Kode instansi"), validators=[required(), max_length(32)])
    name = StringField(_l("Nama instansi"), validators=[required(), max_length(200)])
    timezone = SelectField(_l("Zona waktu"), choices=choices(TIMEZONES.items()))


class UnitForm(FlaskForm):
    code = StringField(_l("Kode unit"), validators=[required(), max_length(32)])
    name = StringField(_l("Nama unit"), validators=[required(), max_length(200)])
    parent_id = SelectField(_l("Unit induk"), coerce=optional_int, validate_choice=False)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(FlaskForm):
    roles = MultiCheckboxField(_l("Peran"), validate_choice=False)
    unit_id = SelectField(_l("Unit kerja"), coerce=optional_int, validate_choice=False)
    active = BooleanField(_l("Akun aktif"))


class CsvImportForm(FlaskForm):
    """One CSV file: the staff import, and the HR imports of competencies, positions and staffing."""

    file = FileField(_l("Berkas CSV"), validators=[FileRequired(_l("Pilih berkas CSV."))])
