from urllib.parse import urlsplit

from flask import request


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
