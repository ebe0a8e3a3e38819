"""HR reports of an agency, above careers: the dashboard, JP compliance, the competency-gap
heatmap, the talent 9-box, promotion readiness, and their exports (with the SIASN training
history). They read the derived tables careers keeps (careers.summaries); careers never imports
this package.
"""

from flask import Blueprint

# Under /hr/ with the other HR pages (the URLs predate this package).
bp = Blueprint("reports", __name__, url_prefix="/hr")

from . import views  # noqa: E402,F401
