"""`flask lms backup [DESTINATION]` and `flask lms restore ARCHIVE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..core.cli import fail
from . import archive


def register(group: AppGroup) -> None:
    group.add_command(backup_command)
    group.add_command(restore_command)


@click.command("backup")
@click.argument("destination", required=False, type=click.Path(path_type=Path))
@with_appcontext
def backup_command(destination: Path | None):
    """Write the database, uploads and signing keys to one archive with checksums.

    DESTINATION is a file or a folder (default: instance/backups/). Copy the archive off the
    machine: it holds the signing keys, so keep it as safe as they are.
    """
    if destination is None:
        destination = Path(current_app.instance_path) / "backups"
        destination.mkdir(parents=True, exist_ok=True)
    try:
        summary = archive.backup(destination)
    except archive.BackupError as exc:
        fail([str(exc)])
    click.echo(
        f"Backup written: {summary.archive} ({summary.database}, revision {summary.revision}, "
        f"{summary.files} files, {summary.bytes} bytes)"
    )
    for note in summary.notes:
        click.echo(f"note: {note}")


@click.command("restore")
@click.argument(
    "archive_path", metavar="ARCHIVE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive_path: Path, yes: bool):
    """Replace the database, uploads and signing keys with those of ARCHIVE (all or nothing).

    Stop the application first. The archive is checked whole before anything changes; what is
    replaced is kept next to it as *.before-restore-<time>. Run `flask db upgrade` afterwards
    when the archive comes from an older version.
    """
    if not yes:
        click.confirm(
            f"Replace this instance's database, uploads and signing keys with {archive_path}?", abort=True
        )
    try:
        summary = archive.restore(archive_path)
    except (archive.BackupError, OSError) as exc:
        fail([f"nothing was changed: {exc}"])
    click.echo(
        f"Restored from {summary.archive} ({summary.database}, revision {summary.revision}, "
        f"{summary.files} files). Start the application again; run `flask db upgrade` if the code is newer."
    )
    for note in summary.notes:
        click.echo(f"note: {note}")
