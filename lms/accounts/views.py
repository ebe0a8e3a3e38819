"""Login, registration, passwords and personal preferences."""

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
from flask_login import current_user, login_required, login_user, logout_user

from ..core.forms import form_error
from ..core.home import register_home_panel
from ..core.i18n import LANG_COOKIE
from ..core.mail import send_mail
from ..core.urls import safe_next
from ..extensions import db, limiter
from . import bp, services
from .agencies import all_units_grouped
from .errors import AccountError
from .forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    PreferencesForm,
    RegisterForm,
    ResetPasswordForm,
)
from .models import Role


def _login_account_key() -> str:
    """Count attempts per account, whether it is named by NIP or by email."""
    login = request.form.get("login", "")
    user = services.find_login(login)
    return f"login:user:{user.id}" if user else "login:" + services.normalise_login(login)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    methods=["POST"],
    key_func=_login_account_key,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            next_url = safe_next(request.args.get("next"), url_for("core.home"))
            session.clear()  # a fresh session at login: no fixation
            login_user(user, remember=form.remember.data)
            return redirect(next_url)
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
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
            user = services.register(data)
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            # The name often ends in a degree's full stop ("S.Sos."): no sentence ends right after it.
            flash(_("Akun Anda sudah aktif. Selamat datang, %(name)s", name=user.name), "success")
            return redirect(url_for("core.home"))
    return render_template("accounts/register.html", form=form, groups=groups)


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
    return render_template("accounts/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except AccountError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            login_user(current_user._get_current_object(), fresh=True)  # keep this session, new token
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
            link = url_for(".reset_password", token=services.make_reset_token(user), _external=True)
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
        services.user_for_reset_token(token)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
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


def profile_panel(user):
    manage_url = url_for("accounts_admin.index") if user.has_role(*MANAGER_ROLES) else None
    return "accounts/_home_profile.html", {"manage_url": manage_url}


register_home_panel(profile_panel, order=10)
