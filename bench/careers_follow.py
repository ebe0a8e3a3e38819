"""Benchmark: a course edited after N learners completed it; their records, levels, gaps, heatmap
cells, 9-box summaries and JP follow when the edit is committed (careers.awards.follow_courses).

    python bench/careers_follow.py [--count 5000] [--database-url URL]

Seeds N learners of one agency (20 units, a position requiring KOM 3, INT 2, PK 2) who completed
a course of 2 JP awarding nothing yet, then times two edits, each committed through the ORM as the
course settings page does:
  1. KOM 2 and INT 2 added: 2 records created per learner;
  2. KOM 2 -> 3, INT removed, PK 2 added, JP 2 -> 4: per learner one record updated, one revoked,
     one created, all audited, and the JP totals recomputed.
Prints wall-clock and CPU time with the load average, and the number of SQL statements.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from lms import create_app  # noqa: E402
from lms.accounts.models import Agency, Unit, User  # noqa: E402
from lms.careers import positions, summaries  # noqa: E402
from lms.careers.models import CompetencyRecord, JpTotal, StaffPosition  # noqa: E402
from lms.competencies.services import competency_by_code  # noqa: E402
from lms.courses import services as course_services  # noqa: E402
from lms.courses.models import Enrolment  # noqa: E402
from lms.extensions import db  # noqa: E402


def seed(count: int):
    agency = Agency(code="BENCH", name="Badan Uji")
    db.session.add(agency)
    db.session.flush()
    units = [Unit(agency_id=agency.id, code=f"U{i}", name=f"Unit {i}") for i in range(20)]
    db.session.add_all(units)
    db.session.flush()
    ids = {c: competency_by_code(c).id for c in ("KOM", "INT", "PK")}
    position = positions.save_position(
        agency,
        positions.PositionData("P1", "Analis", "fungsional", {ids["KOM"]: 3, ids["INT"]: 2, ids["PK"]: 2}),
        by=None,
    )
    course = course_services.create_course(course_services.CourseData(title="Komunikasi", jp=2), by=None)
    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(User),
        [
            {
                "name": f"Pegawai {i}",
                "email": f"p{i}@bench.go.id",
                "agency_id": agency.id,
                "unit_id": units[i % len(units)].id,
                "email_confirmed_at": now,
                "identity_verified_at": now,
            }
            for i in range(count)
        ],
    )
    user_ids = db.session.scalars(sa.select(User.id).where(User.email.like("p%@bench.go.id"))).all()
    db.session.execute(
        sa.insert(StaffPosition), [{"user_id": uid, "position_id": position.id} for uid in user_ids]
    )
    db.session.execute(
        sa.insert(Enrolment),
        [
            {
                "user_id": uid,
                "course_id": course.id,
                "enrolled_at": now,
                "completed_at": now,
                "completed_version": 1,
            }
            for uid in user_ids
        ],
    )
    summaries.rebuild(db.session, agency.id)
    db.session.commit()
    return course, list(db.session.scalars(sa.select(Enrolment.id).where(Enrolment.course_id == course.id)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
        app.instance_path = tmp
        with app.app_context():
            upgrade()
            course, enrolment_ids = seed(args.count)
            load = os.getloadavg()[0]

            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
            started, cpu = time.perf_counter(), time.process_time()
            course_services.update_course(
                course,
                course_services.CourseData(
                    title="Komunikasi", jp=2, competencies=[("KOM", 2), ("INT", 2)], completion_rule={}
                ),
                by=None,
            )
            db.session.commit()
            awarded, cpu_awarded = time.perf_counter(), time.process_time()
            award_statements = len(statements)
            assert (
                db.session.scalar(sa.select(sa.func.count()).select_from(CompetencyRecord)) == 2 * args.count
            )

            course_services.update_course(
                course,
                course_services.CourseData(
                    title="Komunikasi", jp=4, competencies=[("KOM", 3), ("PK", 2)], completion_rule={}
                ),
                by=None,
            )
            db.session.commit()
            edited, cpu_edited = time.perf_counter(), time.process_time()

            active = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CompetencyRecord)
                .where(CompetencyRecord.revoked_at.is_(None))
            )
            jp = db.session.scalar(sa.select(sa.func.sum(JpTotal.jp)))
            assert active == 2 * args.count and jp == 4 * args.count, (active, jp)
            dialect = db.engine.dialect.name
        n = args.count
        load_after = os.getloadavg()[0]
        print(
            f"careers_follow: {n} learners on {dialect}, {os.cpu_count()} cores; "
            f"load {load:.1f} -> {load_after:.1f}"
        )
        for name, wall, used, count in (
            ("1. add 2 competencies", awarded - started, cpu_awarded - cpu, award_statements),
            (
                "2. change, drop, add, JP",
                edited - awarded,
                cpu_edited - cpu_awarded,
                len(statements) - award_statements,
            ),
        ):
            print(
                f"  {name:26} wall {wall:6.2f} s  cpu {used:6.2f} s  "
                f"({1000 * wall / n:.2f} ms per learner, {count} statements)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
