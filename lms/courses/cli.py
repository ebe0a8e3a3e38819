"""`flask lms import-course`, `flask lms export-course`, and the sample courses of `seed-demo`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from ..accounts import demo
from ..accounts import services as account_services
from ..accounts.models import Role
from ..core import safe_yaml
from ..core.cli import fail, register_demo_seeder
from ..extensions import db
from . import bundles, services
from .bundle_io import BundleInvalid

SAMPLES_DIR = Path(__file__).resolve().parent.parent.parent / "courses"


def register(group: AppGroup) -> None:
    group.add_command(import_course_command)
    group.add_command(export_course_command)
    register_demo_seeder(seed_sample_courses, order=20)


@click.command("import-course")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--publish/--draft",
    default=True,
    show_default=True,
    help="Publish the course (a published course stays published when re-imported).",
)
def import_course_command(path: Path, publish: bool):
    """Import a course bundle (a folder or a .zip); re-importing updates the course in place."""
    try:
        result = bundles.import_bundle(path, publish=publish)
    except BundleInvalid as exc:
        db.session.rollback()
        fail([str(problem) for problem in exc.problems])
    db.session.commit()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    course = result.course
    state = "created" if result.created else ("updated" if result.changed else "unchanged")
    click.echo(
        f"Course {course.slug} {state}: {course.title} "
        f"(status {course.status.value}, version {course.version})"
    )


@click.command("export-course")
@click.argument("slug")
@click.argument("path", type=click.Path(path_type=Path))
def export_course_command(slug: str, path: Path):
    """Export a course as a bundle folder, or as a zip when PATH ends in .zip."""
    course = services.course_by_slug(slug)
    if course is None:
        fail([f"unknown course {slug!r}"])
    if path.exists() and path.is_dir() and any(path.iterdir()):
        fail([f"{path} is not empty; choose a new folder"])
    bundles.export_to(course, path)
    click.echo(f"Exported {slug} to {path}")


def _demo_trainer():
    for _nip, _name, email, _unit, _position, roles in demo.PEOPLE:
        if Role.TRAINER in roles:
            return account_services.user_by_email(email)
    return None


def seed_sample_courses() -> list[str]:
    """Import the sample courses of courses/ that are not in the database yet (published)."""
    lines = ["Sample courses:"]
    trainer = _demo_trainer()
    for course_file in sorted(SAMPLES_DIR.glob("*/course.yaml")):
        slug = (safe_yaml.load(course_file.read_text(encoding="utf-8")) or {}).get("slug")
        course = services.course_by_slug(slug) if slug else None
        if course is None:
            course = bundles.import_bundle(course_file.parent, by=trainer, publish=True).course
        lines.append(f"  /courses/{course.slug}  {course.title}")
    return lines
