"""Subscriptions to other features' signals: issue a certificate the moment one is earned."""

from ..courses.completion import course_completed
from ..webinars.signals import webinar_attended
from . import services

course_completed.connect(services.on_course_completed)
webinar_attended.connect(services.on_webinar_attended)
