"""Video links: the room always shows the link; a few platforms can also be embedded.

Only the platforms below are embedded, and only their origin is added to the room page's CSP
`frame-src`. Everything else (Zoom, BigBlueButton, ...) stays a link that opens the platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_JITSI_ROOM = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}


@dataclass(frozen=True)
class Embed:
    platform: str
    src: str
    origin: str
    allow: str = "autoplay; fullscreen; picture-in-picture"


def _youtube_id(host: str, path: str, query: str) -> str | None:
    if host == "youtu.be":
        candidate = path.strip("/")
    elif host in YOUTUBE_HOSTS:
        if path == "/watch":
            candidate = (parse_qs(query).get("v") or [""])[0]
        else:
            parts = path.strip("/").split("/")
            candidate = parts[1] if len(parts) == 2 and parts[0] in ("live", "embed") else ""
    else:
        return None
    return candidate if _YOUTUBE_ID.match(candidate or "") else None


def embed_for(url: str, jitsi_hosts: Iterable[str] = ("meet.jit.si",)) -> Embed | None:
    """The embeddable player for a video link, or None when it must stay a link."""
    parts = urlsplit((url or "").strip())
    if parts.scheme != "https" or not parts.hostname:
        return None
    host = parts.hostname.lower()
    video_id = _youtube_id(host, parts.path, parts.query)
    if video_id:
        origin = "https://www.youtube-nocookie.com"
        return Embed("YouTube", f"{origin}/embed/{video_id}", origin)
    if host in ("vimeo.com", "www.vimeo.com") and _VIMEO_ID.match(parts.path.strip("/")):
        origin = "https://player.vimeo.com"
        return Embed("Vimeo", f"{origin}/video/{parts.path.strip('/')}", origin)
    if host in set(jitsi_hosts) and _JITSI_ROOM.match(parts.path.strip("/")) and parts.port is None:
        origin = f"https://{host}"
        return Embed(
            "Jitsi",
            f"{origin}/{parts.path.strip('/')}",
            origin,
            allow="camera; microphone; display-capture; autoplay; fullscreen",
        )
    return None
