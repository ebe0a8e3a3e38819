"""Control characters in a request are refused before any view sees them.

A NUL byte in a query (`/courses/?q=a%00b`), a path (`/courses/a%00b`) or a form field reached
the database, which refuses it (PostgreSQL: "string literal cannot contain NUL"), and the visitor
got a 500. No person types control characters: they come from scanners, broken copy and paste,
or attacks. So the first before_request hook answers 400, in the visitor's language (JSON under
/api/), when the path, a query parameter, a form field (name or value), an uploaded file's name or
a string of a JSON body holds one. Tab, CR and LF stay allowed in form fields and JSON strings
(text areas send them); the path and the query allow none.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _

from .errors import render_error

logger = logging.getLogger(__name__)

_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")  # paths, query strings, field names, file names
_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # field values: tab, CR, LF allowed
MAX_JSON_DEPTH = 64


def _json_has_control(value: Any, depth: int = 0) -> bool:
    if depth > MAX_JSON_DEPTH:
        return True
    if isinstance(value, str):
        return bool(_IN_TEXT.search(value))
    if isinstance(value, dict):
        return any(_IN_LINE.search(str(k)) or _json_has_control(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_control(v, depth + 1) for v in value)
    return False


def remove_control_characters(text: str) -> str:
    """The text without control characters other than tab, CR and LF (for text that does not
    pass through a request form, such as Socket.IO messages)."""
    return _IN_TEXT.sub("", text)


def where_control_characters() -> str | None:
    """The part of the current request that holds a forbidden control character, or None."""
    if _IN_LINE.search(request.path):
        return "path"
    for key, value in request.args.items(multi=True):
        if _IN_LINE.search(key) or _IN_LINE.search(value):
            return "query"
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            if _IN_LINE.search(key) or _IN_TEXT.search(value):
                return "form"
        for key, upload in request.files.items(multi=True):
            if _IN_LINE.search(key) or _IN_LINE.search(upload.filename or ""):
                return "file"
        if request.is_json and _json_has_control(request.get_json(silent=True)):
            return "json"
    return None


def register(app: Flask) -> None:
    def refuse_control_characters():
        where = where_control_characters()
        if where is None:
            return None
        logger.info("request refused: control character in %s of %s", where, request.endpoint)
        return render_error(
            400,
            _(
                "Permintaan ini memuat karakter kontrol (misalnya NUL) yang tidak diizinkan. "
                "Periksa kembali alamat atau isian Anda, lalu coba lagi."
            ),
        )

    # First of all hooks: before CSRF checking, rate limits or anything that reads the request.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
