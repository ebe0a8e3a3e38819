"""`flask lms` commands of careers: the positions import, the analytics refresh, and the careers
part of `seed-demo` (the benchmark data generator is bench/generate_agency.py)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..accounts import services as account_services
from ..accounts.csv_rows import ImportRejected
from ..accounts.demo import AGENCY
from ..accounts.models import Agency
from ..competencies import csv_io as competency_csv
from ..competencies.models import Competency
from ..core import csv_input
from ..core.cli import fail, register_demo_seeder
from ..extensions import db
from . import appraisals, csv_io, positions, records, summaries
from .models import Position


def register(group: AppGroup) -> None:
    group.add_command(import_positions_command)
    group.add_command(refresh_command)
    register_demo_seeder(seed_demo, order=30)


def _agency(code: str) -> Agency:
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == code.upper()))
    if agency is None:
        fail([f"unknown agency code {code!r}"])
    return agency


@click.command("import-positions")
@with_appcontext
@click.argument("agency_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_positions_command(agency_code: str, path: Path):
    """Import an agency's positions (kode;nama;jenis;deskripsi;kompetensi;jabatan_berikutnya)."""
    agency = _agency(agency_code)
    try:
        with path.open("rb") as handle:  # no more than the limit + 1: the importer refuses the rest
            data = handle.read(csv_input.max_bytes() + 1)
        result = csv_io.import_positions(agency, data, by=None)
    except ImportRejected as exc:
        db.session.rollback()
        fail([f"row {p.row}, column {p.column}: {p.message}" for p in exc.problems])
    db.session.commit()
    click.echo(f"positions of {agency.code}: {result.created} created, {result.updated} updated")


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
        competency_csv.import_competencies(agency, DEMO_COMPETENCIES.encode(), by=None)
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
