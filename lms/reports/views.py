"""HR reports of an agency: dashboard, JP compliance, gap heatmap, talent 9-box, promotion
readiness, and the exports. Agency admins see their own agency; administrators any."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.agencies import agencies_for, unit_tree
from ..accounts.models import Agency
from ..careers import jp, training_requests
from ..careers.positions import load_position, positions_of
from ..competencies.models import Competency
from ..core import tabular
from ..core.urls import int_arg
from ..extensions import db
from ..jobs import enqueue
from . import bp, completion, compliance, dashboard, exports, heatmap, jobs, readiness, talent
from .units import subtree_ids


def year_arg(agency: Agency) -> int:
    current = jp.current_year(current_user)
    year = int_arg("year")
    return year if year is not None and 2000 <= year <= current + 1 else current


def unit_ids_arg(agency: Agency) -> tuple[int | None, list[int] | None]:
    """The ?unit= of a report and the ids of its subtree; 404 for a unit of another agency."""
    unit_id = int_arg("unit")
    unit_ids = subtree_ids(agency.id, unit_id) if unit_id else None
    if unit_id and unit_ids is None:
        abort(404)
    return unit_id, unit_ids


def completion_filters(kind: str) -> dict:
    """The ?course=, ?unit= and ?status= of the completion export (nothing for other kinds)."""
    if kind != "completion":
        return {}
    status = request.args.get("status", "")
    return {
        "course_id": int_arg("course"),
        "unit_id": int_arg("unit"),
        "status": status if status in completion.STATUSES else "",
    }


@bp.get("/")
@roles_required(*HR_ROLES)
def index():
    if current_user.is_admin:
        return render_template("reports/agencies.html", agencies=agencies_for(current_user))
    if current_user.agency_id is None:
        abort(403)
    return redirect(url_for(".dashboard", agency_id=current_user.agency_id))


@bp.get("/<int:agency_id>", endpoint="dashboard")
@roles_required(*HR_ROLES)
def dashboard_page(agency_id: int):
    agency = managed_agency(agency_id)
    year = year_arg(agency)
    report, box = dashboard.overview(agency.id, year, jp.yearly_target())
    return render_template(
        "reports/dashboard.html",
        agency=agency,
        report=report,
        box=box,
        open_requests=training_requests.open_count(agency.id),
        year=year,
    )


@bp.get("/<int:agency_id>/jp", endpoint="compliance")
@roles_required(*HR_ROLES)
def compliance_page(agency_id: int):
    agency = managed_agency(agency_id)
    year = year_arg(agency)
    target = jp.yearly_target()
    report = compliance.compliance(agency.id, year, target)
    unit_id, unit_ids = unit_ids_arg(agency)
    page = max(int_arg("page") or 1, 1)
    people, has_next = compliance.under_target(agency.id, year, target, unit_ids=unit_ids, page=page)
    unit = next((row.unit for row in report.rows if row.unit and row.unit.id == unit_id), None)
    return render_template(
        "reports/compliance.html",
        agency=agency,
        report=report,
        people=people,
        has_next=has_next,
        page=page,
        unit=unit,
        year=year,
    )


@bp.get("/<int:agency_id>/heatmap", endpoint="heatmap")
@roles_required(*HR_ROLES)
def heatmap_page(agency_id: int):
    agency = managed_agency(agency_id)
    unit_id = int_arg("unit")
    data = heatmap.heatmap(agency.id, unit_id)
    if unit_id and data.parent is None:
        abort(404)
    return render_template("reports/heatmap.html", agency=agency, heatmap=data)


@bp.get("/<int:agency_id>/heatmap/<int:competency_id>")
@roles_required(*HR_ROLES)
def heatmap_people(agency_id: int, competency_id: int):
    agency = managed_agency(agency_id)
    competency = db.get_or_404(Competency, competency_id)
    if competency.agency_id not in (None, agency.id):
        abort(404)
    unit_id, unit_ids = unit_ids_arg(agency)
    page = max(int_arg("page") or 1, 1)
    people, has_next = heatmap.gap_people(agency.id, unit_ids, competency.id, page=page)
    unit = next((u for u, _depth in unit_tree(agency.id) if u.id == unit_id), None) if unit_id else None
    return render_template(
        "reports/gap_people.html",
        agency=agency,
        competency=competency,
        unit=unit,
        people=people,
        has_next=has_next,
        page=page,
    )


@bp.get("/<int:agency_id>/talent", endpoint="talent")
@roles_required(*HR_ROLES)
def talent_page(agency_id: int):
    agency = managed_agency(agency_id)
    box = talent.ninebox(agency.id)
    perf, fit = int_arg("perf"), int_arg("fit")
    members, has_next, page = [], False, max(int_arg("page") or 1, 1)
    selected = None
    if perf in (1, 2, 3) and fit in (1, 2, 3):
        selected = talent.BOXES[(perf, fit)]
        members, has_next = talent.box_members(agency.id, perf, fit, page=page)
    return render_template(
        "reports/talent.html",
        agency=agency,
        box=box,
        members=members,
        has_next=has_next,
        page=page,
        selected=selected,
        perf=perf,
        fit=fit,
        boxes=talent.BOXES,
        actions=talent.BOX_ACTIONS,
        perf_labels=talent.PERF_LABELS,
        fit_labels=talent.FIT_LABELS,
    )


@bp.get("/<int:agency_id>/readiness", endpoint="readiness")
@roles_required(*HR_ROLES)
def readiness_page(agency_id: int):
    agency = managed_agency(agency_id)
    position_id = int_arg("position")
    position = load_position(position_id) if position_id else None
    if position_id and (position is None or position.agency_id != agency.id):
        abort(404)
    candidates, pool = readiness.readiness(position, year_arg(agency)) if position else ([], 0)
    return render_template(
        "reports/readiness.html",
        agency=agency,
        position=position,
        positions=positions_of(agency.id),
        candidates=candidates,
        pool=pool,
    )


@bp.get(
    "/<int:agency_id>/export/<any(jp, heatmap, talent, readiness, 'training-history', completion):kind>."
    "<any(csv, xlsx):fmt>"
)
@roles_required(*HR_ROLES)
def export_file(agency_id: int, kind: str, fmt: str):
    agency = managed_agency(agency_id)
    position = load_position(int_arg("position") or 0) if kind == "readiness" else None
    try:
        export = exports.report_export(
            kind,
            agency,
            year=year_arg(agency),
            target=jp.yearly_target(),
            position=position,
            history_year=int_arg("year"),
            site=current_app.config.get("SITE_NAME", ""),
            jp_minutes=jp.jp_minutes(),
            **completion_filters(kind),
        )
    except LookupError:
        abort(404)
    return tabular.download(
        f"{export.basename}.{fmt}", tabular.chunks(fmt, export.header, export.rows, sheet=export.sheet)
    )


@bp.post(
    "/<int:agency_id>/export/<any(jp, heatmap, talent, readiness, 'training-history', completion):kind>."
    "<any(csv, xlsx):fmt>/job"
)
@roles_required(*HR_ROLES)
def export_job(agency_id: int, kind: str, fmt: str):
    """The same export, prepared in the background: the person waits on the job's page."""
    agency = managed_agency(agency_id)
    position = load_position(int_arg("position") or 0) if kind == "readiness" else None
    if kind == "readiness" and position is None:
        abort(404)
    args = {
        "agency_id": agency.id,
        "kind": kind,
        "fmt": fmt,
        "year": year_arg(agency),
        "target": jp.yearly_target(),
        "position_id": position.id if position else None,
        "history_year": int_arg("year"),
        "site": current_app.config.get("SITE_NAME", ""),
        "jp_minutes": jp.jp_minutes(),
        **completion_filters(kind),
    }
    job = enqueue(
        jobs.EXPORT,
        args,
        by=current_user,
        key=jobs.export_key(current_user.id, args),
        locale=str(get_locale()),
    )
    db.session.commit()
    return redirect(url_for("jobs.status", job_id=job.id))
