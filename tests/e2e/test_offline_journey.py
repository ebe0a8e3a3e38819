"""Browser journeys without a connection: the installable app, pages saved on the device,
lessons marked done offline and sent exactly once when the connection returns."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from lms.accounts.models import Role
from lms.courses import learning
from lms.courses.models import LessonCompletion
from tests import factories

from .offline_steps import Network, log_in, wait_for_worker

pytestmark = pytest.mark.e2e


def _seed(email: str = "naomi@uji.go.id") -> dict:
    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Naomi Rumbewas", email=email)
    course = factories.course(by=trainer, title="Pelayanan Publik", modules=1, lessons=3)
    learning.enrol(learner, course)
    lessons = [lesson.id for lesson in learning.outline(course).lessons]
    return {"email": learner.email, "slug": course.slug, "lessons": lessons}


def test_a_visited_lesson_opens_and_is_marked_done_offline(contexts, live_db, live_scalar):
    seeded = live_db(_seed)
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    lesson_url = f"/courses/{seeded['slug']}/learn/{seeded['lessons'][0]}"
    page.goto(lesson_url)
    expect(page.locator("h1")).to_have_text("Pelajaran 1.1")
    expect(page.locator("[data-offline-banner]")).to_be_hidden()

    network = Network(context, page)
    network.off()
    page.reload()
    expect(page.locator("h1")).to_have_text("Pelajaran 1.1")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Sedang luring\. Halaman ini disimpan pada .*\d"))
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.locator("[data-queued]")).to_contain_text("Ditandai selesai di perangkat ini")
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")
    expect(page.locator(f"[data-lesson-id='{seeded['lessons'][0]}']")).to_contain_text("✓")
    # A page never visited: the offline shell says so.
    page.goto("/webinars/")
    expect(page.locator("h1")).to_have_text("Sedang luring")

    network.on()
    page.goto(lesson_url)
    expect(page.locator("[data-offline-queue]")).to_be_hidden()
    count = (
        sa.select(sa.func.count())
        .select_from(LessonCompletion)
        .where(LessonCompletion.lesson_id.in_(seeded["lessons"]))
    )
    for _ in range(50):
        if live_scalar(count) == 1:
            break
        page.wait_for_timeout(100)
    assert live_scalar(count) == 1


# ---------------------------------------------------------------- the whole story


PRACTICE = """\
::jp::Satu JP sama dengan 45 menit. {T}

