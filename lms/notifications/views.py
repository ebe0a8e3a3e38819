"""The notifications page, opening a notice, marking them read, and the mail settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.home import register_panel
from ..core.urls import int_arg, public_base_url, safe_next
from ..extensions import db
from . import bp, services
from .kinds import KINDS, render


@bp.get("/")
@login_required
def index():
    page = services.notices_page(current_user, int_arg("page") or 1)
    locale, zone = str(get_locale()), current_user.effective_timezone
    base_url = public_base_url()
    items = [(n, render(n.kind, n.params, locale=locale, zone=zone, base_url=base_url)) for n in page.items]
    return render_template("notifications/index.html", page=page, items=items)


@bp.post("/<int:notification_id>/open")
@login_required
def open_notice(notification_id: int):
    notice = services.mark_read(current_user, notification_id)
    if notice is None:
        abort(404)
    path = notice.path  # before the commit, which expires the notice
    db.session.commit()
    return redirect(safe_next(path, url_for(".index")))


@bp.post("/read-all")
@login_required
def read_all():
    count = services.mark_all_read(current_user)
    # Made before the commit, which expires the user (the message's locale).
    message = _("%(n)d pemberitahuan ditandai sudah dibaca.", n=count)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        services.set_mail_kinds(current_user, set(request.form.getlist("kinds")))
        db.session.commit()
        flash(_("Pengaturan surel pemberitahuan disimpan."), "success")
        return redirect(url_for(".settings"))
    return render_template(
        "notifications/settings.html", kinds=KINDS.values(), chosen=services.mail_kinds(current_user)
    )


def account_panel(user):
    return "notifications/_account_panel.html", {}


register_panel("account", account_panel, order=40)
