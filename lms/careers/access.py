"""Who may see whose career data.

- everyone sees their own profile;
- a supervisor sees their direct and indirect subordinates (the supervisor chain, followed with
  a recursive CTE over users.supervisor_id) within their own agency; only verified accounts
  supervise or are in a team (a self-registered NIP may not be the registrant's own);
- an agency admin (HR) sees the people of their own agency; an administrator sees everyone;
- nobody else, and never people of another agency.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..accounts.agencies import can_manage_hr
from ..accounts.models import User
from ..extensions import db

MAX_DEPTH = 30  # deeper chains are data errors; the limit also stops cycles


def supervisor_chain_ids(person_id: int) -> set[int]:
    """The ids of the person's supervisor, their supervisor, and so on up (one query)."""
    users = User.__table__
    chain = (
        sa.select(users.c.supervisor_id.label("id"), sa.literal(1).label("depth"))
        .where(users.c.id == person_id, users.c.supervisor_id.is_not(None))
        .cte("chain", recursive=True)
    )
    chain = chain.union(
        sa.select(users.c.supervisor_id, chain.c.depth + 1)
        .join(chain, users.c.id == chain.c.id)
        .where(users.c.supervisor_id.is_not(None), chain.c.depth < MAX_DEPTH)
    )
    return set(db.session.scalars(sa.select(chain.c.id).distinct()))


def subordinates_cte(supervisor_id: int) -> sa.CTE:
    """A CTE of (id, depth) of everyone below a supervisor, direct reports at depth 1."""
    users = User.__table__
    # Unverified (self-registered) accounts are in no team and lead none.
    verified = users.c.identity_verified_at.is_not(None)
    boss = users.alias("boss")
    boss_verified = sa.exists().where(boss.c.id == supervisor_id, boss.c.identity_verified_at.is_not(None))
    down = (
        sa.select(users.c.id.label("id"), sa.literal(1).label("depth"))
        .where(users.c.supervisor_id == supervisor_id, verified, boss_verified)
        .cte("subordinates", recursive=True)
    )
    return down.union(
        sa.select(users.c.id, down.c.depth + 1)
        .join(down, users.c.supervisor_id == down.c.id)
        .where(down.c.depth < MAX_DEPTH, verified)
    )


def is_supervisor_of(actor: User, person: User) -> bool:
    """Whether the actor is above the person in the supervisor chain, in the same agency; an
    unverified account supervises nobody (its NIP may not be its own)."""
    if not actor.is_verified or not person.is_verified:
        return False
    if person.supervisor_id is None or actor.agency_id is None or actor.agency_id != person.agency_id:
        return False
    if person.supervisor_id == actor.id:
        return True
    return actor.id in supervisor_chain_ids(person.id)


def can_view_profile(actor: User, person: User) -> bool:
    """The privacy rule of career profiles (see the module docstring)."""
    if not (actor and actor.is_authenticated):
        return False
    if actor.id == person.id or actor.is_admin:
        return True
    if person.agency_id is not None and can_manage_hr(actor, person.agency_id):
        return True
    return is_supervisor_of(actor, person)
