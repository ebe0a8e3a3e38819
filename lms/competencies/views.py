"""The HR editor of an agency's technical competencies: the catalogue page with its CSV import
and export, and the form that adds or changes one competency (audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import audit
from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.csv_rows import ImportRejected
from ..accounts.errors import AccountError
from ..accounts.forms import CsvImportForm
from ..core import tabular
from ..core.forms import form_error
from ..core.uploads import upload_limit
from ..extensions import db
from . import bp, csv_io, services
from .errors import CompetencyError
from .forms import CompetencyForm
from .models import Competency


def _import_page(agency, form, problems=None, status=200, **context):
    return render_template(
        "competencies/index.html", agency=agency, form=form, problems=problems or [], **context
    ), status


@bp.route("/<int:agency_id>/competencies", methods=["GET", "POST"])
@upload_limit("CSV_IMPORT_MAX_BYTES", extra=64 * 1024)
@roles_required(*HR_ROLES)
def index(agency_id: int):
    agency = managed_agency(agency_id)
    form = CsvImportForm()
    catalogue = services.available_competencies(agency.id, with_levels=True)
    if form.validate_on_submit():
        try:
            result = csv_io.import_competencies(agency, form.file.data.read(), by=current_user)
        except ImportRejected as exc:
            db.session.rollback()
            return _import_page(agency, form, exc.problems, 422, catalogue=catalogue)
        db.session.commit()
        flash(
            _(
                "Impor selesai: %(new)d kompetensi baru, %(updated)d diperbarui.",
                new=result.created,
                updated=result.updated,
            ),
            "success",
        )
        return redirect(url_for(".index", agency_id=agency.id))
    return _import_page(agency, form, catalogue=catalogue)


def _competency_form_page(agency, competency=None):
    form = CompetencyForm(obj=competency)
    failed = False
    if request.method == "GET" and competency is not None:
        for row in competency.levels:
            form[f"level_{row.level}"].data = row.descriptor
    if form.validate_on_submit():
        data = services.CompetencyData(
            code=competency.code if competency else (form.code.data or ""),
            name=form.name.data or "",
            description=form.description.data or "",
            levels=form.levels(),
        )
        try:
            saved = services.save_technical(agency, data, by=current_user, competency=competency)
        except (CompetencyError, AccountError) as exc:
            db.session.rollback()
            failed = True
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Kompetensi %(name)s disimpan.", name=saved.name), "success")
            return redirect(url_for(".index", agency_id=agency.id) + f"#c-{saved.id}")
    status = 422 if failed or form.errors else 200
    return render_template(
        "competencies/form.html",
        agency=agency,
        competency=competency,
        form=form,
        history=audit.history_of_entity("competency", competency.id) if competency else [],
    ), status


@bp.route("/<int:agency_id>/competencies/new", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def new(agency_id: int):
    return _competency_form_page(managed_agency(agency_id))


@bp.route("/competencies/<int:competency_id>/edit", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def edit(competency_id: int):
    competency = db.get_or_404(Competency, competency_id)
    if competency.agency_id is None:  # SKJ competencies are national: nobody edits them here
        abort(404)
    return _competency_form_page(managed_agency(competency.agency_id), competency)


@bp.get("/<int:agency_id>/competencies.csv")
@roles_required(*HR_ROLES)
def export_csv(agency_id: int):
    agency = managed_agency(agency_id)
    rows = csv_io.competency_rows(agency.id)
    return tabular.download(
        f"{agency.code.lower()}-kompetensi-teknis.csv", tabular.csv_chunks(csv_io.HEADER, rows)
    )
