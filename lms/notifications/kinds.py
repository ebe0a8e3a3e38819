"""The kinds of notice: what each one says, in the reader's language, from its stored params.

A notice stores only its parameters (names of things, ISO dates, site paths); the sentence is
written when it is read or mailed, in the reader's language and time zone. Parameter names say
how they are written: `*_date` an ISO date, `*_at` an ISO time (shown in the reader's zone),
`*_path` a site path (made absolute from PUBLIC_BASE_URL), `status` a training request answer.

The kind "evaluation" comes from lms.evaluations (`evaluation_waiting`, user=, title=, url=,
key=), through `listeners.on_evaluation_waiting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core.i18n import TIMEZONE_ABBREVIATIONS


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # lazy: what the settings page calls this kind of mail
    title: object  # lazy sentence with %(param)s
    text: object
    text_without_date: object | None = None  # when the notice has no `due_date`


COURSE_ASSIGNED = "course_assigned"
COURSE_REMINDER = "course_reminder"
DUE_IN_7_DAYS = "due_in_7_days"
DUE_TOMORROW = "due_tomorrow"
OVERDUE = "overdue"
CERTIFICATE_ISSUED = "certificate_issued"
TRAINING_REQUEST_ANSWERED = "training_request_answered"
WEBINAR_TOMORROW = "webinar_tomorrow"
WEBINAR_SOON = "webinar_soon"
EVALUATION = "evaluation"
EXTERNAL_LEARNING_ANSWERED = "external_learning_answered"

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            COURSE_ASSIGNED,
            _l("Kursus yang ditugaskan kepada saya"),
            _l("Kursus ditugaskan: %(course)s"),
            _l('Anda ditugaskan mengikuti kursus "%(course)s" dengan tenggat %(due_date)s.'),
            _l('Anda ditugaskan mengikuti kursus "%(course)s".'),
        ),
        Kind(
            COURSE_REMINDER,
            _l("Pengingat dari HR tentang kursus yang ditugaskan"),
            _l("Pengingat: selesaikan kursus %(course)s"),
            _l('HR mengingatkan Anda untuk menyelesaikan kursus "%(course)s" sebelum %(due_date)s.'),
            _l('HR mengingatkan Anda untuk menyelesaikan kursus "%(course)s".'),
        ),
        Kind(
            DUE_IN_7_DAYS,
            _l("Tenggat kursus dalam 7 hari"),
            _l("Tenggat kursus %(course)s: %(days)s hari lagi"),
            _l('Kursus "%(course)s" perlu diselesaikan paling lambat %(due_date)s.'),
        ),
        Kind(
            DUE_TOMORROW,
            _l("Tenggat kursus besok"),
            _l("Tenggat kursus %(course)s besok"),
            _l('Kursus "%(course)s" perlu diselesaikan paling lambat besok, %(due_date)s.'),
        ),
        Kind(
            OVERDUE,
            _l("Kursus melewati tenggat"),
            _l("Kursus %(course)s melewati tenggat"),
            _l('Tenggat kursus "%(course)s" sudah lewat (%(due_date)s). Mohon selesaikan secepatnya.'),
        ),
        Kind(
            CERTIFICATE_ISSUED,
            _l("Sertifikat yang terbit untuk saya"),
            _l("Sertifikat terbit: %(title)s"),
            _l(
                'Selamat, sertifikat "%(title)s" nomor %(number)s sudah terbit. '
                "Keasliannya dapat diperiksa siapa pun di %(verify_path)s"
            ),
        ),
        Kind(
            TRAINING_REQUEST_ANSWERED,
            _l("Jawaban atas permintaan pelatihan saya"),
            _l("Permintaan pelatihan Anda sudah dijawab"),
            _l('HR menjawab permintaan pelatihan Anda untuk kompetensi "%(competency)s": %(status)s.'),
        ),
        Kind(
            WEBINAR_TOMORROW,
            _l("Webinar yang dimulai besok"),
            _l("Webinar besok: %(webinar)s"),
            _l('Webinar "%(webinar)s" dimulai pada %(starts_at)s. Buka ruang webinar pada waktunya.'),
        ),
        Kind(
            WEBINAR_SOON,
            _l("Webinar yang dimulai satu jam lagi"),
            _l("Webinar satu jam lagi: %(webinar)s"),
            _l('Webinar "%(webinar)s" dimulai pada %(starts_at)s. Ruang webinar sudah dapat dibuka.'),
        ),
        Kind(
            EVALUATION,
            _l("Evaluasi pelatihan yang menunggu jawaban saya"),
            _l("Evaluasi menunggu: %(title)s"),
            _l('Mohon isi evaluasi "%(title)s". Jawaban Anda membantu memperbaiki pelatihan.'),
        ),
        Kind(
            EXTERNAL_LEARNING_ANSWERED,
            _l("Jawaban atas laporan pelatihan saya di luar platform"),
            _l("Laporan pelatihan Anda sudah diperiksa: %(title)s"),
            _l('SDM memeriksa laporan pelatihan "%(title)s": %(status)s. %(reason)s'),
        ),
    )
}

STATUS_LABELS = {  # training requests, and reports of learning elsewhere
    "accepted": _l("Disetujui"),
    "declined": _l("Belum dapat dipenuhi"),
    "approved": _l("disetujui dan JP-nya sudah tercatat"),
    "returned": _l("dikembalikan untuk diperbaiki"),
    "revoked": _l("persetujuannya dicabut"),
}


class _Params(dict):
    def __missing__(self, name: str) -> str:
        return ""  # a parameter an older notice lacks: the sentence still reads


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str


def _value(name: str, value, *, locale: str, zone: str, base_url: str) -> str:
    if value is None:
        return ""
    if name.endswith("_date"):
        return format_date(date.fromisoformat(value), "long", locale=locale)
    if name.endswith("_at"):
        moment = datetime.fromisoformat(value)
        text = format_datetime(moment, "EEEE, d MMMM y HH:mm", tzinfo=ZoneInfo(zone), locale=locale)
        return f"{text} {TIMEZONE_ABBREVIATIONS.get(zone, zone)}"
    if name.endswith("_path"):
        return f"{base_url.rstrip('/')}{value}"
    if name == "status":
        return str(STATUS_LABELS.get(value, value))
    return str(value)


def render(kind_name: str, params: dict, *, locale: str, zone: str, base_url: str = "") -> Rendered:
    """The title and sentence of a notice in `locale`, times in `zone`, links under `base_url`."""
    kind = KINDS.get(kind_name)
    if kind is None:  # a kind this version no longer knows
        return Rendered(title=kind_name, text="")
    with force_locale(locale):
        values = _Params(
            (name, _value(name, value, locale=locale, zone=zone, base_url=base_url))
            for name, value in params.items()
        )
        text = kind.text
        if kind.text_without_date is not None and not params.get("due_date"):
            text = kind.text_without_date
        return Rendered(title=str(kind.title) % values, text=str(text) % values)
