"""View decorators for roles; the rules themselves live in services and agencies."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import login_manager
from .models import Role
from .services import load_session_user


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
