"""Administration of agencies, units and people (administrators and agency admins)."""

from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.clock import utcnow
from ..core.forms import choices, form_error
from ..core.mail import send_mail
from ..core.uploads import upload_limit
from ..extensions import db
from . import admin_bp as bp
from . import agencies, identity
from .access import roles_required
from .errors import AccountError, PermissionDenied
from .forms import AgencyForm, CsvImportForm, StaffForm, UnitForm
from .models import Agency, Role, User
from .staff_import import ImportConflicts, ImportFailed, import_staff

MANAGERS = (Role.ADMIN, Role.AGENCY_ADMIN)
PAGE_SIZE = 50
TEMPLATE_CSV = (
    "nip;nama;email;unit;jabatan;nip_atasan\r\n"
    "198503152010011001;Budi Santoso, S.Sos.;budi.santoso@contoh.go.id;BKPSDM;"
    "Analis SDM Aparatur Ahli Muda;\r\n"
)


def managed_agency(agency_id: int):
    try:
        return agencies.require_agency(current_user, agency_id)
    except PermissionDenied:
        abort(403 if db.session.get(Agency, agency_id) else 404)


def unit_choices(agency_id: int, empty_label: str):
    return choices(
        [("", empty_label)]
        + [(unit.id, "\u00a0\u00a0" * depth + unit.name) for unit, depth in agencies.unit_tree(agency_id)]
    )


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    if current_user.is_admin:
        return redirect(url_for(".agency_list"))
    if current_user.agency_id is None:
        abort(403)
    return redirect(url_for(".agency_detail", agency_id=current_user.agency_id))


@bp.get("/agencies")
@roles_required(*MANAGERS)
def agency_list():
    return render_template("admin/agencies.html", agencies=agencies.agencies_for(current_user))


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def agency_new():
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = agencies.create_agency(
                form.code.data, form.name.data, form.timezone.data, by=current_user
            )
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Instansi %(name)s dibuat.", name=agency.name), "success")
            return redirect(url_for(".agency_detail", agency_id=agency.id))
    return render_template("admin/agency_new.html", form=form)


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def agency_detail(agency_id: int):
    agency = managed_agency(agency_id)
    form = UnitForm()
    form.parent_id.choices = unit_choices(agency.id, _("(tingkat teratas)"))
    if form.validate_on_submit():
        try:
            unit = agencies.add_unit(
                agency, form.code.data, form.name.data, form.parent_id.data, by=current_user
            )
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Unit %(name)s ditambahkan.", name=unit.name), "success")
            return redirect(url_for(".agency_detail", agency_id=agency.id))
    return render_template(
        "admin/agency_detail.html", agency=agency, form=form, tree=agencies.unit_tree(agency.id)
    )


@bp.get("/agencies/<int:agency_id>/people")
@roles_required(*MANAGERS)
def people(agency_id: int):
    agency = managed_agency(agency_id)
    search = request.args.get("q", "").strip()[:100]
    page = db.paginate(agencies.staff_query(agency.id, search), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/people.html", agency=agency, page=page, search=search)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def person(user_id: int):
    user = db.get_or_404(User, user_id)
    if not agencies.can_manage_user(current_user, user):
        abort(403)
    form = StaffForm(obj=user, roles=[role.value for role in user.roles])
    form.roles.choices = choices((role.value, role.label) for role in agencies.assignable_roles(current_user))
    form.unit_id.choices = unit_choices(user.agency_id, _("(belum ditentukan)")) if user.agency_id else []
    if form.validate_on_submit():
        try:
            roles = [Role(value) for value in form.roles.data]
        except ValueError:
            abort(400)
        keep = user.roles - set(agencies.assignable_roles(current_user))  # roles this actor cannot see
        try:
            agencies.update_staff(
                current_user,
                user,
                roles=set(roles) | keep,
                unit_id=form.unit_id.data,
                active=form.active.data,
            )
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Data %(name)s disimpan.", name=user.name), "success")
            if user.agency_id:
                return redirect(url_for(".people", agency_id=user.agency_id))
            return redirect(url_for(".person", user_id=user.id))
    return render_template("admin/person.html", person=user, form=form)


@bp.route("/agencies/<int:agency_id>/import", methods=["GET", "POST"])
@upload_limit("CSV_IMPORT_MAX_BYTES", extra=64 * 1024)
@roles_required(*MANAGERS)
def staff_import(agency_id: int):
    agency = managed_agency(agency_id)
    form = CsvImportForm()
    errors, conflicts, result, content = [], [], None, None
    if request.method == "POST" and "content" in request.form:
        # The second step: the file came back as text with HR's decision for each conflict.
        content = request.form["content"].encode()
    elif form.validate_on_submit():
        content = form.file.data.read()
    if content is not None:
        decisions = {
            key.removeprefix("decision-"): value
            for key, value in request.form.items()
            if key.startswith("decision-")
        }
        try:
            result = import_staff(
                agency,
                content,
                by=current_user,
                max_rows=current_app.config["CSV_IMPORT_MAX_ROWS"],
                decisions=decisions,
                at=utcnow(),
                link_ttl=timedelta(seconds=current_app.config["SET_PASSWORD_MAX_AGE"]),
            )
        except ImportFailed as exc:
            db.session.rollback()
            errors = exc.errors
        except ImportConflicts as exc:
            db.session.rollback()
            conflicts = exc.conflicts
        else:
            db.session.commit()
            for person, token in result.links:
                _send_set_password_link(person, token)
    status = 422 if errors else 409 if conflicts else 200
    return render_template(
        "admin/staff_import.html",
        agency=agency,
        form=form,
        errors=errors,
        conflicts=conflicts,
        content=content.decode("utf-8", "replace") if conflicts else None,
        result=result,
        max_mb=current_app.config["CSV_IMPORT_MAX_BYTES"] // 2**20,
    ), status


def _send_set_password_link(person: User, token: str) -> None:
    link = url_for("accounts.reset_password", token=token, _external=True)
    send_mail(
        person.email,
        _("Akun Anda telah dikonfirmasi: buat kata sandi"),
        render_template("accounts/mail/set_password.txt", user=person, link=link),
    )


@bp.get("/agencies/<int:agency_id>/unverified")
@roles_required(*MANAGERS)
def unverified(agency_id: int):
    agency = managed_agency(agency_id)
    return render_template(
        "admin/unverified.html", agency=agency, people=identity.unverified_people(agency.id)
    )


def _decide(user_id: int, action, message: str):
    user = db.get_or_404(User, user_id)
    if not agencies.can_manage_user(current_user, user):
        abort(403)
    agency_id = user.agency_id
    try:
        action(user, by=current_user, at=utcnow())
    except identity.NotUnverified as exc:
        abort(409, str(exc))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".unverified", agency_id=agency_id))


@bp.post("/people/<int:user_id>/verify")
@roles_required(*MANAGERS)
def verify_person(user_id: int):
    return _decide(user_id, identity.confirm_identity, _("Identitas pegawai telah dikonfirmasi."))


@bp.post("/people/<int:user_id>/remove-registration")
@roles_required(*MANAGERS)
def remove_registration(user_id: int):
    return _decide(user_id, identity.remove_registration, _("Pendaftaran tersebut telah dihapus."))


@bp.get("/agencies/<int:agency_id>/import/template.csv")
@roles_required(*MANAGERS)
def staff_import_template(agency_id: int):
    managed_agency(agency_id)
    return Response(
        "\ufeff" + TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=templat-impor-pegawai.csv"},
    )
