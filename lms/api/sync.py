"""The offline sync: what a learner did without a connection, sent as one batch, recorded once."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..offline import sync
from ..offline.keys import user_key
from . import schemas
from .courses import login_required

blp = Blueprint(
    "api_sync",
    __name__,
    url_prefix="/api/v1",
    description="Offline sync: lesson completions and quiz answers made without a connection",
)

BATCH_MAX_BYTES = 512 * 1024


@blp.get("/sync")
@login_required
@blp.response(200, schemas.SyncHandshake)
def handshake():
    """Who the session belongs to (the device only sends that user's queue) and a fresh CSRF token."""
    return {
        "user": user_key(current_user),
        "csrf_token": generate_csrf(),
        "max_items": sync.max_items(current_app.config),
    }


@blp.post("/sync")
@login_required
@blp.arguments(schemas.SyncBatch)
@blp.response(200, schemas.SyncResults)
def sync_batch(batch):
    """Record a batch; every item gets its own result, and an item sent again is recorded once.

    Results: `recorded`; `duplicate` (already received: `detail.first` is what happened then);
    `refused` (understood, but the platform says no, e.g. the lesson was removed; resending gives
    the same answer); `error` (malformed, unknown or foreign id, id repeated in the batch, past
    the batch limit: nothing was recorded for it).
    """
    results = sync.process_batch(current_user, batch["items"], limit=sync.max_items(current_app.config))
    db.session.commit()
    return {"results": results, "user": user_key(current_user)}


@blp.url_value_preprocessor
def limit_body(endpoint, values):
    # A URL value preprocessor runs before every before_request hook, so the limit is in place
    # before the application's input guard reads the JSON body.
    if request.method == "POST":
        request.max_content_length = current_app.config.get("SYNC_MAX_BYTES", BATCH_MAX_BYTES)
