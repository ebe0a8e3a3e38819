"""Site paths for notices, also outside a request (jobs, the scheduler, commands)."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def site_path(endpoint: str, **values) -> str:
    """The path of a page (no host: the mail adds PUBLIC_BASE_URL, the page is on this site)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)
