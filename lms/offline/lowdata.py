"""Low-data mode on pages: large lesson images wait for a tap, videos and rooms for a choice.

Lesson HTML is stored sanitised (lms/content.py); here it is only rewritten for a learner in
low-data mode: an <img> of a course file larger than the threshold becomes a link that says the
image's size. offline.js turns the link into the image when tapped; without JavaScript the link
opens the image.
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..courses.models import MEDIA_URL_PREFIX, Media
from ..extensions import db
from . import preferences

DEFAULT_IMAGE_BYTES = 100 * 1024
_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\bsrc="' + re.escape(MEDIA_URL_PREFIX) + r'([A-Za-z0-9_-]{24}\.[a-z0-9]{3,4})"')
_ATTR = re.compile(r'\b(alt|width|height)="([^"]*)"')


def low_data_mode() -> bool:
    """Whether the current user chose low-data mode (asked once per request)."""
    if "low_data_mode" not in g:
        g.low_data_mode = current_user.is_authenticated and preferences.low_data(current_user)
    return g.low_data_mode


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
        return _("%(n)s MB", n=megabytes)
    return _("%(n)s KB", n=max(1, round(size / 1024)))


def hold_large_images(body_html: str) -> Markup:
    """The lesson HTML, with large images as tap-to-load links in low-data mode (else unchanged)."""
    if "<img" not in body_html or not low_data_mode():
        return Markup(body_html)  # noqa: S704 - lesson HTML is stored sanitised by lms.content
    names = [m.group(1) for m in _SRC.finditer(body_html)]
    sizes = dict(
        db.session.execute(sa.select(Media.stored_name, Media.size).where(Media.stored_name.in_(names))).all()
    )
    limit = int(current_app.config.get("LOW_DATA_IMAGE_BYTES", DEFAULT_IMAGE_BYTES))

    def replace(match: re.Match) -> str:
        tag = match.group(0)
        found = _SRC.search(tag)
        size = sizes.get(found.group(1), 0) if found else 0
        if size <= limit:
            return tag
        attrs = dict(_ATTR.findall(tag))
        src = MEDIA_URL_PREFIX + found.group(1)
        label = _(
            "Ketuk untuk memuat gambar %(alt)s (%(size)s)",
            alt=html.unescape(attrs.get("alt", "")),
            size=human_size(size),
        )
        data = "".join(f' data-{k}="{v}"' for k, v in attrs.items())
        return f'<a class="img-wait" href="{src}" data-src="{src}"{data}>{html.escape(label)}</a>'

    return Markup(_IMG.sub(replace, body_html))  # noqa: S704 - rewritten from sanitised HTML
