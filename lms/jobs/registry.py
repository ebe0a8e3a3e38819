"""The job types and the scheduled work of the application, declared by the features.

A feature declares its job types in its own `jobs.py` (imported by the feature's package), with
the decorators below; the registry is code, fixed at import, never state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class UnknownJob(LookupError):
    """No job type has this name."""


@dataclass(frozen=True)
class JobType:
    name: str
    func: Callable  # func(ctx: JobContext, **args)
    max_attempts: int  # tries in all before the job is marked failed
    backoff: float  # seconds before the first retry; doubled for each further one


@dataclass(frozen=True)
class Scheduled:
    name: str
    every: int  # seconds between runs
    func: Callable  # func(now: datetime) -> object; runs in an app context, commits its own work


JOB_TYPES: dict[str, JobType] = {}
SCHEDULE: dict[str, Scheduled] = {}


def job(name: str, *, max_attempts: int = 3, backoff: float = 30):
    """Declare a job type: `@job("reports.export")` over `def export(ctx, *, agency_id, ...)`.

    The function receives a `JobContext` and the job's JSON arguments as keywords. It must be
    idempotent (a retry, or a second delivery, runs it again). It flushes; the runner commits.
    """

    def decorate(func: Callable) -> Callable:
        JOB_TYPES[name] = JobType(name, func, max_attempts, backoff)
        return func

    return decorate


def every(seconds: int, name: str):
    """Declare scheduled work: `@every(60, "quizzes.close-overdue")` over `def close(now): ...`.

    Each run is claimed in the database first, so several schedulers (machines) run it once.
    """

    def decorate(func: Callable) -> Callable:
        SCHEDULE[name] = Scheduled(name, seconds, func)
        return func

    return decorate


def job_type(name: str) -> JobType:
    try:
        return JOB_TYPES[name]
    except KeyError:
        raise UnknownJob(name) from None
