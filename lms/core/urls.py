from urllib.parse import urlsplit


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
