"""A learner's own learning record: training taken elsewhere (report, fix, withdraw, evidence)
and the transcript PDF of everything the ledger counts."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..certificates.pdf import FontMissing
from ..competencies.services import available_competencies
from ..core.forms import choices, form_error
from ..core.uploads import upload_limit
from ..core.urls import public_base_url
from ..extensions import db
from . import bp, evidence, external, transcript
from .errors import CareerError
from .forms import ExternalLearningForm
from .models import ExternalLearning


def _own_or_404(item_id: int) -> ExternalLearning:
    item = external.own_item(current_user, item_id)
    if item is None:
        abort(404)
    return item


def _form_page(form: ExternalLearningForm, item: ExternalLearning | None = None, status: int = 200):
    options = choices(
        [("", _("Pilih kompetensi"))]
        + [(c.id, f"{c.name} ({c.type.label})") for c in available_competencies(current_user.agency_id)]
    )
    for competency, _level in form.competency_rows():
        competency.choices = options
    return render_template("careers/external_form.html", form=form, item=item), status


def _data(form: ExternalLearningForm) -> external.ExternalData:
    return external.ExternalData(
        kind=form.kind.data or "",
        title=form.title.data or "",
        organizer=form.organizer.data or "",
        started_on=form.started_on.data,
        ended_on=form.ended_on.data,
        jp=form.jp.data,
        certificate_number=form.certificate_number.data or "",
        competencies=form.competency_pairs(),
    )


def _upload(form: ExternalLearningForm) -> evidence.EvidenceUpload | None:
    file = form.evidence.data
    if not file or not getattr(file, "filename", ""):
        return None
    return evidence.EvidenceUpload(file.filename, file.read(evidence.max_bytes() + 1))


@bp.get("/external")
@login_required
def external_list():
    return render_template("careers/external.html", items=external.items_of(current_user.id))


@bp.route("/external/new", methods=["GET", "POST"])
@upload_limit("EVIDENCE_MAX_BYTES", extra=64 * 1024)
@login_required
def external_new():
    form = ExternalLearningForm()
    if form.validate_on_submit():
        try:
            external.report(current_user, _data(form), _upload(form))
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Laporan Anda sudah dikirim ke pengelola SDM untuk diperiksa."), "success")
            return redirect(url_for(".external_list"))
    return _form_page(form, status=422 if request.method == "POST" else 200)


@bp.route("/external/<int:item_id>/edit", methods=["GET", "POST"])
@upload_limit("EVIDENCE_MAX_BYTES", extra=64 * 1024)
@login_required
def external_edit(item_id: int):
    item = _own_or_404(item_id)
    if not item.status.editable:
        flash(
            _("Laporan ini sudah %(status)s dan tidak dapat diubah.", status=item.status.label.lower()),
            "error",
        )
        return redirect(url_for(".external_list"))
    form = ExternalLearningForm(obj=item)
    if request.method == "GET":
        form.kind.data = item.kind.value
        for n, chosen in enumerate(item.competencies, start=1):
            form[f"competency_{n}"].data, form[f"level_{n}"].data = chosen.competency_id, str(chosen.level)
    if form.validate_on_submit():
        try:
            external.update(item, _data(form), _upload(form), by=current_user)
        except CareerError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Perbaikan Anda sudah dikirim ke pengelola SDM."), "success")
            return redirect(url_for(".external_list"))
    return _form_page(form, item, status=422 if request.method == "POST" else 200)


@bp.post("/external/<int:item_id>/withdraw")
@login_required
def external_withdraw(item_id: int):
    item = _own_or_404(item_id)
    try:
        external.withdraw(item, by=current_user)
    except CareerError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Laporan ditarik."), "success")
    return redirect(url_for(".external_list"))


def evidence_response(item: ExternalLearning):
    """The evidence file, as a download (never shown inline: it is a learner's upload)."""
    path = evidence.path_of(item.evidence_file)
    if path is None:
        abort(404)
    # Read whole (at most EVIDENCE_MAX_BYTES): no file handle outlives the request.
    response = current_app.response_class(path.read_bytes(), mimetype=item.evidence_type)
    response.headers.set("Content-Disposition", "attachment", filename=item.evidence_name or path.name)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/external/<int:item_id>/evidence")
@login_required
def external_evidence(item_id: int):
    return evidence_response(_own_or_404(item_id))


# ---------------------------------------------------------------- transcript


@bp.get("/transcript.pdf")
@login_required
def transcript_pdf():
    rows = transcript.transcript_rows(current_user)
    try:
        data = transcript.render(
            current_user, rows, base_url=public_base_url(), site_name=current_app.config["SITE_NAME"]
        )
    except FontMissing as exc:
        current_app.logger.error("%s", exc)
        abort(503, description=_("Transkrip PDF sedang tidak dapat dibuat. Silakan coba lagi nanti."))
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="transkrip.pdf"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
