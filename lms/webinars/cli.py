"""`flask lms send-webinar-reminders` and `flask lms close-stale-connections`, by hand.

Each server process sweeps stale connections itself every few seconds (presence.py); the job
worker's scheduler runs both every few minutes as jobs (jobs.py), also when no server runs.
"""

from datetime import UTC, datetime

import click
from flask import current_app, url_for
from flask.cli import AppGroup, with_appcontext

from ..core.cli import register_demo_seeder
from ..extensions import db
from . import attendance, demo, reminders
from .broadcast import announce_departures


def register(group: AppGroup) -> None:
    group.add_command(send_reminders_command)
    group.add_command(close_stale_command)
    register_demo_seeder(demo.seed, order=60)


@click.command("send-webinar-reminders")
@with_appcontext
def send_reminders_command():
    """Mail participants of webinars starting soon (each person once per webinar)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        sent = reminders.send_reminders(
            datetime.now(UTC), room_url=lambda w: url_for("webinars.room", webinar_id=w.id, _external=True)
        )
    db.session.commit()
    click.echo(f"Sent {sent} webinar reminder(s)")


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
