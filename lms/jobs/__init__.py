"""Jobs: long work on a queue, recorded for admins, and scheduled work without cron lines.

The API, for every feature (see services and registry for the details):

    from ..jobs import job, every, enqueue

    @job("certificates.issue-missing", max_attempts=3, backoff=30)
    def issue_missing(ctx, *, base_url):          # ctx: JobContext; JSON arguments as keywords
        ...; ctx.progress(40, "...")                 # idempotent; flushes, the runner commits

    @every(60, "quizzes.close-overdue")
    def close_overdue(now): ...                      # claimed once across every scheduler

    job = enqueue("certificates.issue-missing", {"base_url": url}, by=user, key="issue-missing")
    db.session.commit()                              # handed to a worker after the commit

This package sits just above the core: it imports only core and extensions. Features put their
job functions in their own `jobs.py`; `lms/__init__.py` imports them when building the app.
"""

from flask import Blueprint, Flask

bp = Blueprint("jobs", __name__)

from . import scheduler, services, views  # noqa: E402, F401
from .models import Job, JobState  # noqa: E402, F401
from .queue import Queue, queue_of  # noqa: E402, F401
from .registry import every, job  # noqa: E402, F401
from .services import JobContext, enqueue  # noqa: E402, F401


def init_app(app: Flask) -> None:
    """Create the app's queue (JOBS_QUEUE) and its pages; with JOBS_WORKER_IN_PROCESS, a worker
    starts inside the web process at its first request (`make run`: nothing else to start)."""
    queue = Queue(app, run=services.run, tick=scheduler.run_due)
    app.extensions["jobs"] = queue
    app.register_blueprint(bp)
    if app.config.get("JOBS_WORKER_IN_PROCESS"):
        app.before_request(queue.start_in_process)
