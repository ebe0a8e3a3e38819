"""Forms of the certificate pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from ..core.forms import FlaskForm, max_length, required


class SignatoryForm(FlaskForm):
    name = StringField(_l("Nama penanda tangan (dengan gelar)"), validators=[max_length(150)])
    position = StringField(
        _l("Jabatan penanda tangan"),
        validators=[max_length(200)],
        description=_l("Misalnya: Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia."),
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan pencabutan"),
        validators=[required(), Length(min=5, max=500, message=_l("Tuliskan 5 sampai 500 karakter."))],
        description=_l("Alasan ini ditampilkan di halaman verifikasi publik."),
    )


class BulkVerifyForm(FlaskForm):
    numbers = TextAreaField(_l("Nomor sertifikat, satu per baris"), validators=[max_length(60_000)])
    file = FileField(
        _l("Atau unggah berkas CSV"),
        description=_l('Kolom bernama "nomor" (atau kolom pertama). Maksimal %(n)d nomor.', n=500),
    )


class CredentialForm(FlaskForm):
    token = TextAreaField(_l("Isi berkas kredensial (.jwt)"), validators=[required(), max_length(200_000)])
