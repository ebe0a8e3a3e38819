"""`flask lms close-stale-connections`, by hand.

Each server process sweeps stale connections itself every few seconds (presence.py); the job
worker's scheduler runs it every few minutes as a job (jobs.py), also when no server runs.
Reminders before a webinar are notices: `flask lms send-reminders` (lms.notifications).
"""

from datetime import UTC, datetime

import click
from flask.cli import AppGroup, with_appcontext

from ..core.cli import register_demo_seeder
from ..extensions import db
from . import attendance, demo
from .broadcast import announce_departures


def register(group: AppGroup) -> None:
    group.add_command(close_stale_command)
    register_demo_seeder(demo.seed, order=60)


@click.command("close-stale-connections")
@with_appcontext
def close_stale_command():
    """Close room connections that stopped sending heartbeats, and finalize finished webinars."""
    at = datetime.now(UTC)
    departures = attendance.close_stale(None, at)
    finalized = attendance.finalize_due(at)
    db.session.commit()
    announce_departures(departures)
    click.echo(
        f"Closed connections of {len(departures)} participant(s); finalized {len(finalized)} webinar(s)"
    )
