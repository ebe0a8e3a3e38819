"""`flask lms import-questions`, `export-questions` and `close-overdue-attempts`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from ..core.cli import fail
from ..courses import services as course_services
from ..extensions import db
from . import attempts, formats, services
from .formats import FORMATS, ImportInvalid


def register(group: AppGroup) -> None:
    group.add_command(import_questions_command)
    group.add_command(export_questions_command)
    group.add_command(close_overdue_command)


def _course(slug: str):
    course = course_services.course_by_slug(slug)
    if course is None:
        fail([f"unknown course {slug!r}"])
    return course


@click.command("import-questions")
@with_appcontext
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="gift, aiken or xml (Moodle XML); detected from the content when left out.",
)
@click.option("--bank", "bank_name", default=None, help="Bank name (the course's first bank by default).")
def import_questions_command(slug: str, file: Path, fmt: str | None, bank_name: str | None):
    """Import a GIFT, Aiken or Moodle XML file into a course's question bank (all or nothing)."""
    course = _course(slug)
    bank = services.default_bank(course)
    if bank_name:
        bank = next(
            (b for b in services.banks_of(course) if b.name == bank_name), None
        ) or services.create_bank(course, bank_name, by=None)
    try:
        with file.open("rb") as handle:  # no more than the limit + 1: decode() refuses the rest
            data = handle.read(formats.max_bytes() + 1)
        summary = services.import_questions(bank, data, fmt, by=None)
    except ImportInvalid as exc:
        db.session.rollback()
        fail([f"{file}: {problem}" for problem in exc.problems])
    db.session.commit()
    click.echo(f"Imported {summary.total} questions into {course.slug} / {bank.name}:")
    for qtype, count in sorted(summary.counts.items()):
        click.echo(f"  {qtype}: {count}")
    if summary.notes:
        click.echo("Adapted to import them:")
        for line in summary.note_lines():
            click.echo(f"  {line}")


@click.command("export-questions")
@with_appcontext
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="gift", show_default=True)
def export_questions_command(slug: str, file: Path, fmt: str):
    """Export every question of a course's banks as GIFT, Aiken or Moodle XML."""
    course = _course(slug)
    questions = [q for bank in services.banks_of(course) for q in services.questions_of(bank)]
    text, skipped = services.export_questions(questions, fmt)
    file.write_text(text, encoding="utf-8")
    click.echo(f"Exported {len(questions) - skipped} questions of {slug} to {file}")
    if skipped:
        click.echo(f"warning: {skipped} questions cannot be written as {fmt} and were left out", err=True)


@click.command("close-overdue-attempts")
@with_appcontext
def close_overdue_command():
    """Grade every attempt whose deadline has passed (run from cron, e.g. every minute)."""
    closed = attempts.close_overdue_attempts()
    db.session.commit()
    click.echo(f"Closed {closed} overdue attempts")
