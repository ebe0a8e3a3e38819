"""HR of an agency: the training requests of its people (the reports are in lms.reports).
Agency admins see their own agency; administrators any."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import HR_ROLES, managed_agency, roles_required
from ..accounts.agencies import can_manage_hr
from ..core.forms import form_error
from ..extensions import db
from . import hr_bp as bp
from . import training_requests
from .errors import CareerError
from .forms import AnswerForm
from .models import RequestStatus, TrainingRequest

# ---------------------------------------------------------------- training requests


@bp.get("/<int:agency_id>/requests")
@roles_required(*HR_ROLES)
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
@roles_required(*HR_ROLES)
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
