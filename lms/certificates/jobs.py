"""Bulk certificate issuance on the job queue, with progress for the admin who asked."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..jobs import job
from . import services

logger = logging.getLogger(__name__)

ISSUE_MISSING = "certificates.issue-missing"
CHUNK = 200


@job(ISSUE_MISSING, max_attempts=3, backoff=60)
def issue_missing_job(ctx, *, base_url: str) -> None:
    """Issue every certificate a completion is missing (idempotent: issued ones are skipped; each
    chunk is committed, so a retry goes on where a failure stopped)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(services.missing_query().subquery()))
    done = 0
    while batch := db.session.scalars(services.missing_query().limit(CHUNK)).all():
        for enrolment in batch:
            services.issue_for_enrolment(enrolment, base_url=base_url)
        done += len(batch)
        db.session.commit()
        ctx.progress(
            100 * done / max(total, done),
            _("%(done)d dari %(total)d sertifikat terbit", done=done, total=total),
        )
    ctx.job.message = _("%(count)d sertifikat diterbitkan", count=done)
    logger.info("job %s: %d certificates issued", ctx.job.id, done)
