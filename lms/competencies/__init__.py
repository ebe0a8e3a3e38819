"""The competency catalogue: SKJ (managerial, socio-cultural) and agencies' technical competencies
with their level descriptors, and the HR editor of the technical ones.

It sits below courses, webinars and careers (they import it) and imports only accounts and core.
"""

from flask import Blueprint

# The HR editor lives under /hr/ with the other HR pages (its URLs predate this package).
bp = Blueprint("competencies", __name__, url_prefix="/hr")

from . import views  # noqa: E402,F401
