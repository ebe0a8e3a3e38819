"""Career profile pages: one's own, a subordinate's (supervisor), anyone's of the agency (HR);
the target position, training requests, the supervisor's team and performance appraisals."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import audit
from ..accounts.agencies import can_manage_hr
from ..accounts.models import User
from ..competencies.services import available_competencies
from ..core.forms import choices, form_error
from ..core.home import register_home_panel
from ..core.urls import int_arg
from ..extensions import db
from . import access, appraisals, jp, training_requests
from . import bp as bp
from . import positions as position_services
from .errors import CareerError, CareerPermissionDenied
from .forms import AppraisalForm, ResponseForm, TargetForm, TrainingRequestForm
from .models import Appraisal
from .profile import career_profile, target_choices, team_members

TEAM_PAGE_SIZE = 50


def viewable_person(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if not access.can_view_profile(current_user, person):
        abort(403)
    return person


def _profile_page(person: User, *, target_form=None, request_form=None, status: int = 200):
    profile = career_profile(person)
    is_self = person.id == current_user.id
    if is_self:
        target_form = target_form or TargetForm(target_position_id=profile.target and profile.target.id)
        target_form.target_position_id.choices = choices(
            [("", _("Belum memilih"))]
            + [
                (p.id, p.name + (" ★" if p.id in profile.next_position_ids else ""))
                for p in target_choices(person, profile)
            ]
        )
        request_form = request_form or TrainingRequestForm()
        request_form.competency_id.choices = choices(
            [("", _("Pilih kompetensi"))]
            + [(c.id, f"{c.name} ({c.type.label})") for c in available_competencies(person.agency_id)]
        )
    return render_template(
        "careers/profile.html",
        profile=profile,
        person=person,
        is_self=is_self,
        is_hr=can_manage_hr(current_user, person.agency_id),
        can_appraise=appraisals.can_appraise(current_user, person),
        target_form=target_form,
        request_form=request_form,
        response_form=ResponseForm(),
        jp_minutes=jp.jp_minutes(),
    ), status


@bp.get("/")
@login_required
def my_profile():
    return _profile_page(current_user)


@bp.get("/people/<int:user_id>")
@login_required
def person_profile(user_id: int):
    if user_id == current_user.id:
        return redirect(url_for(".my_profile"))
    return _profile_page(viewable_person(user_id))


@bp.post("/target")
@login_required
def choose_target():
    form = TargetForm()
    form.target_position_id.choices = []
    if form.validate_on_submit():
        position = position_services.position_in_agency(form.target_position_id.data, current_user.agency_id)
        try:
            if form.target_position_id.data and position is None:
                raise CareerError(_("Jabatan tujuan harus jabatan di instansi Anda."), "target_position_id")
            position_services.choose_target(current_user, position, by=current_user)
        except CareerError as exc:
            form_error(form, exc)
            return _profile_page(current_user, target_form=form, status=422)
        db.session.commit()
        flash(_("Jabatan tujuan disimpan.") if position else _("Jabatan tujuan dihapus."), "success")
    return redirect(url_for(".my_profile") + "#tujuan")


@bp.post("/requests")
@login_required
def submit_request():
    form = TrainingRequestForm()
    if form.validate_on_submit():
        try:
            training_requests.submit(current_user, form.competency_id.data, form.message.data)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Permintaan pelatihan Anda sudah dikirim ke pengelola SDM."), "success")
            return redirect(url_for(".my_profile") + "#permintaan")
    return _profile_page(current_user, request_form=form, status=422)


# ---------------------------------------------------------------- the supervisor's team


@bp.get("/team")
@login_required
def team():
    year = jp.current_year(current_user)
    page_number = max(int_arg("page") or 1, 1)
    rows, has_next = team_members(current_user, year, page=page_number, per_page=TEAM_PAGE_SIZE)
    return render_template(
        "careers/team.html",
        rows=rows,
        has_next=has_next,
        page=page_number,
        year=year,
        target=jp.yearly_target(),
    )


# ---------------------------------------------------------------- appraisals


def _appraisal_form_page(person: User, form: AppraisalForm, appraisal: Appraisal | None = None):
    return render_template("careers/appraisal_form.html", person=person, form=form, appraisal=appraisal)


def _appraisal_data(form: AppraisalForm) -> appraisals.AppraisalData:
    return appraisals.AppraisalData(
        year=form.year.data,
        period=form.period.data or "",
        work_rating=form.work_rating.data or "",
        behaviour=form.behaviour_data(),
        notes=form.notes.data or "",
    )


@bp.route("/people/<int:user_id>/appraisals/new", methods=["GET", "POST"])
@login_required
def new_appraisal(user_id: int):
    person = db.get_or_404(User, user_id)
    if not appraisals.can_appraise(current_user, person):
        abort(403)
    form = AppraisalForm(year=jp.current_year(current_user) - 1 if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            appraisal = appraisals.record_appraisal(person, _appraisal_data(form), by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Penilaian kinerja %(name)s disimpan.", name=person.name), "success")
            return redirect(url_for(".appraisal_detail", appraisal_id=appraisal.id))
    return _appraisal_form_page(person, form)


@bp.route("/appraisals/<int:appraisal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_appraisal(appraisal_id: int):
    appraisal = db.get_or_404(Appraisal, appraisal_id)
    if not appraisals.can_edit(current_user, appraisal):
        abort(403)
    form = AppraisalForm(obj=appraisal)
    if request.method == "GET":
        form.period.data = appraisal.period.value
        form.work_rating.data = appraisal.work_rating.value
        for code, _name, rating in appraisal.behaviour_values:
            form[f"behaviour_{code}"].data = rating.value if rating else ""
    if form.validate_on_submit():
        try:
            appraisals.update_appraisal(appraisal, _appraisal_data(form), by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Penilaian kinerja diperbarui."), "success")
            return redirect(url_for(".appraisal_detail", appraisal_id=appraisal.id))
    return _appraisal_form_page(appraisal.user, form, appraisal)


@bp.get("/appraisals/<int:appraisal_id>")
@login_required
def appraisal_detail(appraisal_id: int):
    appraisal = db.get_or_404(Appraisal, appraisal_id)
    if not access.can_view_profile(current_user, appraisal.user):
        abort(403)
    return render_template(
        "careers/appraisal.html",
        appraisal=appraisal,
        person=appraisal.user,
        is_self=appraisal.user_id == current_user.id,
        can_edit=appraisals.can_edit(current_user, appraisal),
        response_form=ResponseForm(response=appraisal.response),
        history=audit.history_of_entity("appraisal", appraisal.id),
    )


@bp.post("/appraisals/<int:appraisal_id>/respond")
@login_required
def respond_appraisal(appraisal_id: int):
    appraisal = db.get_or_404(Appraisal, appraisal_id)
    if appraisal.user_id != current_user.id:
        abort(403)
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            appraisals.respond(appraisal, form.response.data, by=current_user)
        except (CareerError, CareerPermissionDenied) as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Tanggapan Anda disimpan."), "success")
    else:
        flash(_("Tanggapan wajib diisi (2 sampai 2000 karakter)."), "error")
    if request.form.get("next") == "detail":
        return redirect(url_for(".appraisal_detail", appraisal_id=appraisal.id))
    return redirect(url_for(".my_profile") + "#kinerja")


# ---------------------------------------------------------------- home panel


def career_panel(user, rows):
    """The home page's one JP number: the person's total of the year over every JP source (kept
    in `jp_totals` by the ledger), for everyone who learns here."""
    return "careers/_home_panel.html", {
        "year": jp.current_year(user),
        "total": rows[0]["jp"] if rows else 0,
        "target": jp.yearly_target(),
        "profile": bool(user.agency_id),
    }


register_home_panel(
    career_panel,
    order=30,
    reads=jp.total_query,
    params=lambda user: {"user_id": user.id, "careers_year": jp.current_year(user)},
)
