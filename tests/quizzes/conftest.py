import pytest

from lms.accounts.models import Role
from lms.courses import learning
from lms.quizzes import services
from tests import factories

# One question of every type; the correct answers are distinctive words so a leak is easy to see.
ALL_TYPES_GIFT = """\
$CATEGORY: semua-jenis

::tunggal::Ibu kota provinsi Papua adalah {
=Jayapurakunci#Benar.
~Merauke#Bukan.
~Sorong#Bukan.
}

::ganda::Pilih dua kompetensi manajerial. {
~%50%Integritaskunci
~%50%Kerjasamakunci
~%-100%Perekat Bangsa#Itu sosial kultural.
~%-100%Menyetir#Bukan kompetensi SKJ.
}

::benar-salah::Satu JP sama dengan 45 menit. {T#Salah pilih.#Betul.}

::isian::Singkatan sistem informasi ASN nasional adalah {=SIASNkunci =Sistem Informasi ASN}

::angka::Berapa JP minimal per tahun? {#20:0}

::jodoh::Pasangkan. {
=Integritas -> Manajerialkunci
=Perekat Bangsa -> Sosialkulturalkunci
=Akuntansi -> Teknikalkunci
}

::esai::Jelaskan rencana pengembangan kompetensi Anda. {}
"""


def build_quiz(course, gift=ALL_TYPES_GIFT, **settings):
    """A published quiz drawing every question of the GIFT text (in the caller's app context)."""
    bank = services.default_bank(course)
    services.import_questions(bank, gift, by=None)
    sources = [(cat.id, None) for cat, _count in services.categories_of(course)]
    data = services.QuizData(
        title=settings.pop("title", "Kuis Uji"),
        sources=sources,
        published=True,
        shuffle_questions=settings.pop("shuffle_questions", False),
        **settings,
    )
    return services.create_quiz(course, data, by=None)


@pytest.fixture
def trainer(make_user):
    return make_user(roles=(Role.TRAINER, Role.LEARNER))


@pytest.fixture
def learner(make_user):
    return make_user()


@pytest.fixture
def course(app, db, trainer):
    return factories.bind(app, factories.course)(by=trainer, modules=1, lessons=1)


def enrol(user, course):
    return learning.enrol(user, course)
