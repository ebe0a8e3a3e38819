"""`flask lms send-reminders`: the scheduled scan (due dates, webinars soon) by hand."""

import click
from flask.cli import AppGroup, with_appcontext

from ..core.clock import utcnow
from ..extensions import db
from . import reminders


def register(group: AppGroup) -> None:
    group.add_command(send_reminders_command)


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Notice due dates and webinars starting soon now (each once); the mails go out as jobs."""
    now = utcnow()
    due = reminders.notice_due_dates(now)
    webinars = reminders.notice_webinars(now)
    db.session.commit()
    click.echo(f"Added {due} due-date and {webinars} webinar notice(s)")
