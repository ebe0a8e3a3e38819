"""The competencies (and levels) a webinar awards to the participants present at it.

A trainer chooses them from the catalogue their agency sees: the SKJ competencies and the
technical ones of the host's agency. They are part of scheduling and editing a webinar, and they
stay editable after the webinar is over (its schedule does not): careers then brings the records
of the present participants in line, with the moderator as the actor of the audit entries
(`webinar_competencies_changed`). The certificate of an attendance lists the webinar's
competencies as they were when it was issued.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..competencies.models import Competency
from ..competencies.services import available_competencies, competencies_by_code
from ..extensions import db
from .access import require_moderator
from .errors import WebinarError
from .models import Webinar, WebinarCompetency
from .signals import webinar_competencies_changed

logger = logging.getLogger(__name__)

LEVELS = range(1, 6)


def host_agency_id(webinar: Webinar) -> int | None:
    """The agency whose catalogue the webinar draws on: its host's."""
    host = webinar.host if webinar.host is not None else db.session.get(User, webinar.host_id)
    return host.agency_id if host is not None else None


def catalogue(webinar: Webinar | None, by: User) -> list[Competency]:
    """The competencies a trainer may choose for a webinar (a new one when None): the catalogue of
    the host's agency, plus any the webinar already awards, by type then code."""
    agency_id = by.agency_id if webinar is None else host_agency_id(webinar)
    found = available_competencies(agency_id)
    if webinar is not None:
        known = {c.id for c in found}
        extra = [wc.competency for wc in webinar.competencies if wc.competency_id not in known]
        if extra:
            found = sorted([*found, *extra], key=lambda c: (c.type, c.code))
    return found


def levels_of(webinar: Webinar) -> dict[str, int]:
    """Competency code -> level the webinar awards (for forms and pages)."""
    return {wc.competency.code: wc.level for wc in webinar.competencies}


def _level(raw: int | str | None) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw in LEVELS else None
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and int(text) in LEVELS else None


def clean_levels(webinar: Webinar, pairs: Iterable[tuple[str, int | str]]) -> dict[int, int]:
    """(code, level) pairs -> {competency id: level}, or WebinarError naming the first problem:
    an unknown code, a competency outside the host agency's catalogue, a code given twice, a
    level outside 1-5. Writes nothing."""
    pairs = [(str(code or "").strip().upper(), raw) for code, raw in pairs]
    known = competencies_by_code(code for code, _raw in pairs)
    agency_id = host_agency_id(webinar)
    current = {wc.competency_id for wc in webinar.competencies} if webinar.id is not None else set()
    wanted: dict[int, int] = {}
    for code, raw in pairs:
        competency = known.get(code)
        if competency is None or (
            competency.agency_id not in (None, agency_id) and competency.id not in current
        ):
            raise WebinarError(
                _l(
                    "Kompetensi %(code)s tidak ada dalam katalog kompetensi instansi Anda.",
                    code=code or "-",
                ),
                "competencies",
            )
        if competency.id in wanted:
            raise WebinarError(
                _l("Kompetensi %(name)s disebut dua kali.", name=competency.name), f"comp_{code}"
            )
        level = _level(raw)
        if level is None:
            raise WebinarError(
                _l("Level kompetensi %(name)s harus 1 sampai 5.", name=competency.name), f"comp_{code}"
            )
        wanted[competency.id] = level
    return wanted


def apply_levels(webinar: Webinar, wanted: dict[int, int]) -> dict[int, int] | None:
    """Make the webinar award exactly `wanted`; returns what it awarded before, or None when
    nothing changed. Existing rows are updated in place, so their keys never move."""
    before = {wc.competency_id: wc.level for wc in webinar.competencies}
    if before == wanted:
        return None
    kept = []
    for award in webinar.competencies:
        if award.competency_id in wanted:
            award.level = wanted[award.competency_id]
            kept.append(award)
    kept += [
        WebinarCompetency(competency_id=competency_id, level=level)
        for competency_id, level in sorted(wanted.items())
        if competency_id not in before
    ]
    webinar.competencies = kept
    return before


def set_competencies(webinar: Webinar, pairs: Iterable[tuple[str, int | str]], *, by: User) -> bool:
    """A moderator sets the competencies a webinar awards, also after it is over; returns whether
    anything changed. When it did, `webinar_competencies_changed` lets the records of the people
    present follow (careers), in this transaction."""
    require_moderator(by, webinar)
    wanted = clean_levels(webinar, pairs)
    before = apply_levels(webinar, wanted)
    if before is None:
        return False
    db.session.flush()
    logger.info("webinar %s competencies changed by %s: %s -> %s", webinar.id, by.id, before, wanted)
    webinar_competencies_changed.send(
        current_app._get_current_object(), webinar=webinar, before=before, by=by
    )
    return True
