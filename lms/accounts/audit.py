"""Writing and reading the HR audit log (who changed what, when, before and after): careers and
the competency catalogue write it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..core.clock import utcnow
from ..extensions import db
from .models import AuditEntry, User

logger = logging.getLogger(__name__)


def log_change(
    entity: str,
    entity_id: int,
    action: str,
    *,
    subject_id: int | None,
    actor: User | None,
    before: dict | None,
    after: dict | None,
) -> AuditEntry:
    """Append one entry to the audit log (in the caller's transaction)."""
    entry = AuditEntry(
        entity=entity,
        entity_id=entity_id,
        action=action,
        subject_id=subject_id,
        actor_id=actor.id if actor is not None else None,
        before=before,
        after=after,
    )
    db.session.add(entry)
    logger.info(
        "careers audit: %s %s %s of user %s by %s",
        action,
        entity,
        entity_id,
        subject_id,
        actor.id if actor is not None else "system",
    )
    return entry


def log_changes(
    entity: str, changes: list[tuple[int, str, int | None, dict | None, dict | None]], *, actor: User | None
) -> None:
    """Append many entries at once, (entity id, action, subject id, before, after) each: one
    statement however many (for changes that follow an event, e.g. a course edited)."""
    if not changes:
        return
    at = utcnow()
    actor_id = actor.id if actor is not None else None
    db.session.execute(
        sa.insert(AuditEntry),
        [
            {
                "entity": entity,
                "entity_id": entity_id,
                "action": action,
                "subject_id": subject_id,
                "actor_id": actor_id,
                "at": at,
                "before": before,
                "after": after,
            }
            for entity_id, action, subject_id, before, after in changes
        ],
    )
    logger.info("careers audit: %d %s changes by %s", len(changes), entity, actor_id or "system")


def history_of(subject_id: int, *, limit: int = 200) -> list[AuditEntry]:
    """The newest entries about a person, with their actors loaded."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.subject_id == subject_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .options(selectinload(AuditEntry.actor))
        )
    )


def history_of_entity(entity: str, entity_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
