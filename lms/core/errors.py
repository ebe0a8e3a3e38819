"""Error pages in the user's language; JSON for /api/ paths."""

from __future__ import annotations

from flask import Flask, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, RequestEntityTooLarge

from . import outage

# Each code's title and message, translated when that code's page is shown (lazy, as
# core/i18n.py's time zones), not all twenty texts at every error page.
_MESSAGES = {
    400: (_l("Permintaan tidak valid"), _l("Data yang dikirim tidak dapat diproses.")),
    401: (_l("Perlu masuk"), _l("Silakan masuk terlebih dahulu.")),
    403: (_l("Akses ditolak"), _l("Anda tidak memiliki hak untuk membuka halaman ini.")),
    404: (_l("Halaman tidak ditemukan"), _l("Alamat yang Anda buka tidak ada atau sudah dipindahkan.")),
    405: (_l("Metode tidak diizinkan"), _l("Permintaan ini tidak didukung oleh halaman tersebut.")),
    413: (_l("Berkas terlalu besar"), _l("Ukuran berkas atau data melebihi batas yang diizinkan.")),
    409: (_l("Tidak dapat diproses"), _l("Permintaan ini bertentangan dengan keadaan data saat ini.")),
    422: (_l("Data tidak valid"), _l("Periksa kembali data yang dikirim.")),
    429: (_l("Terlalu banyak percobaan"), _l("Mohon tunggu beberapa saat sebelum mencoba lagi.")),
    500: (_l("Terjadi kesalahan"), _l("Maaf, terjadi kesalahan pada sistem. Silakan coba lagi nanti.")),
}


def render_error(code: int, detail: str | None = None, errors: dict | None = None):
    """An error page, or under /api/ a JSON body {"error": {code, title, message[, errors]}}."""
    title, message = map(str, _MESSAGES.get(code, _MESSAGES[500]))
    if request.path.startswith("/api/"):
        body = {"code": code, "title": title, "message": detail or message}
        if errors:
            body["errors"] = errors
        return {"error": body}, code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def register(app: Flask) -> None:
    outage.register(app)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400,
            _("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim kembali."),
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        limit = g.get("upload_limit_bytes") or app.config["MAX_CONTENT_LENGTH"]
        return render_error(413, _("Ukuran berkas melebihi batas %(mb)s MB.", mb=f"{limit / 2**20:g}"))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code is None or exc.code < 400:
            return exc
        # A description given at abort() (not the class default) is meant for the caller.
        detail = exc.description if exc.description != type(exc).description else None
        errors = (getattr(exc, "data", None) or {}).get("messages")  # webargs validation
        response = make_response(render_error(exc.code, detail, errors))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # RFC 9110: a 405 says what is
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(exc):
        # Unhandled exceptions arrive here wrapped (Flask logs them); in tests they propagate.
        # An unreachable database can arrive wrapped too (raised while another error was handled).
        if outage.database_unavailable(exc.original_exception):
            return outage.unavailable_response(exc.original_exception)
        return render_error(500)
