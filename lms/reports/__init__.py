"""HR reports of an agency, above careers: the dashboard, JP compliance, the competency-gap
heatmap, the talent 9-box, promotion readiness, completion of assigned courses (and the trainer's
report of their courses' learners), and their exports (with the SIASN training
history). They read the derived tables careers keeps (careers.summaries); careers never imports
this package.
"""

from flask import Blueprint

# Under /hr/ with the other HR pages (the URLs predate this package).
bp = Blueprint("reports", __name__, url_prefix="/hr")
# The trainer's completion report, beside the other trainer pages.
teach_bp = Blueprint("reports_teach", __name__, url_prefix="/teach")

from . import completion_views, views  # noqa: E402,F401
