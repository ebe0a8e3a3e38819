"""Demo data: one agency with a unit tree and an account for every role (idempotent)."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from . import agencies, services
from .models import Agency, Role, Unit

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed by `make run`, demo only
AGENCY = ("DEMO", "Pemerintah Kabupaten Nusa Harapan", "Asia/Jayapura")
UNITS = [  # code, name, parent code
    ("SETDA", "Sekretariat Daerah", None),
    ("SETDA-ORG", "Bagian Organisasi", "SETDA"),
    ("SETDA-UMUM", "Bagian Umum", "SETDA"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", None),
    ("BKPSDM-PK", "Bidang Pengembangan Kompetensi", "BKPSDM"),
    ("DINKES", "Dinas Kesehatan", None),
    ("PKM-KEMTUK", "Puskesmas Distrik Kemtuk", "DINKES"),
]
PEOPLE = [  # nip, name, email, unit, position, roles
    (
        "197801012005011001",
        "Ir. Yohanes Wenda, M.Si.",
        "admin@contoh.go.id",
        "BKPSDM",
        "Kepala Badan",
        (Role.ADMIN, Role.LEARNER),
    ),
    (
        "198204152008012002",
        "Maria Kogoya, S.E.",
        "hr@contoh.go.id",
        "BKPSDM",
        "Analis SDM Aparatur Ahli Muda",
        (Role.AGENCY_ADMIN, Role.LEARNER),
    ),
    (
        "197506202000031003",
        "Drs. Paulus Mandowen, M.Pd.",
        "pengajar@contoh.go.id",
        "BKPSDM-PK",
        "Widyaiswara Ahli Madya",
        (Role.TRAINER, Role.LEARNER),
    ),
    (
        "199203102019032001",
        "Siti Rahmawati, S.Kep.",
        "siti@contoh.go.id",
        "PKM-KEMTUK",
        "Perawat Ahli Pertama",
        (Role.LEARNER,),
    ),
    (
        "199511252020121004",
        "Andi Pratama, S.Kom.",
        "andi@contoh.go.id",
        "SETDA-ORG",
        "Pranata Komputer Ahli Pertama",
        (Role.LEARNER,),
    ),
    (
        "199007072015031002",
        "Yakobus Itlay, S.Sos.",
        "yakobus@contoh.go.id",
        "SETDA-UMUM",
        "Pengadministrasi Perkantoran",
        (Role.LEARNER,),
    ),
    (
        "199402142022212001",
        "Naomi Yoku, A.Md.Keb.",
        "naomi@contoh.go.id",
        "PKM-KEMTUK",
        "Bidan Terampil (PPPK)",
        (Role.LEARNER,),
    ),
]
SUPERVISORS = {  # nip -> supervisor nip
    "198204152008012002": "197801012005011001",
    "197506202000031003": "198204152008012002",
    "199203102019032001": "198204152008012002",
    "199511252020121004": "198204152008012002",
    "199007072015031002": "199511252020121004",
    "199402142022212001": "199203102019032001",
}


def seed() -> list[str]:
    """Create what is missing of the demo agency and accounts; return lines describing them."""
    code, name, timezone = AGENCY
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == code))
    if agency is None:
        agency = agencies.create_agency(code, name, timezone, by=None)
    units: dict[str, Unit] = {unit.code: unit for unit in agency.units}
    for unit_code, unit_name, parent in UNITS:
        if unit_code not in units:
            parent_id = units[parent].id if parent else None
            units[unit_code] = agencies.add_unit(agency, unit_code, unit_name, parent_id, by=None)
    people = {}
    for nip, person_name, email, unit_code, position, roles in PEOPLE:
        user = services.user_by_nip(nip)
        if user is None:
            user = services.create_user(
                services.NewUser(
                    nip=nip,
                    name=person_name,
                    email=email,
                    password=DEMO_PASSWORD,
                    unit_id=units[unit_code].id,
                    position_title=position,
                    roles=roles,
                )
            )
        people[nip] = user
    for nip, supervisor_nip in SUPERVISORS.items():
        if people[nip].supervisor_id is None:
            people[nip].supervisor_id = people[supervisor_nip].id
    db.session.flush()
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD}), log in with NIP or email:"]
    for nip, _name, email, _unit, _position, roles in PEOPLE:
        role_names = ", ".join(role.value for role in roles)
        lines.append(f"  {email:<24} NIP {nip}  [{role_names}]")
    return lines
