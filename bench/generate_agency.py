"""A generator of realistic bulk data for benchmarks: agencies, units, staff with supervisors,
positions with SKJ and career paths, courses, enrolments, competency records, appraisals.

Not part of the application package: bench/careers_hr.py calls `generate` directly, and
`flask lms generate` exists only where this file is importable (a source checkout) and the
configuration allows development commands (DEV_COMMANDS, off in production).

Rows are written with COPY on PostgreSQL (executemany in batches elsewhere), never as ORM objects
one by one; the derived analytics tables are then rebuilt set-based. The data is deterministic
for a given seed. Everyone gets the same password (printed by the command) so a benchmark can log
in as anyone.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from lms.accounts.models import Agency, Unit, User, UserRole
from lms.accounts.passwords import hash_password
from lms.careers import summaries
from lms.careers.models import (
    BERAKHLAK_VALUES,
    Appraisal,
    AppraisalPeriod,
    CompetencyRecord,
    JpRecord,
    Position,
    PositionPath,
    PositionRequirement,
    Rating,
    StaffPosition,
    TrainingRequest,
    behaviour_rating_for,
    predikat_for,
)
from lms.competencies.models import Competency, CompetencyLevel, CompetencyType
from lms.courses.models import Course, CourseCompetency, Enrolment
from lms.extensions import db

logger = logging.getLogger(__name__)

PASSWORD = "bench-rahasia-123"  # noqa: S105 - generated benchmark data only
BATCH = 5000
FIRST = [
    "Agus",
    "Budi",
    "Citra",
    "Dewi",
    "Eka",
    "Fajar",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lukas",
    "Maria",
    "Nur",
    "Oktavia",
    "Putu",
    "Rahmat",
    "Siti",
    "Theresia",
    "Usman",
    "Wayan",
    "Yohana",
    "Yakobus",
    "Made",
    "Ketut",
    "Nyoman",
    "Rizky",
    "Ayu",
    "Bambang",
    "Sri",
]
LAST = [
    "Santoso",
    "Wibowo",
    "Siregar",
    "Nasution",
    "Lubis",
    "Pattinama",
    "Wenda",
    "Kogoya",
    "Rumbiak",
    "Saragih",
    "Hutapea",
    "Simanjuntak",
    "Manurung",
    "Tanjung",
    "Hasibuan",
    "Sinaga",
    "Rahman",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Pratama",
    "Mandowen",
    "Itlay",
    "Yoku",
    "Talakua",
    "Latuconsina",
]
WORDS = [
    "Pengelolaan",
    "Analisis",
    "Penyusunan",
    "Pelayanan",
    "Perencanaan",
    "Pengawasan",
    "Evaluasi",
    "Administrasi",
    "Kepemimpinan",
    "Komunikasi",
    "Data",
    "Keuangan",
    "Kepegawaian",
    "Kesehatan",
    "Pendidikan",
    "Digital",
    "Pengadaan",
    "Arsip",
    "Kebijakan",
    "Publik",
]


@dataclass
class Plan:
    users: int = 1000
    positions: int = 30
    courses: int = 50
    enrolments: int = 20_000
    records: int = 20_000
    agencies: int = 1
    units: int = 40
    technical: int = 10  # technical competencies per agency
    seed: int = 1


def _copy(table: sa.Table, columns: list[str], rows: Iterable[tuple]) -> int:
    """Write rows fast: COPY on PostgreSQL, executemany in batches elsewhere."""
    connection = db.session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - names from our metadata
            ) as copy,
        ):
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row])
                count += 1
        return count
    batch: list[dict] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        count += 1
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _reset_sequences(tables: list[sa.Table]) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )
        )


def generate(plan: Plan, echo: Callable[[str], None] = logger.info) -> dict[str, int]:
    """Add the planned data in the current transaction; return what was written."""
    rng = random.Random(plan.seed)  # noqa: S311 - reproducible test data, not secrets
    now = datetime.now(UTC)
    today = now.date()
    counts: dict[str, int] = {}
    skj = list(
        db.session.scalars(
            sa.select(Competency).where(Competency.agency_id.is_(None)).order_by(Competency.code)
        )
    )

    # -- agencies, their technical competencies, units
    taken = set(db.session.scalars(sa.select(Agency.code)))
    agencies: list[Agency] = []
    number = 1
    while len(agencies) < plan.agencies:
        code = f"GEN{plan.seed}-{number}"
        number += 1
        if code in taken:
            continue
        agency = Agency(code=code, name=f"Instansi Uji {code}", timezone="Asia/Jakarta")
        db.session.add(agency)
        agencies.append(agency)
    db.session.flush()
    technical: dict[int, list[Competency]] = {}
    for agency in agencies:
        technical[agency.id] = []
        for t in range(1, plan.technical + 1):
            competency = Competency(
                code=f"{agency.code}-T{t:02d}",
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {t}",
                type=CompetencyType.TECHNICAL,
                agency_id=agency.id,
                description="Kompetensi teknis uji.",
                levels=[
                    CompetencyLevel(level=lv, descriptor=f"Deskriptor level {lv}.") for lv in range(1, 6)
                ],
            )
            db.session.add(competency)
            technical[agency.id].append(competency)
    db.session.flush()

    unit_id = _next_id(Unit)
    unit_rows, units_of, parent_of = [], {}, {}
    per_agency_units = max(1, plan.units // plan.agencies)
    for agency in agencies:
        ids = []
        for i in range(per_agency_units):
            parent = None if i < max(1, per_agency_units // 10) else rng.choice(ids[: max(1, i // 2)])
            unit_rows.append(
                (unit_id, agency.id, parent, f"U{i + 1:04d}", f"Unit {rng.choice(WORDS)} {i + 1}")
            )
            parent_of[unit_id] = parent
            ids.append(unit_id)
            unit_id += 1
        units_of[agency.id] = ids
    counts["units"] = _copy(Unit.__table__, ["id", "agency_id", "parent_id", "code", "name"], unit_rows)
    echo(f"units: {counts['units']}")

    # -- positions, requirements, career paths (a DAG: paths only go to later positions)
    position_id = _next_id(Position)
    positions_of: dict[int, list[int]] = {}
    structural: dict[int, list[int]] = {}
    position_rows, requirement_rows, path_rows = [], [], []
    requirements_of: dict[int, list[int]] = {}
    per_agency_positions = max(2, plan.positions // plan.agencies)
    for agency in agencies:
        ids = []
        for i in range(per_agency_positions):
            kind = "structural" if i % 5 == 0 else rng.choice(["functional", "functional", "executor"])
            position_rows.append(
                (
                    position_id,
                    agency.id,
                    f"J{i + 1:04d}",
                    f"Jabatan {rng.choice(WORDS)} {i + 1}",
                    kind,
                    "",
                    now,
                    now,
                )
            )
            chosen = rng.sample(skj, k=min(len(skj), rng.randint(4, 7)))
            chosen += rng.sample(technical[agency.id], k=min(len(technical[agency.id]), rng.randint(1, 3)))
            base = 3 if kind == "structural" else 2
            requirements_of[position_id] = [c.id for c in chosen]
            for competency in chosen:
                requirement_rows.append(
                    (position_id, competency.id, min(5, max(1, base + rng.randint(-1, 1))))
                )
            ids.append(position_id)
            if kind == "structural":
                structural.setdefault(agency.id, []).append(position_id)
            position_id += 1
        for index, source in enumerate(ids[:-1]):
            later = ids[index + 1 :]
            for target in rng.sample(later, k=min(len(later), rng.randint(1, 2))):
                path_rows.append((source, target))
        positions_of[agency.id] = ids
    counts["positions"] = _copy(
        Position.__table__,
        ["id", "agency_id", "code", "name", "type", "description", "created_at", "updated_at"],
        position_rows,
    )
    _copy(PositionRequirement.__table__, ["position_id", "competency_id", "level"], requirement_rows)
    _copy(PositionPath.__table__, ["from_position_id", "to_position_id"], path_rows)
    next_of: dict[int, list[int]] = {}
    for source, target in path_rows:
        next_of.setdefault(source, []).append(target)
    echo(f"positions: {counts['positions']} ({len(requirement_rows)} requirements, {len(path_rows)} paths)")

    # -- courses and the competencies they award
    course_id = _next_id(Course)
    course_rows, award_rows, awards_of, jp_of = [], [], {}, {}
    all_competencies = skj + [c for cs in technical.values() for c in cs]
    for i in range(plan.courses):
        jp = rng.randint(1, 8)
        course_rows.append(
            (
                course_id,
                f"gen-{plan.seed}-{course_id}",
                f"Pelatihan {rng.choice(WORDS)} {rng.choice(WORDS)} {i + 1}",
                "Kursus uji.",
                rng.choice(WORDS),
                jp,
                "published",
                None,
                None,
                {"lessons": "required"},
                1,
                now,
                now,
                now,
            )
        )
        chosen = rng.sample(all_competencies, k=rng.randint(1, 3))
        awards_of[course_id] = [(c.id, rng.randint(1, 5)) for c in chosen]
        jp_of[course_id] = jp
        award_rows.extend((course_id, c, lv) for c, lv in awards_of[course_id])
        course_id += 1
    counts["courses"] = _copy(
        Course.__table__,
        [
            "id",
            "slug",
            "title",
            "summary",
            "category",
            "jp",
            "status",
            "owner_agency_id",
            "created_by_id",
            "completion_rule",
            "version",
            "created_at",
            "updated_at",
            "published_at",
        ],
        course_rows,
    )
    _copy(CourseCompetency.__table__, ["course_id", "competency_id", "level"], award_rows)
    course_ids = sorted(awards_of)
    echo(f"courses: {counts['courses']}")

    # -- people: unit heads first (parents before children), then staff
    user_id = _next_id(User)
    password_hash = hash_password(PASSWORD)
    existing_nips = set(db.session.scalars(sa.select(User.nip).where(User.nip.is_not(None))))
    people: list[tuple[int, int, int, int | None, int]] = []  # id, agency, unit, supervisor, position
    per_agency_users = max(1, plan.users // plan.agencies)
    nip_index = plan.seed * 7919
    user_rows = []

    def nip() -> str:
        nonlocal nip_index
        while True:
            nip_index += 1
            birth = date(1966, 1, 1) + timedelta(days=nip_index % 12000)
            sequence = (nip_index // 12000) % 999 + 1
            appointed = birth.year + 23 + nip_index % 8
            value = f"{birth:%Y%m%d}{appointed:04d}{1 + nip_index % 12:02d}{1 + nip_index % 2}{sequence:03d}"
            if value not in existing_nips:
                return value

    role_rows = []
    for agency in agencies:
        heads: dict[int, int] = {}
        unit_ids = units_of[agency.id]
        others = [
            p for p in positions_of[agency.id] if p not in structural.get(agency.id, [])
        ] or positions_of[agency.id]
        leaders = structural.get(agency.id) or positions_of[agency.id]
        for index in range(per_agency_users):
            if index < len(unit_ids):
                unit = unit_ids[index]
                supervisor = heads.get(parent_of[unit])
                position = rng.choice(leaders)
                heads[unit] = user_id
            else:
                unit = rng.choice(unit_ids[: len(heads)])
                supervisor = heads[unit]
                position = rng.choice(others)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            rng.getrandbits(128)  # was the session token: kept so the same seed gives the same data
            user_rows.append(
                (
                    user_id,
                    nip(),
                    "pns",
                    name,
                    f"u{user_id}@gen{plan.seed}.go.id",
                    password_hash,
                    agency.id,
                    unit,
                    None,
                    supervisor,
                    True,
                    now,
                    now,
                    now,
                    now,
                )
            )
            role_rows.append((user_id, "learner"))
            if index == 0:
                role_rows.append((user_id, "agency_admin"))
            people.append((user_id, agency.id, unit, supervisor, position))
            user_id += 1
    counts["users"] = _copy(
        User.__table__,
        [
            "id",
            "nip",
            "employee_type",
            "name",
            "email",
            "password_hash",
            "agency_id",
            "unit_id",
            "position_title",
            "supervisor_id",
            "active",
            "email_confirmed_at",
            "identity_verified_at",
            "created_at",
            "updated_at",
        ],
        user_rows,
    )
    del user_rows
    _copy(UserRole.__table__, ["user_id", "role"], role_rows)
    echo(f"users: {counts['users']}")
    _copy(
        StaffPosition.__table__,
        ["user_id", "position_id", "target_position_id", "since", "updated_at"],
        (
            (
                uid,
                pos,
                (rng.choice(next_of[pos]) if pos in next_of and rng.random() < 0.3 else None),
                today - timedelta(days=rng.randint(30, 3000)),
                now,
            )
            for uid, _agency, _unit, _sup, pos in people
        ),
    )
    if people:
        db.session.execute(
            sa.update(User)
            .where(User.id >= people[0][0])
            .values(
                position_title=sa.select(Position.name)
                .join(StaffPosition, StaffPosition.position_id == Position.id)
                .where(StaffPosition.user_id == User.id)
                .scalar_subquery()
            )
        )

    # -- enrolments (70 % completed over the last 900 days) and their competency records
    per_user = plan.enrolments // max(1, len(people))
    extra = plan.enrolments - per_user * len(people)
    first_enrolment = _next_id(Enrolment)

    def enrolments_of(uid: int, index: int):
        local = random.Random(plan.seed * 1_000_003 + uid)  # noqa: S311 - reproducible test data
        wanted = min(len(course_ids), per_user + (1 if index < extra else 0))
        for cid in local.sample(course_ids, k=wanted):
            completed = now - timedelta(days=local.random() * 900) if local.random() < 0.7 else None
            started = (completed or now) - timedelta(days=local.randint(1, 60))
            yield cid, started, completed

    def enrolment_rows():
        eid = first_enrolment
        for index, (uid, *_rest) in enumerate(people):
            for cid, started, completed in enrolments_of(uid, index):
                yield (eid, uid, cid, started, None, None, completed, 1 if completed else None)
                eid += 1

    counts["enrolments"] = _copy(
        Enrolment.__table__,
        [
            "id",
            "user_id",
            "course_id",
            "enrolled_at",
            "due_date",
            "assigned_by_id",
            "completed_at",
            "completed_version",
        ],
        enrolment_rows(),
    )
    echo(f"enrolments: {counts['enrolments']}")

    record_id = _next_id(CompetencyRecord)
    budget = plan.records

    def record_rows():
        nonlocal budget, record_id
        eid = first_enrolment
        for index, (uid, *_rest) in enumerate(people):
            for cid, _started, completed in enrolments_of(uid, index):
                if completed is not None:
                    for competency_id, level in awards_of[cid]:
                        if budget <= 0:
                            break
                        yield (
                            record_id,
                            uid,
                            competency_id,
                            level,
                            "course",
                            eid,
                            "Kursus uji",
                            completed.date(),
                            None,
                            completed,
                            completed,
                            None,
                        )
                        record_id += 1
                        budget -= 1
                eid += 1
        while budget > 0:  # the rest: assessment-centre results
            uid, _agency, _unit, _sup, pos = people[rng.randrange(len(people))]
            competency_id = rng.choice(requirements_of[pos])
            on = today - timedelta(days=rng.randint(1, 1500))
            at = datetime(on.year, on.month, on.day, tzinfo=UTC)
            yield (
                record_id,
                uid,
                competency_id,
                rng.randint(1, 5),
                "assessment",
                None,
                f"Laporan assessment center No. {record_id}",
                on,
                None,
                at,
                at,
                None,
            )
            record_id += 1
            budget -= 1

    counts["records"] = _copy(
        CompetencyRecord.__table__,
        [
            "id",
            "user_id",
            "competency_id",
            "level",
            "source",
            "source_id",
            "evidence",
            "achieved_on",
            "recorded_by_id",
            "created_at",
            "updated_at",
            "revoked_at",
        ],
        record_rows(),
    )
    echo(f"competency records: {counts['records']}")

    # -- appraisals of the last two years, JP records, training requests
    weights = [Rating.ABOVE] * 2 + [Rating.MEETS] * 6 + [Rating.BELOW] * 2
    appraisal_id = _next_id(Appraisal)

    def appraisal_rows():
        nonlocal appraisal_id
        for uid, _agency, _unit, supervisor, _pos in people:
            if supervisor is None:
                continue
            for year in (today.year - 2, today.year - 1):
                work = rng.choice(weights)
                values = {code: rng.choice(weights) for code in BERAKHLAK_VALUES}
                behaviour = behaviour_rating_for(values)
                end = AppraisalPeriod.ANNUAL.end(year)
                at = datetime(year + 1, 1, 15, tzinfo=UTC)
                yield (
                    appraisal_id,
                    uid,
                    supervisor,
                    year,
                    "annual",
                    end,
                    work.value,
                    behaviour.value,
                    *(values[code].value for code in BERAKHLAK_VALUES),
                    predikat_for(work, behaviour).value,
                    "",
                    None,
                    None,
                    at,
                    at,
                )
                appraisal_id += 1

    counts["appraisals"] = _copy(
        Appraisal.__table__,
        [
            "id",
            "user_id",
            "appraiser_id",
            "year",
            "period",
            "period_end",
            "work_rating",
            "behaviour_rating",
            *(f"behaviour_{code}" for code in BERAKHLAK_VALUES),
            "predikat",
            "notes",
            "response",
            "responded_at",
            "created_at",
            "updated_at",
        ],
        appraisal_rows(),
    )
    jp_rows = []
    for uid, *_rest in rng.sample(people, k=len(people) // 20):
        end = today - timedelta(days=rng.randint(0, 300))
        jp_rows.append(
            (
                uid,
                rng.choice(["classroom", "coaching", "mentoring"]),
                "Pelatihan klasikal uji",
                "BPSDM",
                rng.randint(2, 24),
                None,
                end - timedelta(days=rng.randint(0, 5)),
                end,
                "Surat tugas uji",
                f"SERT-{uid}",
                now,
            )
        )
    counts["jp_records"] = _copy(
        JpRecord.__table__,
        [
            "user_id",
            "kind",
            "title",
            "organizer",
            "jp",
            "minutes",
            "started_on",
            "ended_on",
            "evidence",
            "certificate_number",
            "created_at",
        ],
        jp_rows,
    )
    request_rows = []
    for uid, _agency, _unit, _sup, pos in rng.sample(people, k=len(people) // 100):
        request_rows.append(
            (
                uid,
                rng.choice(requirements_of[pos]),
                "Saya membutuhkan pelatihan untuk tugas saya.",
                "open",
                now,
            )
        )
    counts["training_requests"] = _copy(
        TrainingRequest.__table__,
        ["user_id", "competency_id", "message", "status", "created_at"],
        request_rows,
    )
    _reset_sequences(
        [
            Unit.__table__,
            Position.__table__,
            Course.__table__,
            User.__table__,
            Enrolment.__table__,
            CompetencyRecord.__table__,
            Appraisal.__table__,
            JpRecord.__table__,
            TrainingRequest.__table__,
            Agency.__table__,
            Competency.__table__,
        ]
    )
    echo("rebuilding the analytics tables ...")
    for agency in agencies:
        summaries.rebuild(db.session, agency.id)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
    counts["agencies"] = len(agencies)
    return counts


@click.command("generate")
@with_appcontext
@click.option("--users", default=1000, show_default=True)
@click.option("--positions", default=30, show_default=True)
@click.option("--courses", default=50, show_default=True)
@click.option("--enrolments", default=20_000, show_default=True)
@click.option("--records", default=20_000, show_default=True)
@click.option("--agencies", default=1, show_default=True)
@click.option("--units", default=40, show_default=True)
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def generate_command(users, positions, courses, enrolments, records, agencies, units, seed):
    """Add generated agencies, staff, positions, courses, enrolments and records (benchmarks)."""
    if min(users, positions, courses, agencies, units) < 1 or min(enrolments, records) < 0:
        click.echo("error: every number must be positive", err=True)
        raise SystemExit(1)
    started = time.perf_counter()
    counts = generate(
        Plan(
            users=users,
            positions=positions,
            courses=courses,
            enrolments=enrolments,
            records=records,
            agencies=agencies,
            units=units,
            seed=seed,
        ),
        echo=lambda line: click.echo(f"  {line} ({time.perf_counter() - started:.0f} s)"),
    )
    db.session.commit()
    click.echo(
        f"generated in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{key} {value}" for key, value in counts.items())
    )
    click.echo(f"every generated person's password: {PASSWORD}")
