"""`flask lms` commands of careers: CSV imports, the analytics refresh, the benchmark data
generator, and the careers part of `seed-demo`."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..accounts import services as account_services
from ..accounts.demo import AGENCY
from ..accounts.models import Agency
from ..core.cli import fail, register_demo_seeder
from ..extensions import db
from . import appraisals, csv_io, positions, records, summaries
from .models import Competency, Position


def register(group: AppGroup) -> None:
    group.add_command(import_competencies_command)
    group.add_command(import_positions_command)
    group.add_command(refresh_command)
    group.add_command(generate_command)
    register_demo_seeder(seed_demo, order=30)


def _agency(code: str) -> Agency:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == code.upper()))
    if agency is None:
        fail([f"unknown agency code {code!r}"])
    return agency


def _import(kind: str, agency_code: str, path: Path) -> None:
    agency = _agency(agency_code)
    importer = csv_io.import_competencies if kind == "competencies" else csv_io.import_positions
    try:
        result = importer(agency, path.read_bytes(), by=None)
    except csv_io.ImportRejected as exc:
        db.session.rollback()
        fail([f"row {p.row}, column {p.column}: {p.message}" for p in exc.problems])
    db.session.commit()
    click.echo(f"{kind} of {agency.code}: {result.created} created, {result.updated} updated")


@click.command("import-competencies")
@with_appcontext
@click.argument("agency_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_competencies_command(agency_code: str, path: Path):
    """Import an agency's technical competencies (kode;nama;jenis;deskripsi;level;deskriptor)."""
    _import("competencies", agency_code, path)


