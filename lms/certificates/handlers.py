"""What certificates does when other features announce something: issue a certificate the moment
one is earned (a course completed, a webinar attended). Connected by `certificates.init_app`."""

from ..courses.signals import course_completed
from ..webinars.signals import webinar_attended
from . import services


def connect() -> None:
    """Subscribe to the signals; connecting again (another app in the same process) changes
    nothing, since blinker keeps one connection per receiver."""
    course_completed.connect(services.on_course_completed)
    webinar_attended.connect(services.on_webinar_attended)
