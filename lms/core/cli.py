"""The `flask lms` command group; each feature attaches its commands in its own cli.py."""

import click
from flask.cli import AppGroup

from ..extensions import db

lms_group = AppGroup("lms", help="Perintah operator platform pembelajaran ASN.")


def fail(problems: list[str]) -> None:
    """Print every problem and exit non-zero."""
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    raise SystemExit(1)


# Features add their demo data here (accounts: agency and people; courses: sample courses, ...).
_demo_seeders: list[tuple[int, object]] = []


def register_demo_seeder(seeder, order: int = 50) -> None:
    """seeder() -> list of lines to print; it must be idempotent."""
    if all(existing is not seeder for _, existing in _demo_seeders):
        _demo_seeders.append((order, seeder))
        _demo_seeders.sort(key=lambda item: item[0])


@lms_group.command("seed-demo")
def seed_demo_command():
    """Create the demo agency, accounts and content (safe to run again)."""
    lines: list[str] = []
    for _, seeder in _demo_seeders:
        lines.extend(seeder())
    db.session.commit()
    for line in lines:
        click.echo(line)
