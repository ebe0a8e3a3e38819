"""The admins' list of jobs (filter, retry) and the page where the person who asked waits for
their job: a progress bar that refreshes itself (meta refresh; a small script makes it smooth),
then the file. Only the person who asked sees that page and downloads the file."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.urls import int_arg
from ..extensions import db
from . import bp, services
from .models import Job, JobState


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def own_job(job_id: int) -> Job:
    """The job of the person who asked for it; anyone else gets 404 (its existence is not told)."""
    job = db.session.get(Job, job_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


@bp.get("/admin/jobs")
@admin_required
def admin_list():
    state = request.args.get("state")
    state = JobState(state) if state in {s.value for s in JobState} else None
    page = services.jobs_page(state, int_arg("page") or 1)
    return render_template("jobs/admin.html", page=page, state=state, states=list(JobState))


@bp.post("/admin/jobs/<int:job_id>/retry")
@admin_required
def admin_retry(job_id: int):
    job = db.get_or_404(Job, job_id)
    try:
        services.retry(job)
    except services.JobNotRetryable as exc:
        flash(str(exc), "error")
        return redirect(url_for(".admin_list"))
    db.session.commit()
    flash(_("Pekerjaan #%(id)d dijadwalkan ulang.", id=job.id), "success")
    return redirect(url_for(".admin_list"))


@bp.get("/jobs/<int:job_id>")
@login_required
def status(job_id: int):
    job = own_job(job_id)
    progress, message = services.live_progress(job)
    return render_template(
        "jobs/status.html", job=job, progress=progress, message=message, file=services.result_file(job)
    )


@bp.get("/jobs/<int:job_id>.json")
@login_required
def status_json(job_id: int):
    job = own_job(job_id)
    progress, message = services.live_progress(job)
    file = services.result_file(job)
    return jsonify(
        state=job.state.value,
        state_label=job.state.label,
        progress=progress,
        message=message,
        file_url=url_for(".download", job_id=job.id) if file else None,
    )


@bp.get("/jobs/<int:job_id>/file")
@login_required
def download(job_id: int):
    job = own_job(job_id)
    path = services.result_file(job)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
