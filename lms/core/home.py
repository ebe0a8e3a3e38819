"""Panels of the home page, contributed by features.

Older packages must not import newer ones, so each feature registers its own panel:
`register_home_panel(fn)` where fn(user) returns (template, context) or None.
"""

from __future__ import annotations

from collections.abc import Callable

Panel = tuple[str, dict]
_providers: list[tuple[int, Callable]] = []


def register_home_panel(provider: Callable, order: int = 50) -> None:
    if all(existing is not provider for _, existing in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def home_panels(user) -> list[Panel]:
    panels = []
    for _, provider in _providers:
        panel = provider(user)
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
