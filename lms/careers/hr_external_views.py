"""HR of an agency: the queue of learning its people report from elsewhere, one report's review
(approve, return with a reason, revoke an approval) and its evidence file. A report of another
agency's person is not found."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..core.forms import form_error
from ..extensions import db
from . import external
from . import hr_bp as bp
from .errors import CareerError
from .forms import ExternalAnswerForm
from .learning_views import evidence_response
from .models import ExternalLearning, ExternalStatus


def _reviewable(item_id: int) -> ExternalLearning:
    item = external.item_for_hr(current_user, item_id)
    if item is None:
        abort(404)
    return item


@bp.get("/<int:agency_id>/external")
@roles_required(*HR_ROLES)
def external_queue(agency_id: int):
    agency = managed_agency(agency_id)
    status = request.args.get("status", "")
    chosen = ExternalStatus(status) if status in {s.value for s in ExternalStatus} else None
    pagination = db.paginate(external.agency_queue(agency.id, chosen), per_page=50, error_out=False)
    return render_template(
        "careers/hr/external_queue.html",
        agency=agency,
        page=pagination,
        status=status,
        statuses=list(ExternalStatus),
        waiting=external.waiting_count(agency.id),
    )


@bp.route("/external/<int:item_id>", methods=["GET", "POST"])
@roles_required(*HR_ROLES)
def external_review(item_id: int):
    item = _reviewable(item_id)
    form = ExternalAnswerForm()
    if form.validate_on_submit():
        decision = request.form.get("decision", "")
        try:
            if decision == "revoke":
                external.revoke(item, form.reason.data, by=current_user)
                message = _("Persetujuan dicabut; JP-nya tidak dihitung lagi.")
            elif decision == "approve":
                external.approve(item, by=current_user)
                message = _("Disetujui: %(n)d JP dihitung untuk %(name)s.", n=item.jp, name=item.user.name)
            else:
                external.send_back(item, form.reason.data, by=current_user)
                message = _("Laporan dikembalikan kepada %(name)s.", name=item.user.name)
        except CareerError as exc:
            db.session.rollback()
            form_error(form, exc)
            item = _reviewable(item_id)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".external_queue", agency_id=item.user.agency_id))
    return render_template("careers/hr/external_review.html", item=item, form=form)


@bp.get("/external/<int:item_id>/evidence")
@roles_required(*HR_ROLES)
def external_evidence(item_id: int):
    return evidence_response(_reviewable(item_id))
