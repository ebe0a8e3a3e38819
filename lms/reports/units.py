"""The unit tree of an agency as the reports walk it, and the page size of their lists."""

from __future__ import annotations

from ..accounts.agencies import unit_tree
from ..accounts.models import Unit

PAGE_SIZE = 50


def subtree_map(tree: list[tuple[Unit, int]]) -> dict[int, list[int]]:
    """Unit id -> ids of the unit and every unit below it."""
    children: dict[int | None, list[int]] = {}
    for unit, _depth in tree:
        children.setdefault(unit.parent_id, []).append(unit.id)
    result: dict[int, list[int]] = {}
    for unit, _depth in reversed(tree):
        result[unit.id] = [unit.id] + [
            d for child in children.get(unit.id, []) for d in result.get(child, [child])
        ]
    return result


def subtree_ids(agency_id: int, unit_id: int) -> list[int] | None:
    tree = unit_tree(agency_id)
    return subtree_map(tree).get(unit_id)
