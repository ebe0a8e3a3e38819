"""Accounts: users, roles, agencies and units, NIP, login and bulk import."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402, F401
    access,
    admin_views,
    audit_words,  # noqa: E402
    views,
)

bp.add_app_template_global(audit_words.headline, "audit_headline")
bp.add_app_template_global(audit_words.changes, "audit_changes")
