"""`flask lms` commands of the competency catalogue."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..accounts.csv_rows import ImportRejected
from ..accounts.models import Agency
from ..core import csv_input
from ..core.cli import fail
from ..extensions import db
from . import csv_io


def register(group: AppGroup) -> None:
    group.add_command(import_competencies_command)


@click.command("import-competencies")
@with_appcontext
@click.argument("agency_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_competencies_command(agency_code: str, path: Path):
    """Import an agency's technical competencies (kode;nama;jenis;deskripsi;level;deskriptor)."""
    agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.upper()))
    if agency is None:
        fail([f"unknown agency code {agency_code!r}"])
    try:
        with path.open("rb") as handle:  # no more than the limit + 1: the importer refuses the rest
            data = handle.read(csv_input.max_bytes() + 1)
        result = csv_io.import_competencies(agency, data, by=None)
    except ImportRejected as exc:
        db.session.rollback()
        fail([f"row {p.row}, column {p.column}: {p.message}" for p in exc.problems])
    db.session.commit()
    click.echo(f"competencies of {agency.code}: {result.created} created, {result.updated} updated")