@click.command("import-positions")
@with_appcontext
@click.argument("agency_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_positions_command(agency_code: str, path: Path):
    """Import an agency's positions (kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya)."""
    _import("positions", agency_code, path)


@click.command("careers-refresh")
@with_appcontext
@click.option("--agency", "agency_code", help="Only this agency (default: everyone).")
def refresh_command(agency_code: str | None):
    """Rebuild the derived analytics tables from the records (after changes made outside the app)."""
    agency = _agency(agency_code) if agency_code else None
    started = time.perf_counter()
    summaries.rebuild(db.session, agency.id if agency else None)
    db.session.commit()
    click.echo(f"careers analytics rebuilt in {time.perf_counter() - started:.1f} s")


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
    from .generate import PASSWORD, Plan, generate

    if min(users, positions, courses, agencies, units) < 1 or min(enrolments, records) < 0:
        fail(["every number must be positive"])
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


# ---------------------------------------------------------------- demo data

DEMO_COMPETENCIES = """kode;nama;jenis;deskripsi;level;deskriptor
DEMO-KEP;Asuhan Keperawatan;teknis;Memberikan asuhan keperawatan kepada pasien dan keluarga.;1;\
Melakukan tindakan keperawatan dasar dengan bimbingan.
DEMO-KEP;;;;2;Melakukan asuhan keperawatan pada kasus sederhana secara mandiri.
DEMO-KEP;;;;3;Melakukan asuhan keperawatan pada kasus kompleks.
DEMO-KEP;;;;4;Mengelola asuhan keperawatan di satu unit pelayanan.
DEMO-KEP;;;;5;Mengembangkan standar asuhan keperawatan tingkat daerah.
"""
DEMO_POSITIONS = """kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya
KABAN;Kepala Badan;struktural;;INT:4, KS:4, KOM:4, OPH:4, PP:4, PDOL:4, MP:4, PK:4, PB:4;
KABID-PK;Kepala Bidang Pengembangan Kompetensi;struktural;;\
INT:4, KS:3, KOM:4, OPH:3, PDOL:4, MP:3, PK:3, PB:3;KABAN
ANALIS-SDM-MUDA;Analis SDM Aparatur Ahli Muda;fungsional;;INT:3, KS:3, KOM:3, OPH:3, PDOL:3, PB:3;KABID-PK
WI-MADYA;Widyaiswara Ahli Madya;fungsional;;INT:3, KOM:4, PDOL:4, MP:3, PB:3;
PERAWAT-MUDA;Perawat Ahli Muda;fungsional;;INT:3, KS:3, KOM:3, PP:3, PB:3, DEMO-KEP:3;
PERAWAT-PERTAMA;Perawat Ahli Pertama;fungsional;;INT:2, KS:2, KOM:2, PP:2, PB:2, DEMO-KEP:2;PERAWAT-MUDA
BIDAN-TERAMPIL;Bidan Terampil;fungsional;;INT:2, KS:2, KOM:2, PP:2, PB:2;PERAWAT-PERTAMA
PRAKOM-MUDA;Pranata Komputer Ahli Muda;fungsional;;INT:3, KOM:3, OPH:3, MP:3, PB:2;
PRAKOM-PERTAMA;Pranata Komputer Ahli Pertama;fungsional;;INT:2, KOM:2, OPH:2, MP:2, PB:2;PRAKOM-MUDA
PENGADM;Pengadministrasi Perkantoran;pelaksana;;INT:2, KS:2, KOM:2, OPH:2, PDOL:2, PB:2;PRAKOM-PERTAMA
"""
DEMO_ASSIGNMENTS = {  # email -> position code
    "admin@contoh.go.id": "KABAN",
    "hr@contoh.go.id": "ANALIS-SDM-MUDA",
    "pengajar@contoh.go.id": "WI-MADYA",
    "siti@contoh.go.id": "PERAWAT-PERTAMA",
    "andi@contoh.go.id": "PRAKOM-PERTAMA",
    "yakobus@contoh.go.id": "PENGADM",
    "naomi@contoh.go.id": "BIDAN-TERAMPIL",
}


def seed_demo() -> list[str]:
    """Positions, SKJ and career paths of the demo agency, positions of the demo people, an
    assessment and an appraisal (only what is missing)."""
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == AGENCY[0]))
    if agency is None:
        return []
    if db.session.scalar(sa.select(Competency.id).where(Competency.code == "DEMO-KEP")) is None:
        csv_io.import_competencies(agency, DEMO_COMPETENCIES.encode(), by=None)
    if db.session.scalar(sa.select(Position.id).where(Position.agency_id == agency.id)) is None:
        csv_io.import_positions(agency, DEMO_POSITIONS.encode(), by=None)
        by_code = {p.code: p for p in positions.positions_of(agency.id)}
        people = {}
        for email, code in DEMO_ASSIGNMENTS.items():
            person = account_services.user_by_email(email)
            if person is not None:
                positions.assign_position(person, by_code[code], by=None)
                people[email] = person
        siti, hr = people.get("siti@contoh.go.id"), people.get("hr@contoh.go.id")
        if siti is not None:
            positions.choose_target(siti, by_code["PERAWAT-MUDA"], by=siti)
            if hr is not None:
                kep = db.session.scalar(sa.select(Competency).where(Competency.code == "DEMO-KEP"))
                records.record_assessment(
                    siti,
                    records.AssessmentData(
                        competency_id=kep.id,
                        level=2,
                        achieved_on=date(date.today().year, 1, 20),
                        evidence="Uji kompetensi perawat No. 445/17/DINKES",
                    ),
                    by=hr,
                )
                if siti.supervisor_id == hr.id:
                    appraisals.record_appraisal(
                        siti,
                        appraisals.AppraisalData(
                            year=date.today().year - 1,
                            period="annual",
                            work_rating="below",
                            behaviour=appraisals.all_values("meets") | {"kolaboratif": "above"},
                            notes="Target kunjungan rumah belum tercapai.",
                        ),
                        by=hr,
                    )
    db.session.flush()
    return [
        "Careers: positions, SKJ and career paths of the demo agency; HR analytics at /hr/, "
        "career profile at /careers/"
    ]
