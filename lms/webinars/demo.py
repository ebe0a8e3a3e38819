"""Demo data: one webinar of the demo trainer, live today, with two learners registered; being
present at it awards two SKJ competencies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ..accounts import services as accounts
from ..content import render_markdown
from ..extensions import db
from .competencies import apply_levels, clean_levels
from .models import Registration, Webinar

TITLE = "Webinar: Hak 20 JP dan Rencana Pengembangan Kompetensi"
DESCRIPTION = (
    "Tanya jawab langsung tentang hak pengembangan kompetensi minimal **20 JP** per tahun, "
    "cara mencatatnya, dan menyusun rencana pengembangan bersama atasan."
)
# Developing self and others, communication (codes of the SKJ catalogue).
COMPETENCIES = [("PDOL", 2), ("KOM", 1)]


def seed() -> list[str]:
    """Create the demo webinar if it is missing (it starts at the current hour, for 4 hours)."""
    trainer = accounts.user_by_email("pengajar@contoh.go.id")
    if trainer is None:
        return []
    webinar = db.session.scalar(sa.select(Webinar).where(Webinar.title == TITLE))
    if webinar is None:
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        webinar = Webinar(
            title=TITLE,
            description_md=DESCRIPTION,
            description_html=render_markdown(DESCRIPTION),
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            timezone="Asia/Jayapura",
            jp=2,
            present_threshold=80,
            video_url="https://meet.jit.si/RuangBelajarASN-Demo",
            host_id=trainer.id,
        )
        db.session.add(webinar)
        db.session.flush()
        for email in ("siti@contoh.go.id", "andi@contoh.go.id"):
            learner = accounts.user_by_email(email)
            if learner is not None:
                db.session.add(Registration(webinar_id=webinar.id, user_id=learner.id, registered_at=start))
        db.session.flush()
    if not webinar.competencies:  # also for a demo webinar seeded before webinars had them
        apply_levels(webinar, clean_levels(webinar, COMPETENCIES))
        db.session.flush()
    return [
        f"Demo webinar: /webinars/{webinar.id}/room (siti@ and andi@ are registered; "
        "present participants earn PDOL level 2 and KOM level 1)"
    ]
