"""Webinar pages: list, detail and registration, scheduling, the room, the attendance report."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.access import roles_required
from ..accounts.models import Role, User
from ..core import tabular
from ..core.forms import choices, form_error
from ..core.home import register_home_panel
from ..core.security import CONTENT_SECURITY_POLICY
from ..core.urls import public_base_url
from ..extensions import db
from . import access, bp, calendar, competencies, report, services
from . import attendance as attendance_services
from . import room as room_services
from .errors import WebinarError
from .events import end_session
from .forms import (
    CohostForm,
    CompetenciesForm,
    CorrectionForm,
    PollForm,
    WebinarForm,
    competency_levels,
    with_competencies,
)
from .models import PollStatus, Webinar
from .video import embed_for


def now() -> datetime:
    return datetime.now(UTC)


def standing(webinar_id: int) -> access.RoomAccess:
    """The webinar and the current user's standing in it, in one statement (404 when missing):
    the same check every Socket.IO event of the room makes."""
    found = access.room_access(current_user.id, webinar_id)
    if found is None or found.webinar is None:
        abort(404)
    return found


def moderated(webinar_id: int) -> Webinar:
    found = standing(webinar_id)
    if not found.moderator:
        abort(403)
    return found.webinar


def report_viewer(webinar_id: int) -> Webinar:
    """The webinar, if the current user may read its attendance report (moderators, and the
    admins of the agency it is run for)."""
    webinar = db.get_or_404(Webinar, webinar_id)
    if not access.can_view_attendance(current_user, webinar):
        abort(403)
    return webinar


def _home_reads():
    upcoming = services.upcoming_query().subquery()
    return sa.select(upcoming.c.id, upcoming.c.title, upcoming.c.starts_at)


def _home_panel(user, rows):
    if not rows:
        return None
    webinars = sorted(rows, key=lambda row: (row["starts_at"], row["id"]))
    return "webinars/_home_panel.html", {"webinars": webinars, "now": now()}


register_home_panel(
    _home_panel, order=40, reads=_home_reads, params=lambda user: services.upcoming_params(user, now())
)


def _feed_urls(feed) -> tuple[str | None, str | None]:
    """The person's calendar address and its webcal:// form (what calendar apps subscribe to)."""
    if feed is None:
        return None, None
    token = calendar.token_of(feed, current_app.secret_key)
    url = public_base_url() + url_for(".calendar_feed", token=token)
    return url, "webcal://" + url.split("://", 1)[1]


@bp.get("/")
@login_required
def index():
    page = db.paginate(services.upcoming(now()), per_page=20)
    recent = db.session.scalars(services.past(now()).limit(10)).all()
    registered = services.registered_ids(current_user, [w.id for w in page.items])
    feed_url, subscribe_url = _feed_urls(calendar.feed_of(current_user))
    return render_template(
        "webinars/index.html",
        page=page,
        recent=recent,
        registered=registered,
        feed_url=feed_url,
        subscribe_url=subscribe_url,
        can_schedule=access.can_schedule(current_user),
        can_report=current_user.has_role(Role.TRAINER, Role.AGENCY_ADMIN, Role.ADMIN),
    )


