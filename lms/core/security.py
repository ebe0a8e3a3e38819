"""Security headers on every response (see Flask docs/web-security.rst)."""

from flask import Flask

# No inline script, no eval: templates can never grow inline handlers.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def register(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response):
        # Each header unless the view set its own. One pass over the headers: werkzeug's
        # `setdefault` scans them and raises a KeyError inside for every header it adds.
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        for name, value in (*SECURITY_HEADERS, HSTS) if app.config["HSTS"] else SECURITY_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        return response
