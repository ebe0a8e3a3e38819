"""HR of an agency: positions (with CSV import/export), staff positions, and a
person's career data (position, assessments, JP from elsewhere, audit log)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import audit
from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.agencies import can_manage_hr
from ..accounts.errors import AccountError
from ..accounts.forms import CsvImportForm
from ..accounts.models import User
from ..competencies.services import available_competencies
from ..core import tabular
from ..core.forms import choices, form_error
from ..core.uploads import upload_limit
from ..extensions import db
from . import csv_io, forms, jp, position_input, records, staffing
from . import hr_bp as bp
from . import positions as position_services
from .errors import CareerError
from .forms import (
    AssessmentForm,
    ConfirmForm,
    JpRecordForm,
    PositionAssignForm,
    RevokeForm,
)
from .models import CompetencyRecord, JpRecord, RecordSource


def managed_person(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if person.agency_id is None or not can_manage_hr(current_user, person.agency_id):
        abort(403)
    return person


def _import_page(template: str, agency, form, problems=None, status=200, **context):
    return render_template(template, agency=agency, form=form, problems=problems or [], **context), status


# ---------------------------------------------------------------- positions


@bp.route("/<int:agency_id>/positions", methods=["GET", "POST"])
@upload_limit("CSV_IMPORT_MAX_BYTES", extra=64 * 1024)
@roles_required(*HR_ROLES)
def positions(agency_id: int):
    agency = managed_agency(agency_id)
    form = CsvImportForm()
    if form.validate_on_submit():
        try:
            result = csv_io.import_positions(agency, form.file.data.read(), by=current_user)
        except csv_io.ImportRejected as exc:
            db.session.rollback()
            return _import_page(
                "careers/hr/positions.html",
                agency,
                form,
                exc.problems,
                422,
                positions=position_services.positions_of(agency.id, with_requirements=True),
            )
        db.session.commit()
        flash(
            _(
                "Impor selesai: %(new)d jabatan baru, %(updated)d diperbarui.",
                new=result.created,
                updated=result.updated,
            ),
            "success",
        )
        return redirect(url_for(".positions", agency_id=agency.id))
    return _import_page(
        "careers/hr/positions.html",
        agency,
        form,
        positions=position_services.positions_of(agency.id, with_requirements=True),
    )


@bp.get("/<int:agency_id>/positions.csv")
@roles_required(*HR_ROLES)
def positions_csv(agency_id: int):
    agency = managed_agency(agency_id)
    header = ["kode", "nama", "jenis", "deskripsi", "kompetensi", "jabatan_berikutnya"]
    rows = csv_io.position_rows(agency.id)
    return tabular.download(f"{agency.code.lower()}-jabatan.csv", tabular.csv_chunks(header, rows))


@bp.get("/positions/<int:position_id>")
@roles_required(*HR_ROLES)
def position_detail(position_id: int):
    position = position_services.load_position(position_id)
    if position is None:
        abort(404)
    agency = managed_agency(position.agency_id)
    return render_template(
        "careers/hr/position.html",
        agency=agency,
        position=position,
        feeders=position_services.feeders(position.id),
        holders=position_services.holders_count(position.id),
    )


def _position_form_page(agency, position=None):
    form = forms.position_form(
        available_competencies(agency.id),
        position_services.positions_of(agency.id),
        position,
        prefill=request.method == "GET",
    )
    issues = []
    if form.validate_on_submit():
        raw = position_input.PositionInput(
            code=form.code.data or "",
            name=form.name.data or "",
            type=form.type.data or "",
            description=form.description.data or "",
            requirements=form.requirement_data(),
            next_codes=form.next_codes.data or [],
        )
        try:
            saved = position_input.save_position_input(agency, raw, by=current_user, position=position)
        except position_input.PositionRejected as exc:
            db.session.rollback()
            issues = exc.issues
            for issue in issues:
                target = {"next": "next_codes"}.get(issue.field, issue.field)
                if target in form:
                    form[target].errors = [*form[target].errors, issue.message]
        else:
            db.session.commit()
            flash(_("Jabatan %(name)s disimpan.", name=saved.name), "success")
            return redirect(url_for(".position_detail", position_id=saved.id))
    return render_template(
        "careers/hr/position_form.html",
        agency=agency,
        position=position,
        form=form,
        requirement_issues=[i.message for i in issues if i.field == "requirements"],
    ), (422 if issues else 200)


@bp.route("/<int:agency_id>/positions/new", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def new_position(agency_id: int):
    return _position_form_page(managed_agency(agency_id))


@bp.route("/positions/<int:position_id>/edit", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def edit_position(position_id: int):
    position = position_services.load_position(position_id)
    if position is None:
        abort(404)
    return _position_form_page(managed_agency(position.agency_id), position)


# ---------------------------------------------------------------- a person's career data


@bp.route("/people/<int:user_id>/position", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def assign_position(user_id: int):
    person = managed_person(user_id)
    staff = position_services.staff_position_of(person.id)
    form = PositionAssignForm(
        position_id=staff.position_id if staff else None,
        since=staff.since if staff else None,
        supervisor_nip=person.supervisor.nip if person.supervisor else "",
    )
    form.position_id.choices = choices(
        [("", _("(tidak ada)"))]
        + [
            (p.id, f"{p.name} · {p.type.label} · {p.code}")
            for p in position_services.positions_of(person.agency_id)
        ]
    )
    if form.validate_on_submit():
        try:
            staffing.assign_from_form(
                person,
                form.position_id.data,
                form.supervisor_nip.data,
                by=current_user,
                since=form.since.data,
            )
        except (CareerError, AccountError) as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Jabatan dan atasan %(name)s disimpan.", name=person.name), "success")
            return redirect(url_for("careers.person_profile", user_id=person.id))
    return render_template(
        "careers/hr/person_form.html",
        person=person,
        form=form,
        title=_("Tetapkan jabatan dan atasan"),
        submit_label=_("Simpan"),
    )


@bp.route("/<int:agency_id>/staff-positions", methods=["GET", "POST"])
@upload_limit("CSV_IMPORT_MAX_BYTES", extra=64 * 1024)
@roles_required(*HR_ROLES)
def staff_positions(agency_id: int):
    agency = managed_agency(agency_id)
    form = CsvImportForm()
    if form.validate_on_submit():
        try:
            result = staffing.import_assignments(agency, form.file.data.read(), by=current_user)
        except csv_io.ImportRejected as exc:
            db.session.rollback()
            return _import_page("careers/hr/staff_positions.html", agency, form, exc.problems, 422)
        db.session.commit()
        flash(
            _(
                "Impor selesai: %(changed)d pegawai diperbarui, %(same)d tidak berubah.",
                changed=result.changed,
                same=result.unchanged,
            ),
            "success",
        )
        return redirect(url_for(".staff_positions", agency_id=agency.id))
    return _import_page("careers/hr/staff_positions.html", agency, form)


@bp.get("/<int:agency_id>/staff-positions.csv")
@roles_required(*HR_ROLES)
def staff_positions_csv(agency_id: int):
    agency = managed_agency(agency_id)
    header = ["nip", "nama", "kode_jabatan", "nip_atasan"]
    rows = staffing.assignment_rows(agency.id)
    return tabular.download(f"{agency.code.lower()}-jabatan-pegawai.csv", tabular.csv_chunks(header, rows))


def _assessment_choices(form: AssessmentForm, person: User) -> None:
    form.competency_id.choices = choices(
        [("", _("Pilih kompetensi"))]
        + [(c.id, f"{c.name} ({c.type.label})") for c in available_competencies(person.agency_id)]
    )


def _assessment_data(form: AssessmentForm) -> records.AssessmentData:
    return records.AssessmentData(
        competency_id=form.competency_id.data,
        level=form.level.data,
        achieved_on=form.achieved_on.data,
        evidence=form.evidence.data or "",
    )


@bp.route("/people/<int:user_id>/assessments/new", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def new_assessment(user_id: int):
    person = managed_person(user_id)
    form = AssessmentForm()
    _assessment_choices(form, person)
    if form.validate_on_submit():
        try:
            records.record_assessment(person, _assessment_data(form), by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Hasil asesmen dicatat."), "success")
            return redirect(url_for("careers.person_profile", user_id=person.id) + "#bukti")
    return render_template(
        "careers/hr/person_form.html",
        person=person,
        form=form,
        title=_("Catat hasil asesmen kompetensi"),
        submit_label=_("Simpan hasil asesmen"),
    )


@bp.route("/records/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def edit_record(record_id: int):
    record = db.get_or_404(CompetencyRecord, record_id)
    person = managed_person(record.user_id)
    form = AssessmentForm(obj=record)
    _assessment_choices(form, person)
    revoke_form = RevokeForm(prefix="revoke")
    editable = record.source is RecordSource.ASSESSMENT and record.revoked_at is None
    if editable and form.validate_on_submit():
        try:
            records.update_assessment(record, _assessment_data(form), by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Catatan kompetensi diperbarui."), "success")
            return redirect(url_for("careers.person_profile", user_id=person.id) + "#bukti")
    return render_template(
        "careers/hr/record.html",
        person=person,
        record=record,
        form=form,
        revoke_form=revoke_form,
        editable=editable,
        history=audit.history_of_entity("competency_record", record.id),
    )


@bp.post("/records/<int:record_id>/revoke")
@roles_required(*HR_ROLES)
def revoke_record(record_id: int):
    record = db.get_or_404(CompetencyRecord, record_id)
    person = managed_person(record.user_id)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            records.revoke_record(record, by=current_user, reason=form.reason.data)
        except CareerError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".edit_record", record_id=record.id))
        db.session.commit()
        flash(_("Catatan kompetensi dicabut."), "success")
        return redirect(url_for("careers.person_profile", user_id=person.id) + "#bukti")
    flash(_("Tuliskan alasan pencabutan (3 sampai 500 karakter)."), "error")
    return redirect(url_for(".edit_record", record_id=record.id))


@bp.route("/people/<int:user_id>/jp/new", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def new_jp_record(user_id: int):
    person = managed_person(user_id)
    form = JpRecordForm()
    if form.validate_on_submit():
        data = jp.JpRecordData(
            kind=form.kind.data or "",
            title=form.title.data,
            started_on=form.started_on.data,
            ended_on=form.ended_on.data,
            jp=form.jp.data,
            minutes=form.minutes.data,
            organizer=form.organizer.data or "",
            evidence=form.evidence.data or "",
            certificate_number=form.certificate_number.data or "",
        )
        try:
            jp.record_jp(person, data, by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("JP pembelajaran dicatat."), "success")
            return redirect(url_for("careers.person_profile", user_id=person.id) + "#jp")
    existing = jp.records_of(person, limit=50)
    return render_template(
        "careers/hr/jp_form.html",
        person=person,
        form=form,
        existing=existing,
        delete_form=ConfirmForm(),
        jp_minutes=jp.jp_minutes(),
    )


@bp.post("/jp-records/<int:record_id>/delete")
@roles_required(*HR_ROLES)
def delete_jp_record(record_id: int):
    record = db.get_or_404(JpRecord, record_id)
    person = managed_person(record.user_id)
    if ConfirmForm().validate_on_submit():
        jp.delete_jp_record(record, by=current_user)
        db.session.commit()
        flash(_("Catatan JP dihapus."), "success")
    return redirect(url_for(".new_jp_record", user_id=person.id))


@bp.get("/people/<int:user_id>/audit")
@roles_required(*HR_ROLES)
def audit_log(user_id: int):
    person = managed_person(user_id)
    return render_template("careers/hr/audit.html", person=person, entries=audit.history_of(person.id))
