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