@bp.post("/calendar/reset")
@login_required
def reset_calendar():
    calendar.reset_feed(current_user, now=now())
    db.session.commit()
    flash(_("Alamat kalender baru sudah dibuat. Alamat lama tidak berlaku lagi."), "success")
    return redirect(url_for(".index", _anchor="calendar"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The feed of a person's registered webinars, opened by its secret address (no login)."""
    feed = calendar.feed_by_token(token, current_app.secret_key) or abort(404)
    body = calendar.calendar(
        calendar.registered_webinars(feed.user_id),
        base_url=public_base_url(),
        link=lambda webinar_id: url_for(".detail", webinar_id=webinar_id),
        name=_("Webinar saya · %(site)s", site=current_app.config["SITE_NAME"]),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/reports")
@roles_required(Role.TRAINER, Role.AGENCY_ADMIN, Role.ADMIN)
def reports():
    """The attendance reports the user may read: their own webinars, their agency's, or all."""
    page = db.paginate(access.attendance_reports(current_user), per_page=30)
    return render_template("webinars/reports.html", page=page, now=now())


def _form_data(form: WebinarForm, catalogue) -> services.WebinarData:
    return services.WebinarData(
        title=form.title.data,
        description=form.description.data or "",
        starts_local=form.starts_local.data,
        ends_local=form.ends_local.data,
        timezone=form.timezone.data,
        jp=form.jp.data,
        present_threshold=form.present_threshold.data,
        video_url=form.video_url.data or "",
        course_id=form.course_id.data,
        required_for_course=form.required_for_course.data,
        competencies=competency_levels(form, catalogue),
    )


def _preset_levels(webinar: Webinar) -> dict[str, str]:
    return {f"comp_{code}": str(level) for code, level in competencies.levels_of(webinar).items()}


def _course_choices(form: WebinarForm) -> None:
    form.course_id.choices = choices(
        [("", _("(tidak terkait kursus)"))] + [(c.id, c.title) for c in services.courses_for(current_user)]
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.TRAINER, Role.ADMIN)
def new():
    catalogue = competencies.catalogue(None, current_user)
    form = with_competencies(WebinarForm, catalogue, timezone=current_user.effective_timezone)
    _course_choices(form)
    if form.validate_on_submit():
        try:
            webinar = services.schedule_webinar(_form_data(form, catalogue), by=current_user, now=now())
        except WebinarError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Webinar dijadwalkan."), "success")
            return redirect(url_for(".detail", webinar_id=webinar.id))
    return render_template("webinars/edit.html", form=form, webinar=None, catalogue=catalogue)


@bp.route("/<int:webinar_id>/edit", methods=["GET", "POST"])
@login_required
def edit(webinar_id: int):
    webinar = moderated(webinar_id)
    catalogue = competencies.catalogue(webinar, current_user)
    if webinar.is_over:
        return _edit_competencies(webinar, catalogue)
    form = with_competencies(
        WebinarForm,
        catalogue,
        obj=webinar,
        description=webinar.description_md,
        starts_local=services.to_local(webinar.starts_at, webinar.timezone),
        ends_local=services.to_local(webinar.ends_at, webinar.timezone),
        **_preset_levels(webinar),
    )
    _course_choices(form)
    if form.validate_on_submit():
        try:
            services.update_webinar(webinar, _form_data(form, catalogue), by=current_user)
        except WebinarError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Perubahan disimpan."), "success")
            return redirect(url_for(".detail", webinar_id=webinar.id))
    return render_template("webinars/edit.html", form=form, webinar=webinar, catalogue=catalogue)


def _edit_competencies(webinar: Webinar, catalogue):
    """A webinar that is over keeps its schedule; only its competencies may still change."""
    form = with_competencies(CompetenciesForm, catalogue, **_preset_levels(webinar))
    if form.validate_on_submit():
        try:
            changed = competencies.set_competencies(
                webinar, competency_levels(form, catalogue), by=current_user
            )
        except WebinarError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            if changed:
                flash(
                    _("Kompetensi webinar disimpan. Catatan kompetensi peserta yang hadir ikut diperbarui."),
                    "success",
                )
            else:
                flash(_("Tidak ada perubahan kompetensi."), "success")
            return redirect(url_for(".detail", webinar_id=webinar.id))
    return render_template(
        "webinars/edit.html", form=form, webinar=webinar, catalogue=catalogue, levels_only=True
    )


@bp.get("/<int:webinar_id>")
@login_required
def detail(webinar_id: int):
    found = standing(webinar_id)
    return render_template(
        "webinars/detail.html",
        webinar=found.webinar,
        now=now(),
        registered=found.registered,
        assigned=found.enrolled,
        moderator=found.moderator,
        can_report=found.moderator or access.can_view_attendance(current_user, found.webinar),
        cohost_form=CohostForm(),
    )


@bp.post("/<int:webinar_id>/register")
@login_required
def register(webinar_id: int):
    webinar = db.get_or_404(Webinar, webinar_id)
    try:
        services.register(current_user, webinar, now=now())
    except WebinarError as exc:
        flash(str(exc), "error")
    else:
        # Made before the commit, which expires the webinar and the user (the message's locale).
        message = _("Anda terdaftar. Pengingat akan dikirim ke email Anda sebelum webinar dimulai.")
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".detail", webinar_id=webinar_id))


@bp.post("/<int:webinar_id>/unregister")
@login_required
def unregister(webinar_id: int):
    webinar = db.get_or_404(Webinar, webinar_id)
    try:
        services.unregister(current_user, webinar, now=now())
    except WebinarError as exc:
        flash(str(exc), "error")
    else:
        # Made before the commit, which expires the webinar and the user (the message's locale).
        message = _("Pendaftaran Anda dibatalkan.")
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".detail", webinar_id=webinar_id))


@bp.post("/<int:webinar_id>/cancel")
@login_required
def cancel(webinar_id: int):
    webinar = moderated(webinar_id)
    try:
        services.cancel_webinar(webinar, by=current_user, now=now())
    except WebinarError as exc:
        flash(str(exc), "error")
    else:
        # Made before the commit, which expires the webinar and the user (the message's locale).
        message = _("Webinar dibatalkan.")
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".detail", webinar_id=webinar_id))


@bp.post("/<int:webinar_id>/cohosts")
@login_required
def add_cohost(webinar_id: int):
    webinar = moderated(webinar_id)
    form = CohostForm()
    if form.validate_on_submit():
        try:
            user = services.add_cohost(webinar, form.login.data, by=current_user)
        except WebinarError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s menjadi pemandu pendamping.", name=user.name), "success")
    return redirect(url_for(".detail", webinar_id=webinar.id))


