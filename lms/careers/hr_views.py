"""HR of an agency: dashboard, JP compliance, gap heatmap, talent 9-box, promotion readiness,
exports, and training requests. Agency admins see their own agency; administrators any."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.agencies import agencies_for, can_manage_hr, unit_tree
from ..accounts.models import Agency, User
from ..competencies.models import Competency
from ..core.forms import form_error
from ..extensions import db
from . import analytics, export, jp, training_requests
from . import hr_bp as bp
from .errors import CareerError
from .forms import AnswerForm
from .models import Position, RequestStatus, TrainingRequest
from .positions import load_position, positions_of
from .views import int_arg

MANAGERS = HR_ROLES


def year_arg(agency: Agency) -> int:
    current = jp.current_year(current_user)
    year = int_arg("year")
    return year if year is not None and 2000 <= year <= current + 1 else current


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    if current_user.is_admin:
        return render_template("careers/hr/agencies.html", agencies=agencies_for(current_user))
    if current_user.agency_id is None:
        abort(403)
    return redirect(url_for(".dashboard", agency_id=current_user.agency_id))


@bp.get("/<int:agency_id>")
@roles_required(*MANAGERS)
def dashboard(agency_id: int):
    agency = managed_agency(agency_id)
    year = year_arg(agency)
    report, box = analytics.overview(agency.id, year, jp.yearly_target())
    open_requests = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TrainingRequest)
            .join(User, User.id == TrainingRequest.user_id)
            .where(User.agency_id == agency.id, TrainingRequest.status == RequestStatus.OPEN)
        )
        or 0
    )
    return render_template(
        "careers/hr/dashboard.html",
        agency=agency,
        report=report,
        box=box,
        open_requests=open_requests,
        year=year,
    )


# ---------------------------------------------------------------- JP compliance


@bp.get("/<int:agency_id>/jp")
@roles_required(*MANAGERS)
def compliance(agency_id: int):
    agency = managed_agency(agency_id)
    year = year_arg(agency)
    target = jp.yearly_target()
    report = analytics.compliance(agency.id, year, target)
    unit_id = int_arg("unit")
    unit_ids = analytics.subtree_ids(agency.id, unit_id) if unit_id else None
    if unit_id and unit_ids is None:
        abort(404)
    page = max(int_arg("page") or 1, 1)
    people, has_next = analytics.under_target(agency.id, year, target, unit_ids=unit_ids, page=page)
    unit = next((row.unit for row in report.rows if row.unit and row.unit.id == unit_id), None)
    return render_template(
        "careers/hr/compliance.html",
        agency=agency,
        report=report,
        people=people,
        has_next=has_next,
        page=page,
        unit=unit,
        year=year,
    )


# ---------------------------------------------------------------- heatmap


@bp.get("/<int:agency_id>/heatmap")
@roles_required(*MANAGERS)
def heatmap(agency_id: int):
    agency = managed_agency(agency_id)
    unit_id = int_arg("unit")
    data = analytics.heatmap(agency.id, unit_id)
    if unit_id and data.parent is None:
        abort(404)
    return render_template("careers/hr/heatmap.html", agency=agency, heatmap=data)


@bp.get("/<int:agency_id>/heatmap/<int:competency_id>")
@roles_required(*MANAGERS)
def heatmap_people(agency_id: int, competency_id: int):
    agency = managed_agency(agency_id)
    competency = db.get_or_404(Competency, competency_id)
    if competency.agency_id not in (None, agency.id):
        abort(404)
    unit_id = int_arg("unit")
    unit_ids = analytics.subtree_ids(agency.id, unit_id) if unit_id else None
    if unit_id and unit_ids is None:
        abort(404)
    page = max(int_arg("page") or 1, 1)
    people, has_next = analytics.gap_people(agency.id, unit_ids, competency.id, page=page)
    unit = next((u for u, _depth in unit_tree(agency.id) if u.id == unit_id), None) if unit_id else None
    return render_template(
        "careers/hr/gap_people.html",
        agency=agency,
        competency=competency,
        unit=unit,
        people=people,
        has_next=has_next,
        page=page,
    )


# ---------------------------------------------------------------- 9-box


@bp.get("/<int:agency_id>/talent")
@roles_required(*MANAGERS)
def talent(agency_id: int):
    agency = managed_agency(agency_id)
    box = analytics.ninebox(agency.id)
    perf, fit = int_arg("perf"), int_arg("fit")
    members, has_next, page = [], False, max(int_arg("page") or 1, 1)
    selected = None
    if perf in (1, 2, 3) and fit in (1, 2, 3):
        selected = analytics.BOXES[(perf, fit)]
        members, has_next = analytics.box_members(agency.id, perf, fit, page=page)
    return render_template(
        "careers/hr/talent.html",
        agency=agency,
        box=box,
        members=members,
        has_next=has_next,
        page=page,
        selected=selected,
        perf=perf,
        fit=fit,
        boxes=analytics.BOXES,
        actions=analytics.BOX_ACTIONS,
        perf_labels=analytics.PERF_LABELS,
        fit_labels=analytics.FIT_LABELS,
    )


# ---------------------------------------------------------------- promotion readiness


@bp.get("/<int:agency_id>/readiness")
@roles_required(*MANAGERS)
def readiness(agency_id: int):
    agency = managed_agency(agency_id)
    position_id = int_arg("position")
    position = load_position(position_id) if position_id else None
    if position_id and (position is None or position.agency_id != agency.id):
        abort(404)
    candidates, pool = analytics.readiness(position, year_arg(agency)) if position else ([], 0)
    return render_template(
        "careers/hr/readiness.html",
        agency=agency,
        position=position,
        positions=positions_of(agency.id),
        candidates=candidates,
        pool=pool,
    )


# ---------------------------------------------------------------- exports


@bp.get(
    "/<int:agency_id>/export/<any(jp, heatmap, talent, readiness, 'training-history'):kind>."
    "<any(csv, xlsx):fmt>"
)
@roles_required(*MANAGERS)
def export_file(agency_id: int, kind: str, fmt: str):
    agency = managed_agency(agency_id)
    year = year_arg(agency)
    base = f"{agency.code.lower()}-{kind}"
    if kind == "jp":
        target = jp.yearly_target()
        header = [
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan"),
            _("JP %(year)d", year=year),
            _("Kurang (JP)"),
        ]
        return export.respond(
            fmt,
            f"{base}-{year}",
            _("JP di bawah target"),
            header,
            analytics.under_target_rows(agency.id, year, target),
        )
    if kind == "heatmap":
        header = [
            _("Kode unit"),
            _("Unit kerja"),
            _("Kode kompetensi"),
            _("Kompetensi"),
            _("Pegawai"),
            _("Memenuhi"),
            _("Belum memenuhi"),
            _("Rata-rata kesenjangan"),
        ]
        return export.respond(fmt, base, _("Peta kesenjangan"), header, analytics.heatmap_rows(agency.id))
    if kind == "talent":
        header = [
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan"),
            _("Predikat kinerja"),
            _("Kesesuaian kompetensi (%)"),
            _("Kotak"),
        ]
        return export.respond(fmt, base, _("Kotak talenta"), header, analytics.ninebox_rows(agency.id))
    if kind == "readiness":
        position = db.session.get(Position, int_arg("position") or 0)
        if position is None or position.agency_id != agency.id:
            abort(404)
        header = [
            _("Peringkat"),
            _("NIP"),
            _("Nama"),
            _("Unit kerja"),
            _("Jabatan sekarang"),
            _("Kesesuaian (%)"),
            _("Memenuhi"),
            _("Predikat kinerja"),
            _("JP %(year)d", year=year),
            _("Kesenjangan"),
            _("Bukti"),
        ]
        return export.respond(
            fmt,
            f"{base}-{position.code.lower()}",
            _("Kesiapan promosi"),
            header,
            analytics.readiness_rows(position, year),
        )
    year_filter = int_arg("year")
    return export.respond(
        fmt,
        base + (f"-{year_filter}" if year_filter else ""),
        _("Riwayat diklat"),
        export.training_history_header(),
        export.training_history_rows(agency.id, year_filter),
    )


# ---------------------------------------------------------------- training requests


@bp.get("/<int:agency_id>/requests")
@roles_required(*MANAGERS)
def requests(agency_id: int):
    agency = managed_agency(agency_id)
    status = request.args.get("status", "")
    chosen = RequestStatus(status) if status in {s.value for s in RequestStatus} else None
    pagination = db.paginate(
        training_requests.agency_requests_query(agency.id, chosen), per_page=50, error_out=False
    )
    return render_template(
        "careers/hr/requests.html",
        agency=agency,
        page=pagination,
        status=status,
        statuses=list(RequestStatus),
    )


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def answer_request(request_id: int):
    item = db.get_or_404(TrainingRequest, request_id)
    if not can_manage_hr(current_user, item.user.agency_id):
        abort(403)
    form = AnswerForm(obj=item)
    if request.method == "GET" and item.status is not RequestStatus.OPEN:
        form.status.data = item.status.value
    if form.validate_on_submit():
        try:
            training_requests.answer(item, form.status.data or "", form.answer.data, by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Jawaban dikirim kepada %(name)s.", name=item.user.name), "success")
            return redirect(url_for(".requests", agency_id=item.user.agency_id))
    return render_template("careers/hr/answer.html", item=item, form=form)
