"""The mail of a notice, in its reader's language, with links from PUBLIC_BASE_URL."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..accounts.models import User
from ..core.urls import public_base_url
from .kinds import render
from .models import Notification
from .paths import site_path


def compose(notice: Notification, user: User) -> tuple[str, str]:
    """The subject and body of a notice's mail for its reader."""
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else "id"
    base_url = public_base_url()
    rendered = render(
        notice.kind, notice.params, locale=locale, zone=user.effective_timezone, base_url=base_url
    )
    with force_locale(locale):
        body = _("Yth. %(name)s,", name=user.name) + "\n\n" + rendered.text + "\n"
        if notice.path:
            body += "\n" + _("Buka: %(url)s", url=base_url + notice.path) + "\n"
        body += "\n-- \n" + _(
            "Surel ini dikirim otomatis oleh %(site)s. "
            "Pilih pemberitahuan yang dikirim lewat surel di %(url)s",
            site=current_app.config["SITE_NAME"],
            url=base_url + site_path("notifications.settings"),
        )
        body += "\n"
    return rendered.title, body
