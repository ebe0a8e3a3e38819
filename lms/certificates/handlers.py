"""Subscriptions to other features' signals: issue a certificate the moment one is earned."""

from ..courses.completion import course_completed
from . import services

course_completed.connect(services.on_course_completed)

try:  # the webinars feature announces attendance; wired here once it is part of the code base
    from ..webinars.signals import webinar_attended
except ImportError:  # pragma: no cover - before the webinars feature lands
    webinar_attended = None
else:  # pragma: no cover
    webinar_attended.connect(services.on_webinar_attended)
