"""URLs: safe redirect targets and the site's public address."""

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.routing import IntegerConverter

logger = logging.getLogger(__name__)


def public_base_url() -> str:
    """The site's absolute address for QR codes, credentials and links in mail: PUBLIC_BASE_URL,
    else the current request's. Computed at the edge (views, subscribers, CLI) and passed to the
    services as a plain argument."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    logger.warning("PUBLIC_BASE_URL is not set; certificate links use http://localhost")
    return "http://localhost"


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to after login or a form; anything else falls back to default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def int_arg(name: str) -> int | None:
    """A whole number from the query string (at most 9 digits), or None."""
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


DB_INT_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id column


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database integer can hold: a larger one is not found
    (404) instead of an error from PostgreSQL ("integer out of range", a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Before any route is added: rules are compiled with the converters of that moment."""
    app.url_map.converters["int"] = DatabaseIntConverter
