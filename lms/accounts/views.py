"""Login, registration, passwords and personal preferences."""

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..core.clock import utcnow
from ..core.forms import form_error
from ..core.home import register_home_panel
from ..core.i18n import LANG_COOKIE
from ..core.mail import send_mail
from ..core.urls import safe_next
from ..extensions import db, limiter
from . import bp, services
from .agencies import all_units_grouped
from .errors import AccountError, EmailNotConfirmed, LoginLocked
from .forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    PreferencesForm,
    RegisterForm,
    ResetPasswordForm,
)
from .models import Role, Unit
from .sessions import device_label
from .tokens import LinkUnusable


@bp.before_app_request
def load_user_first():
    """Read the login session before the view runs, so its rare "last seen" write commits alone."""
    if request.endpoint != "static":
        current_user._get_current_object()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.log_in(
                form.login.data,
                form.password.data,
                ip=request.remote_addr,
                user_agent=request.user_agent.string,
                at=utcnow(),
            )
        except EmailNotConfirmed as exc:
            mail = _email_confirmation(exc.user, again=True)
            db.session.commit()
            if mail:
                send_mail(*mail)
            form_error(form, exc)
        except LoginLocked as exc:
            form_error(form, exc)
            status = 429
        except AccountError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            next_url = safe_next(request.args.get("next"), url_for("core.home"))
            session.clear()  # a fresh session at login: no fixation
            login_user(user, remember=form.remember.data)
            return redirect(next_url)
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.end_login_session(current_user, at=utcnow())
    db.session.commit()
    # Clear first: logout_user() then leaves its instruction to delete the remember cookie.
    session.clear()
    logout_user()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    groups = all_units_grouped()
    if form.validate_on_submit():
        data = services.NewUser(
            nip=form.nip.data,
            name=form.name.data,
            email=form.email.data,
            unit_id=form.unit_id.data,
            password=form.password.data,
        )
        try:
            user = services.register(data, at=utcnow())
        except AccountError as exc:
            form_error(form, exc)
        else:
            mail = _email_confirmation(user)
            db.session.commit()
            send_mail(*mail)
            flash(
                _(
                    # The name often ends in a degree's full stop ("S.Sos."): no sentence ends right after it.
                    "Pendaftaran %(name)s diterima. Kami telah mengirim tautan konfirmasi ke %(email)s: "
                    "buka tautan itu untuk mengaktifkan akun, lalu masuk.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for(".login"))
    return render_template("accounts/register.html", form=form, groups=groups)


def _email_confirmation(user, *, again: bool = False) -> tuple[str, str, str] | None:
    """A new confirmation link and the mail that carries it, sent once the link is committed;
    when asked again, at most one link per 10 minutes (None)."""
    now = utcnow()
    if again and services.confirmation_recently_sent(user, at=now):
        return None
    token = services.make_email_confirmation_token(user, at=now)
    link = url_for(".confirm_email", token=token, _external=True)
    body = render_template("accounts/mail/confirm_email.txt", user=user, link=link)
    return user.email, _("Konfirmasi email akun Anda"), body


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    # GET only shows a button: mail scanners that open links must not use up the link.
    if request.method == "POST":
        try:
            services.confirm_email(token, at=utcnow())
        except AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".login"))
        db.session.commit()
        flash(_("Email Anda sudah dikonfirmasi. Silakan masuk."), "success")
        return redirect(url_for(".login"))
    try:
        services.user_for_email_confirmation(token, at=utcnow())
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".login"))
    return render_template("accounts/confirm_email.html")


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PreferencesForm(obj=current_user, timezone=current_user.timezone or "")
    if form.validate_on_submit():
        try:
            services.set_preferences(current_user, locale=form.locale.data, timezone=form.timezone.data)
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Pengaturan disimpan."), "success")
            return redirect(url_for(".account"))
    return render_template(
        "accounts/account.html",
        form=form,
        sessions=services.my_sessions(current_user, at=utcnow()),
        device_label=device_label,
    )


@bp.post("/account/sessions/<session_id>/end")
@login_required
def end_session(session_id: str):
    if not services.end_my_session(current_user, session_id, at=utcnow()):
        abort(404)
    db.session.commit()
    flash(_("Sesi di perangkat tersebut telah diakhiri."), "success")
    return redirect(url_for(".account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = services.end_other_sessions(current_user, at=utcnow())
    db.session.commit()
    flash(
        ngettext("%(num)d sesi lain telah diakhiri.", "%(num)d sesi lain telah diakhiri.", len(ended)),
        "success",
    )
    return redirect(url_for(".account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.password.data, at=utcnow()
            )
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Kata sandi berhasil diubah. Sesi di perangkat lain telah diakhiri."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/password_change.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_login(form.email.data)
        if user is not None and user.active:
            link = url_for(
                ".reset_password", token=services.make_reset_token(user, at=utcnow()), _external=True
            )
            db.session.commit()
            send_mail(
                user.email,
                _("Atur ulang kata sandi"),
                render_template("accounts/mail/reset_password.txt", user=user, link=link),
            )
        # The same answer whether or not the address is registered.
        flash(
            _(
                "Jika email tersebut terdaftar, kami telah mengirim tautan untuk mengatur ulang "
                "kata sandi. Tautan berlaku 1 jam."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/password_forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token, at=utcnow())
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, at=utcnow())
        except LinkUnusable as exc:
            flash(str(exc), "error")
            return redirect(url_for(".forgot_password"))
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Kata sandi baru sudah disimpan. Silakan masuk."), "success")
            return redirect(url_for(".login"))
    return render_template("accounts/password_reset.html", form=form)


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    back = safe_next(request.form.get("next"), url_for("core.home"))
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(back)
    if current_user.is_authenticated:
        services.set_preferences(current_user, locale=lang)
        db.session.commit()
    response = make_response(redirect(back))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


MANAGER_ROLES = (Role.ADMIN, Role.AGENCY_ADMIN)


def unit_name_query() -> sa.Select:
    """The name of the user's unit (bind parameter `profile_unit`), read in the home page's one
    statement: `user.unit` in the template was one more statement for everyone placed in a unit."""
    return sa.select(Unit.name).where(Unit.id == sa.bindparam("profile_unit"))


def profile_panel(user, rows):
    manage_url = url_for("accounts_admin.index") if user.has_role(*MANAGER_ROLES) else None
    unit_name = rows[0]["name"] if rows else None
    return "accounts/_home_profile.html", {"manage_url": manage_url, "unit_name": unit_name}


register_home_panel(
    profile_panel, order=10, reads=unit_name_query, params=lambda user: {"profile_unit": user.unit_id}
)