::skj::Integritas adalah kompetensi manajerial. {T}
"""


def _seed_story(email: str = "yakobus.luring@uji.go.id") -> dict:
    from lms.courses import services as course_services
    from tests.quizzes.conftest import build_quiz

    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, name="Yakobus Wenda", email=email)
    course = factories.course(by=trainer, title="Manajemen ASN", modules=1, lessons=2)
    course_services.upload_media(course, "peta.png", factories.png(60, 40), by=trainer)
    first, second = learning.outline(course).lessons
    course_services.update_lesson(
        second,
        course_services.LessonData(
            title="Peta Karier", body_md="Lihat ![Peta](media/peta.png).", duration_minutes=5
        ),
        by=trainer,
    )
    learning.enrol(learner, course)
    # Required: the course is finished when both lessons are read and the practice quiz is passed.
    quiz = build_quiz(course, PRACTICE, practice=True, title="Latihan Mandiri")
    assert quiz.required and course.completion_rule.get("quizzes")
    return {
        "email": learner.email,
        "slug": course.slug,
        "lessons": [first.id, second.id],
        "quiz": quiz.id,
        "learner": learner.id,
    }


def db_rows(statement):
    from lms.extensions import db

    return db.session.execute(statement).all()


def _eventually(check, page, seconds=10):
    for _ in range(seconds * 10):
        if check():
            return True
        page.wait_for_timeout(100)
    return check()


def test_a_downloaded_course_is_finished_offline_and_counted_once(contexts, live_db, live_scalar):
    """Issue 17's "done when": the reading and the practice quiz of a downloaded course, all with
    the network off; back online, the course is complete, exactly once."""
    from lms.certificates.models import Certificate
    from lms.courses.models import Enrolment
    from lms.quizzes.models import Attempt, AttemptState

    seeded = live_db(_seed_story)
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)

    # Download the course: size first, then the progress bar, then "Selesai".
    page.goto(f"/courses/{seeded['slug']}")
    panel = page.locator("[data-offline-download]")
    expect(panel.locator("[data-summary]")).to_contain_text(re.compile(r"Perlu sekitar [\d,]+ KB"))
    expect(panel.locator("[data-summary]")).to_contain_text("Ruang tersisa di perangkat")
    panel.get_by_role("button", name="Unduh untuk luring").click()
    expect(panel.locator("[data-status]")).to_have_text("Selesai. Kursus ini dapat dibuka tanpa koneksi.")
    expect(panel.locator("[data-bar]")).to_have_attribute("value", "100")
    expect(panel.get_by_role("button", name="Hapus unduhan")).to_be_visible()

    network = Network(context, page)
    network.off()
    # Lessons never opened before, from the download: the first, then the second with its image.
    page.goto(f"/courses/{seeded['slug']}/learn/{seeded['lessons'][0]}")
    expect(page.locator("h1")).to_have_text("Pelajaran 1.1")
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")
    page.goto(f"/courses/{seeded['slug']}/learn/{seeded['lessons'][1]}")
    expect(page.locator("h1")).to_have_text("Peta Karier")
    expect(page.locator("[data-offline-banner]")).to_contain_text("Sedang luring. Halaman ini disimpan pada")
    image = page.locator(".prose img")
    assert _eventually(lambda: image.evaluate("img => img.complete && img.naturalWidth") == 60, page)
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.locator("[data-offline-queue]")).to_have_text("2 data menunggu dikirim")

    # The outline and progress, offline: the queued lessons count (2 of 3 required items).
    page.goto(f"/courses/{seeded['slug']}")
    for lesson_id in seeded["lessons"]:
        expect(page.locator(f"[data-lesson-id='{lesson_id}']")).to_contain_text("✓")
    expect(page.locator("progress[data-total]")).to_have_attribute("value", "66")

    # The practice quiz, offline.
    page.goto(f"/quizzes/{seeded['quiz']}/practice")
    for question in page.locator("fieldset.question").all():
        question.get_by_label("Benar").check()
    page.get_by_role("button", name="Kirim jawaban latihan").click()
    expect(page.locator("[data-practice-note]")).to_have_text(
        "Jawaban disimpan di perangkat ini dan akan dinilai saat koneksi kembali."
    )
    expect(page.locator("[data-offline-queue]")).to_have_text("3 data menunggu dikirim")

    # A page never saved: the offline shell lists the downloaded course.
    page.goto("/webinars/")
    expect(page.locator("h1")).to_have_text("Sedang luring")
    expect(page.locator("[data-offline-downloads]")).to_contain_text("Manajemen ASN")

    # The tab is closed and opened again, still offline: nothing was lost.
    page.close()
    page = context.new_page()
    network.attach(page)
    network.off()
    page.goto(f"/courses/{seeded['slug']}")
    expect(page.locator("[data-offline-queue]")).to_have_text("3 data menunggu dikirim")
    completions = (
        sa.select(sa.func.count())
        .select_from(LessonCompletion)
        .where(LessonCompletion.lesson_id.in_(seeded["lessons"]))
    )
    assert live_scalar(completions) == 0

    # Back online: sent once, graded once, and the learner sees the course finished.
    network.on()
    expect(page.locator("[data-offline-queue]")).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Jawaban kuis Anda sudah terkirim dan dinilai.")
    page.reload()
    expect(page.locator("main")).to_contain_text("Anda telah menyelesaikan kursus ini pada")
    expect(page.locator("progress[data-total]")).to_have_attribute("value", "100")
    assert live_scalar(completions) == 2
    graded = (
        sa.select(sa.func.count())
        .select_from(Attempt)
        .where(
            Attempt.quiz_id == seeded["quiz"],
            Attempt.state == AttemptState.FINISHED,
            Attempt.percent == 100.0,
        )
    )
    assert live_scalar(graded) == 1
    assert (
        live_scalar(sa.select(sa.func.count()).select_from(Attempt).where(Attempt.quiz_id == seeded["quiz"]))
        == 1
    )
    finished = (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.user_id == seeded["learner"], Enrolment.completed_at.is_not(None))
    )
    certificates = (
        sa.select(sa.func.count()).select_from(Certificate).where(Certificate.user_id == seeded["learner"])
    )
    assert live_scalar(finished) == 1 and live_scalar(certificates) == 1
    page.wait_for_timeout(500)  # a late Background Sync changes nothing
    assert live_scalar(completions) == 2 and live_scalar(graded) == 1 and live_scalar(certificates) == 1


# ---------------------------------------------------------------- a slow link


def test_a_course_downloads_on_a_slow_3g_link_when_pressed_before_its_file_list_arrived(contexts, live_db):
    seeded = live_db(_seed_story, "yakobus.3g@uji.go.id")
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    network = Network(context, page)
    network.slow_3g()  # the page and its service worker: 400 ms, 400 kbit/s

    # On a slow link the list of the course's files is still on its way when the learner presses
    # the button; it is held here until they have, so the order is certain.
    held = []
    context.route("**/api/v1/courses/*/offline", lambda route: held.append(route))
    page.goto(f"/courses/{seeded['slug']}")
    panel = page.locator("[data-offline-download]")
    panel.get_by_role("button", name="Unduh untuk luring").click()
    assert _eventually(lambda: bool(held), page)
    expect(panel.locator("[data-status]")).to_have_text("Menyiapkan unduhan…")
    expect(panel.get_by_role("button", name="Unduh untuk luring")).to_be_disabled()
    held[0].continue_()
    context.unroute("**/api/v1/courses/*/offline")
    started = time.monotonic()
    # Every file at 400 kbit/s, one after another: slow, and it still finishes.
    expect(panel.locator("[data-status]")).to_have_text(
        "Selesai. Kursus ini dapat dibuka tanpa koneksi.", timeout=90_000
    )
    # The worker's requests were throttled too: the list, then two lessons, the course and quiz
    # pages and the image through the worker, at least 400 ms each (2.4 s; about 3.9 s measured,
    # 1.5 s when only the page is throttled).
    assert time.monotonic() - started >= 6 * 0.4
    expect(panel.locator("[data-bar]")).to_have_attribute("value", "100")

    network.off()
    page.goto(f"/courses/{seeded['slug']}/learn/{seeded['lessons'][1]}")
    expect(page.locator("h1")).to_have_text("Peta Karier")
    image = page.locator(".prose img")
    assert _eventually(lambda: image.evaluate("img => img.complete && img.naturalWidth") == 60, page)
    page.goto(f"/quizzes/{seeded['quiz']}/practice")
    expect(page.locator("fieldset.question")).to_have_count(2)


def test_pressing_download_without_a_connection_says_so_and_works_once_it_returns(contexts, live_db):
    seeded = live_db(_seed_story, "yakobus.sinyal@uji.go.id")
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    page.goto(f"/courses/{seeded['slug']}")  # saved on the device, without its list of files
    network = Network(context, page)
    network.off()
    page.reload()
    panel = page.locator("[data-offline-download]")
    expect(panel.locator("[data-status]")).to_have_text("Sambungkan ke internet untuk mengunduh kursus ini.")
    panel.get_by_role("button", name="Unduh untuk luring").click()
    expect(panel.locator("[data-status]")).to_have_text("Sambungkan ke internet untuk mengunduh kursus ini.")
    expect(panel.get_by_role("button", name="Unduh untuk luring")).to_be_enabled()
    # The connection returns: the same button asks for the list again and downloads.
    network.slow_3g()
    panel.get_by_role("button", name="Unduh untuk luring").click()
    expect(panel.locator("[data-status]")).to_have_text(
        "Selesai. Kursus ini dapat dibuka tanpa koneksi.", timeout=90_000
    )


# ---------------------------------------------------------------- a timed quiz loses its link


TIMED = """\
::satu::Satu JP sama dengan 45 menit. {T}

