"""`flask lms jobs-worker` (the worker process), `flask lms run-scheduled` (one pass of the
scheduled work, for a systemd timer when no worker runs the scheduler), `flask lms run-jobs`."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from . import scheduler
from .queue import queue_of


def register(group: AppGroup) -> None:
    group.add_command(jobs_worker_command)
    group.add_command(run_scheduled_command)
    group.add_command(run_jobs_command)


@click.command("jobs-worker")
@click.option("--workers", default=2, show_default=True, help="Threads running jobs at once.")
@click.option("--no-scheduler", is_flag=True, help="Do not run the scheduled work from this worker.")
@with_appcontext
def jobs_worker_command(workers: int, no_scheduler: bool):
    """Run jobs from the queue (JOBS_QUEUE) until stopped (SIGINT/SIGTERM finish the running jobs)."""
    queue_of().consumer(workers=workers, periodic=not no_scheduler).run()


@click.command("run-scheduled")
@click.option("--only", multiple=True, help="Run only this scheduled work (repeatable).")
@with_appcontext
def run_scheduled_command(only: tuple[str, ...]):
    """Run the scheduled work that is due (safe on several machines at once: each runs once)."""
    ran = scheduler.run_due(only=set(only) or None)
    click.echo("ran: " + (", ".join(ran) if ran else "nothing due"))


@click.command("run-jobs")
@with_appcontext
def run_jobs_command():
    """Run the jobs that are ready now, here, then stop (for a queue without a worker)."""
    click.echo(f"{queue_of().drain()} job message(s) handled")
