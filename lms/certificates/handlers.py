"""Subscriptions to other features' signals: issue a certificate the moment one is earned.

Webinars: `services.on_webinar_attended` is ready (and tested) for the webinars feature's
`webinar_attended` signal; connect it here, next to the line below, once that feature is merged:
    from ..webinars.signals import webinar_attended
    webinar_attended.connect(services.on_webinar_attended)
"""

from ..courses.completion import course_completed
from . import services

course_completed.connect(services.on_course_completed)
