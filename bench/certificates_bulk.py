"""Benchmark: issue 1,000 certificates (snapshot + Ed25519-signed credential) and render their PDFs.

    python bench/certificates_bulk.py [--count 1000] [--workers 2] [--database-url URL]

Runs on a throwaway SQLite file (or the given database), with its own instance folder, so it
touches nothing else. Issuing runs in one process (as the completion signal does); PDFs are
rendered by --workers processes (every core by default). Prints the time of each phase and the
cost per certificate, and exits non-zero when the work of the whole run adds up to a minute or
more of CPU, i.e. when one core could not do it in a minute (the target is well under that).
Both wall-clock and CPU time are shown, with the load average: on a machine shared with other
work the wall-clock figure measures the neighbours too, the CPU time of this process does not.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from lms import create_app  # noqa: E402
from lms.accounts.models import Agency, Role, User, UserRole  # noqa: E402
from lms.certificates import pdf, services, signing  # noqa: E402
from lms.certificates.models import Certificate  # noqa: E402
from lms.courses import services as course_services  # noqa: E402
from lms.courses.models import Enrolment  # noqa: E402
from lms.extensions import db  # noqa: E402

TARGET_SECONDS = 60
_app = None  # the application, inherited by forked PDF workers


def render_chunk(ids: list[int]) -> tuple[int, int, float]:
    """Render the PDFs of some certificates in this process: (count, bytes, cpu seconds)."""
    cpu = time.process_time()
    size = 0
    with _app.test_request_context():
        certificates = db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(ids))).all()
        for cert in certificates:
            url = services.verify_url(cert.number)
            size += len(pdf.render(cert, url, site_name=_app.config["SITE_NAME"]))
        db.session.remove()
    return len(certificates), size, time.process_time() - cpu


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def seed(count: int) -> list[int]:
    agency = Agency(code="BENCH", name="Badan Pengembangan Sumber Daya Manusia Provinsi Uji")
    db.session.add(agency)
    db.session.flush()
    trainer = User(
        name="Pengajar",
        email="trainer@bench.go.id",
        agency_id=agency.id,
        role_rows=[UserRole(role=Role.TRAINER)],
    )
    db.session.add(trainer)
    db.session.flush()
    course = course_services.create_course(
        course_services.CourseData(
            title="Pengembangan Kompetensi ASN: Hak 20 JP dan Cara Mencapainya",
            jp=20,
            competencies=[("KOM", 3), ("INT", 2), ("PP", 2)],
        ),
        by=trainer,
    )
    module = course_services.add_module(course, "Modul 1", by=trainer)
    lesson = course_services.LessonData(title="Pelajaran", body_md="Isi.")
    course_services.add_lesson(module, lesson, by=trainer)
    course_services.publish(course, by=trainer)
    now = datetime.now(UTC)
    users = [
        {
            "name": f"Pegawai Uji Nomor {i:04d}",
            "email": f"p{i}@bench.go.id",
            "agency_id": agency.id,
            "nip": f"19{70 + i % 25:02d}0{1 + i % 9}1{i % 10}2010011{i % 2 + 1}{i % 1000:03d}",
            "email_confirmed_at": now,
            "identity_verified_at": now,
        }
        for i in range(count)
    ]
    db.session.execute(sa.insert(User), users)
    user_ids = db.session.scalars(sa.select(User.id).where(User.email.like("p%@bench.go.id"))).all()
    db.session.execute(
        sa.insert(Enrolment),
        [
            {
                "user_id": uid,
                "course_id": course.id,
                "enrolled_at": now,
                "completed_at": now,
                "completed_version": course.version,
            }
            for uid in user_ids
        ],
    )
    db.session.commit()
    return list(db.session.scalars(sa.select(Enrolment.id).where(Enrolment.course_id == course.id)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes rendering PDFs (the default uses every core)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        global _app
        app = _app = create_app(
            "test", SQLALCHEMY_DATABASE_URI=url, PUBLIC_BASE_URL="https://belajar.example.go.id"
        )
        app.instance_path = tmp
        with app.app_context():
            upgrade()
        with app.test_request_context():
            enrolment_ids = seed(args.count)
            signing.keyring()  # key generation and font subsetting are one-time costs, not per certificate
            pdf.font_files()

            load_before = os.getloadavg()[0]
            started, cpu_started = time.perf_counter(), time.process_time()
            enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(enrolment_ids))).all()
            certificates = [services.issue_for_enrolment(e, base_url="http://localhost") for e in enrolments]
            db.session.commit()
            issued, cpu_issued = time.perf_counter(), time.process_time()

            ids = [cert.id for cert in certificates]
            count, distinct = len(certificates), len({c.number for c in certificates})
            db.session.remove()
            db.engine.dispose()  # no connection may cross a fork
            chunks = [ids[i :: args.workers] for i in range(args.workers)]
            if args.workers == 1:
                results = [render_chunk(chunks[0])]
            else:
                with multiprocessing.get_context("fork").Pool(args.workers) as pool:
                    results = pool.map(render_chunk, chunks)
            size = sum(r[1] for r in results)
            worker_cpu = sum(r[2] for r in results) if args.workers > 1 else 0.0
            rendered, cpu_rendered = time.perf_counter(), time.process_time()

            assert count == args.count == distinct == sum(r[0] for r in results)
            pdf_cpu = cpu_rendered - cpu_issued + worker_cpu
            phases = [
                ("issue (snapshot + sign + insert)", issued - started, cpu_issued - cpu_started),
                ("PDF (A4, QR code, DejaVu subset)", rendered - issued, pdf_cpu),
                ("total", rendered - started, cpu_issued - cpu_started + pdf_cpu),
            ]
            print(
                f"certificates_bulk: {count} certificates, PDFs in {args.workers} process(es), "
                f"on {machine()}; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
            )
            for name, wall, cpu in phases:
                print(
                    f"  {name:34} wall {wall:6.2f} s ({1000 * wall / count:6.2f} ms each)   "
                    f"cpu {cpu:6.2f} s ({1000 * cpu / count:6.2f} ms each)"
                )
            print(f"  PDF size {size / count / 1024:.1f} KB each; target: total < {TARGET_SECONDS} s")
            total = phases[-1][2]
        with app.app_context():
            db.engine.dispose()
    return 0 if total < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
