"""Whole-agency exports on the job queue: the file is written under instance/exports/<job>/,
with progress for the person waiting, and downloaded by them only until it expires."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from ..accounts.models import Agency, User
from ..careers.positions import load_position
from ..core import tabular
from ..core.domain import DomainError
from ..extensions import db
from ..jobs import job
from . import exports

logger = logging.getLogger(__name__)

EXPORT = "reports.export"
PROGRESS_EVERY = 500


def export_key(user_id: int, args: dict) -> str:
    """One pending export per person and identical request: asking twice joins the first."""
    return f"{EXPORT}:{user_id}:" + ":".join(f"{k}={args[k]}" for k in sorted(args))


def _counted(rows: Iterable[list], ctx, total: int) -> Iterator[list]:
    for n, row in enumerate(rows, 1):
        if n % PROGRESS_EVERY == 0:
            ctx.progress(min(99, 100 * n / max(total, n)), _("%(count)d baris ditulis", count=n))
        yield row


@job(EXPORT, max_attempts=3, backoff=30)
def export_job(
    ctx,
    *,
    agency_id: int,
    kind: str,
    fmt: str,
    year: int,
    target: int,
    position_id: int | None = None,
    history_year: int | None = None,
    site: str = "",
    jp_minutes: int = 45,
    course_id: int | None = None,
    unit_id: int | None = None,
    status: str = "",
) -> None:
    """Write one HR export of an agency to its file (idempotent: a retry writes it anew)."""
    agency = db.session.get(Agency, agency_id)
    if agency is None or fmt not in ("csv", "xlsx"):
        raise DomainError(_("Ekspor ini tidak dapat dibuat."))
    position = load_position(position_id) if position_id else None
    export = exports.report_export(
        kind,
        agency,
        year=year,
        target=target,
        position=position,
        history_year=history_year,
        site=site,
        jp_minutes=jp_minutes,
        course_id=course_id,
        unit_id=unit_id,
        status=status,
    )
    staff = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.agency_id == agency.id))
    path = ctx.result_file(f"{export.basename}.{fmt}")
    ctx.progress(0, _("Menyiapkan berkas"))
    rows = _counted(export.rows, ctx, staff or 1)
    with path.open("wb") as out:
        for chunk in tabular.chunks(fmt, export.header, rows, sheet=export.sheet):
            out.write(chunk)
    ctx.job.message = _("Berkas siap diunduh")
    logger.info("job %s: export %s of agency %s written", ctx.job.id, kind, agency.code)
