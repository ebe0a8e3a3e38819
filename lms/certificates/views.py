"""Public verification, the issuer's keys, the learner's certificates, HR bulk checks and revocation."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.access import roles_required
from ..accounts.agencies import can_manage_agency
from ..accounts.models import Agency, Role
from ..core import tabular
from ..core.forms import form_error
from ..core.home import register_home_panel
from ..core.reads import read_only
from ..core.uploads import upload_limit
from ..core.urls import public_base_url
from ..extensions import db, limiter
from ..jobs import enqueue
from . import bp, bulk, jobs, numbers, pdf, services, signatories, signing
from .forms import BulkVerifyForm, CredentialForm, RevokeForm, SignatoryForm


def verify_limit():
    return limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="certificate-verify")


def no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- public verification


def malformed(code: str, exc: numbers.MalformedNumber) -> Response:
    html = render_template("certificates/verify.html", state="malformed", typed=code[:100], error=str(exc))
    return no_cache(Response(html, 400))


@bp.get("/verify")
@verify_limit()
def verify_form():
    code = request.args.get("code", "")
    if not code.strip():
        return no_cache(Response(render_template("certificates/verify.html", state=None, typed="")))
    try:
        number = numbers.normalise(code[:100])
    except numbers.MalformedNumber as exc:
        return malformed(code, exc)
    return redirect(url_for(".verify", code=number))


@bp.get("/verify/<code>")
@read_only
@verify_limit()
def verify(code: str):
    try:
        number, cert = services.lookup(code[:100])
    except numbers.MalformedNumber as exc:
        return malformed(code, exc)
    if cert is None:
        state, status = "unknown", 404
    else:
        state, status = ("revoked" if cert.is_revoked else "valid"), 200
    html = render_template(
        "certificates/verify.html",
        state=state,
        cert=cert,
        number=number,
        typed=number,
        masked_nip=services.mask_nip(cert.holder_nip) if cert else "",
    )
    return no_cache(Response(html, status))


@bp.route("/verify/credential", methods=["GET", "POST"])
@verify_limit()
def verify_credential():
    form = CredentialForm()
    result = error = cert = None
    if form.validate_on_submit():
        try:
            result = signing.verify(form.token.data)
        except signing.CredentialInvalid as exc:
            error = str(exc)
        else:
            jti = str(result.claims.get("jti") or result.claims.get("id") or "")
            number, _message = numbers.try_normalise(jti.rsplit("/", 1)[-1])
            cert = services.by_number(number) if number else None
    status = 400 if error else 200
    return no_cache(
        Response(
            render_template(
                "certificates/credential_check.html", form=form, result=result, error=error, cert=cert
            ),
            status,
        )
    )


def _public_json(document: dict):
    response = current_app.response_class(current_app.json.dumps(document), mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["JWKS_MAX_AGE"]
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/.well-known/jwks.json")
def jwks():
    return _public_json(signing.keyring().jwks(public_base_url()))


@bp.get("/.well-known/jwks/<kid>.json")
def jwk(kid: str):
    """The public JWK a credential's kid names (OB 3.0 section 8.2: kid dereferences to a JWK)."""
    key = signing.keyring().find(kid)
    if key is None:
        abort(404)
    return _public_json(key.public_jwk(signing.key_url(public_base_url(), key.kid)))


# ---------------------------------------------------------------- the learner's certificates


@bp.get("/certificates/")
@login_required
def mine():
    certificates = services.certificates_of(current_user)
    return render_template(
        "certificates/mine.html", certificates=certificates, jp_by_year=services.jp_by_year(current_user)
    )


def _downloadable(code: str):
    number, cert = _lookup_or_404(code)
    if not services.can_download(current_user, cert):
        abort(403)
    return cert


def _lookup_or_404(code: str):
    try:
        number, cert = services.lookup(code[:100])
    except numbers.MalformedNumber:
        abort(404)
    if cert is None:
        abort(404)
    return number, cert


@bp.get("/certificates/<code>/sertifikat.pdf")
@login_required
def download_pdf(code: str):
    cert = _downloadable(code)
    try:
        verify_url = services.verify_url(cert.number, public_base_url())
        data = pdf.render(cert, verify_url, site_name=current_app.config["SITE_NAME"])
    except pdf.FontMissing as exc:
        current_app.logger.error("%s", exc)
        abort(503, description=_("Sertifikat PDF sedang tidak dapat dibuat. Silakan coba lagi nanti."))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/certificates/<code>/credential.jwt")