::dua::Integritas adalah kompetensi manajerial. {T}

::tiga::SIASN adalah sistem informasi ASN. {T}
"""


def _seed_timed() -> dict:
    from tests.quizzes.conftest import build_quiz

    agency = factories.agency(units=("UMUM",))
    trainer = factories.user(agency, roles=(Role.TRAINER,))
    learner = factories.user(agency, email="maria.waktu@uji.go.id")
    course = factories.course(by=trainer, modules=1, lessons=1)
    learning.enrol(learner, course)
    quiz = build_quiz(course, TIMED, time_limit_minutes=30, title="Ujian Berwaktu")
    return {"email": learner.email, "quiz": quiz.id}


def _expire(attempt_id: int) -> None:
    """The deadline (and its 30 s grace) passed while the learner was offline."""
    from datetime import timedelta

    from lms.accounts.models import utcnow
    from lms.extensions import db
    from lms.quizzes.models import Attempt

    db.session.get(Attempt, attempt_id).deadline_at = utcnow() - timedelta(minutes=2)


def test_a_timed_attempt_keeps_answers_offline_and_the_server_applies_the_deadline(
    contexts, live_db, live_scalar
):
    from lms.quizzes.models import Attempt, AttemptItem

    seeded = live_db(_seed_timed)
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    page.goto(f"/quizzes/{seeded['quiz']}")
    expect(page.locator("main")).to_contain_text("Kuis berwaktu memerlukan koneksi internet")
    page.get_by_role("button", name="Mulai mengerjakan").click()
    page.wait_for_load_state()  # the deferred autosave script listens before the first answer
    attempt_id = int(page.locator("form[data-attempt]").get_attribute("data-attempt"))

    def question(text):
        return page.locator("fieldset.question", has_text=text)

    def answered():
        query = sa.select(AttemptItem.snapshot, AttemptItem.response).where(
            AttemptItem.attempt_id == attempt_id
        )
        with_answers = live_db(lambda: [snap["name"] for snap, response in db_rows(query) if response])
        return sorted(with_answers)

    question("Satu JP").get_by_label("Benar").check()
    # Shown (not just there: it is in the page from the start, hidden) once the server answered.
    expect(question("Satu JP").locator(".saved")).to_be_visible()
    expect(question("Satu JP").locator(".saved")).to_have_text("Tersimpan")

    network = Network(context, page)
    network.off()
    question("Integritas").get_by_label("Benar").check()
    expect(question("Integritas").locator(".saved")).to_contain_text("jawaban disimpan di perangkat")
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")

    # The link returns in time: the answer counts.
    network.on()
    expect(page.locator("[data-offline-queue]")).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Jawaban yang tersimpan di perangkat sudah terkirim.")
    assert _eventually(lambda: answered() == ["dua", "satu"], page)

    # It drops again, and returns after the deadline: the late answer is refused and said so.
    network.off()
    question("SIASN").get_by_label("Benar").check()
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")
    live_db(_expire, attempt_id)
    network.on()
    expect(page.locator("main")).to_contain_text("Jawaban tiba setelah batas waktu dan tidak dihitung.")
    assert answered() == ["dua", "satu"]
    attempt = sa.select(Attempt.state, Attempt.finish_reason, Attempt.score).where(Attempt.id == attempt_id)
    assert live_db(lambda: tuple(db_rows(attempt)[0])) == ("finished", "timeout", 2.0)


# ---------------------------------------------------------------- a shared phone

COUNT_QUEUE = """() => new Promise((resolve) => {
  const open = indexedDB.open("rb-offline", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("queue").objectStore("queue").count();
    request.onsuccess = () => resolve(request.result);
  };
})"""
USER_CACHES = "() => caches.keys().then((keys) => keys.filter((k) => k.startsWith('rb-u-')))"


def test_logging_out_clears_the_users_pages_and_queue_and_the_next_user_sees_none(
    contexts, live_db, live_scalar
):
    seeded = live_db(_seed, "naomi.hp@uji.go.id")
    other = live_db(lambda: factories.user(name="Andi Saputra", email="andi.hp@uji.go.id").email)
    context = contexts.new()
    page = context.new_page()
    log_in(page, seeded["email"])
    wait_for_worker(page)
    lesson_url = f"/courses/{seeded['slug']}/learn/{seeded['lessons'][0]}"
    page.goto(lesson_url)
    assert page.evaluate(USER_CACHES)  # the page was saved for this user

    network = Network(context, page)
    network.off()
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.locator("[data-offline-queue]")).to_have_text("1 data menunggu dikirim")
    # The connection returns but the sync cannot get through: logging out asks first.
    context.route("**/api/v1/sync", lambda route: route.abort())
    network.on()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert asked and asked[0].startswith("1 data belum terkirim")
    assert page.evaluate(USER_CACHES) == [] and page.evaluate(COUNT_QUEUE) == 0
    context.unroute("**/api/v1/sync")

    # Another learner on the same phone, offline: the first one's lesson is not there.
    log_in(page, other)
    network.off()
    page.goto(lesson_url)
    expect(page.locator("h1")).to_have_text("Sedang luring")
    network.on()
    # A plain logout (nothing waiting): the next page tells the service worker to forget this user.
    page.goto("/courses/")
    assert page.evaluate(USER_CACHES)
    page.locator("header form[action='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert _eventually(lambda: page.evaluate(USER_CACHES) == [], page)
    completions = (
        sa.select(sa.func.count())
        .select_from(LessonCompletion)
        .where(LessonCompletion.lesson_id.in_(seeded["lessons"]))
    )
    assert live_scalar(completions) == 0
