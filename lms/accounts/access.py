"""View decorators for roles; the rules themselves live in services and agencies."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required

from ..core.clock import utcnow
from ..extensions import db, login_manager
from . import sessions
from .agencies import can_manage_hr
from .models import Agency, Role

# Who reaches the HR pages (careers, the competency catalogue, reports): each page then checks
# the agency with `managed_agency`.
HR_ROLES = (Role.ADMIN, Role.AGENCY_ADMIN)


@login_manager.user_loader
def load_user(cookie_id: str):
    """The user of a live server-side session (one statement); "last seen" every few minutes."""
    config = current_app.config
    now = utcnow()
    user = sessions.load_user(cookie_id, now=now, idle=timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]))
    if user is not None and sessions.touch_due(
        user.login_session, now=now, interval=timedelta(seconds=config["SESSION_TOUCH_SECONDS"])
    ):
        # Users load before a view changes anything, so this commit holds only the touch.
        sessions.touch(
            user.login_session, at=now, ip=request.remote_addr, user_agent=request.user_agent.string
        )
        db.session.commit()
    return user


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