@bp.get("/<int:webinar_id>/room")
@login_required
def room(webinar_id: int):
    found = standing(webinar_id)
    webinar, moderator = found.webinar, found.moderator
    if not found.allowed:
        return render_template("webinars/not_registered.html", webinar=webinar), 403
    before = request.args.get("before", type=int)
    messages, more = room_services.chat_page(webinar, before_id=before)
    embed = embed_for(webinar.video_url, current_app.config["WEBINAR_JITSI_HOSTS"])
    polls = room_services.polls(webinar)
    state = attendance_services.room_state(webinar, now())
    # After the end every poll that was opened shows its results, even if nobody closed it.
    shown = (PollStatus.CLOSED, PollStatus.OPEN) if state == "over" else (PollStatus.CLOSED,)
    response = Response(
        render_template(
            "webinars/room.html",
            webinar=webinar,
            state=state,
            messages=messages,
            more=more,
            before=before,
            moderator=moderator,
            embed=embed,
            pinned=room_services.pinned_message(webinar),
            questions=room_services.questions(webinar),
            polls=polls,
            results={p.id: room_services.poll_results(p) for p in polls if p.status in shown},
            poll_form=PollForm() if moderator else None,
            muted=room_services.muted_ids(webinar) if moderator else [],
        )
    )
    if embed is not None:
        # This page only: let the allow-listed player in a frame.
        response.headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; frame-src {embed.origin}"
    return response


@bp.post("/<int:webinar_id>/polls")
@login_required
def create_poll(webinar_id: int):
    webinar = moderated(webinar_id)
    form = PollForm()
    if form.validate_on_submit():
        try:
            room_services.create_poll(
                current_user, webinar, form.question.data, form.options.data.splitlines(), at=now()
            )
        except WebinarError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Jajak pendapat disimpan. Buka dari ruang webinar saat diperlukan."), "success")
    else:
        flash(_("Isi pertanyaan dan pilihan jawaban."), "error")
    return redirect(url_for(".room", webinar_id=webinar.id) + "#polls")


@bp.get("/<int:webinar_id>/attendance")
@login_required
def attendance(webinar_id: int):
    webinar = report_viewer(webinar_id)
    rows = services.attendance_report(webinar)
    return render_template(
        "webinars/attendance.html",
        webinar=webinar,
        rows=rows,
        now=now(),
        moderator=access.is_moderator(current_user, webinar),
        never_joined=[row for row in rows if not row.joined],
        corrections=report.corrections(webinar),
    )


@bp.get("/<int:webinar_id>/attendance.csv")
@login_required
def attendance_csv(webinar_id: int):
    webinar = report_viewer(webinar_id)
    chunks = report.to_csv(services.attendance_report(webinar), str(get_timezone()))
    return tabular.download(f"kehadiran-webinar-{webinar.id}.csv", chunks)


@bp.get("/<int:webinar_id>/attendance.xlsx")
@login_required
def attendance_xlsx(webinar_id: int):
    webinar = report_viewer(webinar_id)
    chunks = report.to_xlsx(services.attendance_report(webinar), str(get_timezone()), webinar.title)
    return tabular.download(f"kehadiran-webinar-{webinar.id}.xlsx", chunks)


@bp.post("/<int:webinar_id>/end")
@login_required
def end(webinar_id: int):
    """End the session from a plain form (the room's script ends it over the live connection)."""
    webinar = moderated(webinar_id)
    try:
        end_session(webinar, by=current_user)
    except WebinarError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".room", webinar_id=webinar.id))
    flash(_("Webinar diakhiri. Kehadiran peserta sudah dihitung."), "success")
    return redirect(url_for(".attendance", webinar_id=webinar.id))


@bp.post("/<int:webinar_id>/finalize")
@login_required
def finalize(webinar_id: int):
    webinar = moderated(webinar_id)
    if now() < webinar.window_end:
        flash(_("Kehadiran baru dapat dihitung setelah webinar selesai."), "error")
    else:
        attendance_services.finalize(webinar, at=now())
        db.session.commit()
        flash(_("Kehadiran dihitung."), "success")
    return redirect(url_for(".attendance", webinar_id=webinar.id))


@bp.post("/<int:webinar_id>/attendance/<int:user_id>")
@login_required
def correct(webinar_id: int, user_id: int):
    webinar = moderated(webinar_id)
    person = db.get_or_404(User, user_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash(_("Tuliskan alasan koreksi."), "error")
        return redirect(url_for(".attendance", webinar_id=webinar.id))
    try:
        attendance_services.correct_attendance(
            webinar,
            person,
            present=form.present.data == "1",
            minutes=form.minutes.data,
            reason=form.reason.data,
            by=current_user,
            at=now(),
        )
    except WebinarError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Kehadiran %(name)s dikoreksi.", name=person.name), "success")
    return redirect(url_for(".attendance", webinar_id=webinar.id))
