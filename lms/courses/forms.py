"""Forms of the course pages; labels are lazy (_l) so they follow the user's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from ..core.forms import FlaskForm, choices, max_length, required


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


LEVEL_CHOICES = [("", _l("Tidak diberikan"))] + [(str(n), _l("Level %(n)d", n=n)) for n in range(1, 6)]


class CourseForm(FlaskForm):
    title = StringField(_l("Judul kursus"), validators=[required(), max_length(200)])
    summary = TextAreaField(
        _l("Ringkasan"),
        validators=[max_length(5000)],
        description=_l("Tampil di katalog. Tulis singkat apa yang dipelajari peserta."),
    )
    category = StringField(
        _l("Kategori"),
        validators=[max_length(100)],
        description=_l("Misalnya: Manajemen Kinerja, Pengembangan Kompetensi."),
    )
    jp = IntegerField(
        _l("Jam pelajaran (JP)"),
        default=0,
        validators=[NumberRange(0, 1000, message=_l("Isi dengan angka 0 sampai 1000."))],
        description=_l("1 JP = 45 menit."),
    )


def course_form(competencies, criteria, **kwargs) -> CourseForm:
    """A course form with one level choice per competency and one choice per completion criterion."""

    class Form(CourseForm):
        pass

    for competency in competencies:
        setattr(
            Form,
            f"comp_{competency.code}",
            SelectField(competency.name, choices=choices(LEVEL_CHOICES), default="", validate_choice=False),
        )
    for criterion in criteria:
        options = list(criterion.options)
        if not criterion.default:
            options = [("", _l("Tidak dipakai")), *options]
        # The service validates the choice and says what is wrong in Indonesian.
        setattr(
            Form,
            f"rule_{criterion.name}",
            SelectField(
                criterion.label,
                choices=choices(options),
                default=criterion.default or "",
                validate_choice=False,
            ),
        )
    return Form(**kwargs)


class ModuleForm(FlaskForm):
    title = StringField(_l("Judul modul"), validators=[required(), max_length(200)])
    summary = TextAreaField(_l("Ringkasan modul"), validators=[max_length(5000)])


class LessonForm(FlaskForm):
    title = StringField(_l("Judul pelajaran"), validators=[required(), max_length(200)])
    body_md = TextAreaField(
        _l("Isi pelajaran (Markdown)"),
        validators=[max_length(200_000)],
        description=_l(
            "Gunakan ## untuk subjudul, **tebal**, - untuk daftar. Gambar dan lampiran: "
            "![keterangan](media/nama-berkas.png) atau [Unduh](media/panduan.pdf)."
        ),
    )
    duration_minutes = IntegerField(
        _l("Perkiraan waktu (menit)"),
        default=0,
        validators=[NumberRange(0, 1440, message=_l("Isi 0 sampai 1440."))],
    )
    required = BooleanField(_l("Wajib untuk kelulusan"), default=True)
    video_url = StringField(
        _l("Tautan video (opsional)"),
        validators=[max_length(500)],
        description=_l("Alamat https:// video di platform video."),
    )
    video_media_id = SelectField(_l("Atau video yang diunggah"), coerce=optional_int, validate_choice=False)


class MediaForm(FlaskForm):
    file = FileField(
        _l("Berkas"),
        validators=[FileRequired(_l("Pilih berkas."))],
        description=_l("Gambar (PNG, JPEG, GIF, WebP, SVG), PDF, atau video MP4/WebM."),
    )


class BundleForm(FlaskForm):
    file = FileField(_l("Berkas zip bundel kursus"), validators=[FileRequired(_l("Pilih berkas zip."))])
    publish = BooleanField(_l("Terbitkan setelah diimpor"), default=False)


class AssignForm(FlaskForm):
    unit_id = SelectField(
        _l("Unit kerja (beserta sub-unitnya)"),
        coerce=optional_int,
        validate_choice=False,
        validators=[required()],
    )
    due_date = DateField(_l("Tenggat"), validators=[Optional()])
