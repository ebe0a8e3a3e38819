"""View decorators for roles; the rules themselves live in services and agencies."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db, login_manager
from .agencies import can_manage_hr
from .models import Agency, Role
from .services import load_session_user

# Who reaches the HR pages (careers, the competency catalogue, reports): each page then checks
# the agency with `managed_agency`.
HR_ROLES = (Role.ADMIN, Role.AGENCY_ADMIN)


@login_manager.user_loader
def load_user(session_id: str):
    return load_session_user(session_id)


def roles_required(*roles: Role):
    """Allow the view to users holding any of the roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def managed_agency(agency_id: int) -> Agency:
    """The agency the current user is HR of: 404 when it does not exist, 403 when not theirs."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    if not can_manage_hr(current_user, agency.id):
        abort(403)
    return agency