@login_required
def download_credential(code: str):
    cert = _downloadable(code)
    response = Response(cert.credential_jwt, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.number}.jwt"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def certificates_panel(user, rows):
    # JP is shown once on the home page, from the careers ledger (careers' panel).
    certificates = [services.HomeCertificate.of(row) for row in rows]
    certificates.sort(key=lambda cert: cert.order, reverse=True)
    count = rows[0]["count"] if rows else 0
    return "certificates/_home_panel.html", {"certificates": certificates, "count": count}


register_home_panel(
    certificates_panel,
    order=30,
    reads=services.latest_certificates_query,
    params=lambda user: {"user_id": user.id},
)


# ---------------------------------------------------------------- HR: many numbers at once


@bp.route("/certificates/verify-many", methods=["GET", "POST"])
@upload_limit("CSV_IMPORT_MAX_BYTES", extra=256 * 1024)  # the pasted numbers come on top
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
@limiter.limit(lambda: current_app.config["BULK_VERIFY_RATE_LIMIT"], methods=["POST"])
def verify_many():
    form = BulkVerifyForm()
    rows = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            typed = bulk.collect(
                form.numbers.data,
                upload.read() if upload else None,
                limit=current_app.config["BULK_VERIFY_MAX"],
            )
        except services.CertificateError as exc:
            form_error(form, exc)
        else:
            rows = bulk.verify_many(typed)
            if request.form.get("format") == "csv":
                chunks = tabular.csv_chunks(bulk.RESULT_HEADER, bulk.result_rows(rows), delimiter=",")
                return tabular.download("hasil-verifikasi.csv", chunks)
    return render_template(
        "certificates/bulk.html",
        form=form,
        rows=rows,
        labels=bulk.status_labels(),
        mask_nip=services.mask_nip,
    )


# ---------------------------------------------------------------- admins: find and revoke


@bp.get("/certificates/manage")
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
def manage():
    search = request.args.get("q", "").strip()[:100]
    page_number = request.args.get("page", "1")
    page = db.paginate(
        services.manage_query(current_user, search),
        page=int(page_number) if page_number.isdigit() and len(page_number) < 6 else 1,
        per_page=25,
        error_out=False,
    )
    return render_template(
        "certificates/manage/index.html", page=page, search=search, mask_nip=services.mask_nip
    )


@bp.post("/certificates/manage/issue-missing")
@roles_required(Role.ADMIN)
def issue_missing():
    job = enqueue(
        jobs.ISSUE_MISSING,
        {"base_url": public_base_url()},
        by=current_user,
        key=jobs.ISSUE_MISSING,
        locale=str(get_locale()),
    )
    db.session.commit()
    return redirect(url_for("jobs.status", job_id=job.id))


def _manageable(code: str):
    number, cert = _lookup_or_404(code)
    if not services.can_manage(current_user, cert):
        abort(403)
    return cert


@bp.get("/certificates/manage/<code>")
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
def manage_detail(code: str):
    cert = _manageable(code)
    return render_template("certificates/manage/detail.html", cert=cert, form=RevokeForm())


@bp.post("/certificates/manage/<code>/revoke")
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
def revoke(code: str):
    cert = _manageable(code)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(cert, form.reason.data, by=current_user)
        except services.CertificateError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Sertifikat %(number)s telah dicabut.", number=cert.number), "success")
            return redirect(url_for(".manage_detail", code=cert.number))
    return render_template("certificates/manage/detail.html", cert=cert, form=form), 422


@bp.route("/certificates/signatory/<int:agency_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.AGENCY_ADMIN)
def signatory(agency_id: int):
    agency = db.get_or_404(Agency, agency_id)
    if not can_manage_agency(current_user, agency.id):
        abort(403)
    current = signatories.signatory_of(agency)
    form = SignatoryForm(obj=current)
    if form.validate_on_submit():
        try:
            signatories.set_signatory(agency, form.name.data, form.position.data, by=current_user)
        except signatories.SignatoryError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Penanda tangan sertifikat disimpan."), "success")
            return redirect(url_for(".signatory", agency_id=agency.id))
    status = 422 if form.errors else 200
    return render_template("certificates/manage/signatory.html", agency=agency, form=form), status
