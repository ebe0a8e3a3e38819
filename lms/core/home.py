"""Panels of the home page, contributed by features.

Older packages must not import newer ones, so each feature registers its own panel:
`register_home_panel(fn)` where fn(user) returns (template, context) or None.

A panel that only needs a short list registers its query with it:
`register_home_panel(fn, reads=query, params=params)`, where query() builds a `sa.Select` once,
with bind parameters (name them after the feature: the panels share one statement), params(user)
gives their values, and fn(user, rows) gets its rows as dicts (see `core.together`). The home
page reads the lists of every such panel in one statement, instead of one statement per panel.
"""

from __future__ import annotations

from collections.abc import Callable

from .together import read_together

Panel = tuple[str, dict]
_providers: list[tuple[int, Callable, Callable | None, Callable | None]] = []


def register_home_panel(
    provider: Callable, order: int = 50, *, reads: Callable | None = None, params: Callable | None = None
) -> None:
    if all(existing is not provider for _, existing, _reads, _params in _providers):
        _providers.append((order, provider, reads, params))
        _providers.sort(key=lambda item: item[0])


def home_panels(user) -> list[Panel]:
    queries, values = {}, {}
    for index, (_, _provider, reads, params) in enumerate(_providers):
        if reads is not None:
            queries[f"panel_{index}"] = reads
            values.update(params(user) if params is not None else {})
    rows = read_together(queries, values)
    panels = []
    for index, (_, provider, reads, _params) in enumerate(_providers):
        panel = provider(user) if reads is None else provider(user, rows[f"panel_{index}"])
        if panel is not None:
            panels.append(panel)
    return panels


# Panels of other pages, by slot ("course": the course page, "course_manage": the trainer's outline).
# provider(**context) returns (template, context) or None; templates call panels(slot, ...).
_slot_providers: dict[str, list[tuple[int, Callable]]] = {}


def register_panel(slot: str, provider: Callable, order: int = 50) -> None:
    providers = _slot_providers.setdefault(slot, [])
    if all(existing is not provider for _, existing in providers):
        providers.append((order, provider))
        providers.sort(key=lambda item: item[0])


def panels(slot: str, **context) -> list[Panel]:
    found = []
    for _, provider in _slot_providers.get(slot, []):
        panel = provider(**context)
        if panel is not None:
            found.append(panel)
    return found
