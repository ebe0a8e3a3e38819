"""Per-view upload limits that hold before anything reads the request body.

CSRFProtect parses the form in a before_request hook, so a limit set inside the view comes too
late. URL value preprocessors run before every before_request hook: that is where the view's
limit is applied.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request


def upload_limit(config_key: str, *, extra: int = 0):
    """Limit the request body of a view to app.config[config_key] (+ extra for form fields)."""

    def decorator(view):
        view.upload_limit = (config_key, extra)
        return view

    return decorator


def register(app: Flask) -> None:
    @app.url_value_preprocessor
    def apply_upload_limit(endpoint, values):
        view = current_app.view_functions.get(endpoint or "")
        limit = getattr(view, "upload_limit", None)
        if limit is not None:
            key, extra = limit
            g.upload_limit_bytes = current_app.config[key]  # what the error page tells the user
            request.max_content_length = current_app.config[key] + extra
