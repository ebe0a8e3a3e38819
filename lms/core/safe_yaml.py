"""YAML written by users (course bundles, quiz settings), read with explicit limits.

`yaml.safe_load` refuses Python tags but not size: nine lines of nine aliases each describe 387
million nodes. PyYAML shares aliased objects, so the load itself is cheap; anything that then walks
the document (our line-number map, validation, `json.dumps`) follows every alias and takes the
server down. So the document is composed into nodes first, counted, and constructed only when it
is small: at most MAX_ALIASES aliases, MAX_NODES nodes with every alias expanded, MAX_DEPTH levels
of nesting, MAX_CHARS characters; no recursive alias; no key written twice in a mapping.
"""

from __future__ import annotations

from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

MAX_CHARS = 1_000_000
MAX_ALIASES = 20
MAX_NODES = 20_000
MAX_DEPTH = 40

YAMLError = yaml.YAMLError


class YAMLLimitExceeded(yaml.MarkedYAMLError):
    """The document is over one of the limits; `problem` says which, in the user's language."""

    def __init__(self, problem, mark=None):
        super().__init__(problem=str(problem), problem_mark=mark)


def _too_many_aliases():
    return _l(
        "Dokumen YAML memakai terlalu banyak alias (*nama) atau alias yang berlipat ganda; "
        "tuliskan nilainya secara langsung."
    )


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts while composing and refuses duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YAMLLimitExceeded(_too_many_aliases(), event.start_mark)
            return super().compose_node(parent, index)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YAMLLimitExceeded(
                _l("Dokumen YAML terlalu besar (lebih dari %(n)d nilai).", n=MAX_NODES), event.start_mark
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YAMLLimitExceeded(
                _l("Dokumen YAML terlalu dalam bersarang (lebih dari %(n)d tingkat).", n=MAX_DEPTH),
                event.start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, str(_l("kunci '%(key)s' ditulis dua kali", key=key)), key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases, expanded, exceed MAX_NODES, or that refers to itself."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YAMLLimitExceeded(
                _l("Dokumen YAML memuat alias yang merujuk ke dirinya sendiri."), node.start_mark
            )
        active.add(key)
        total = 1 + sum(size(child) for child in _children(node))
        active.discard(key)
        if total > MAX_NODES:
            raise YAMLLimitExceeded(_too_many_aliases(), node.start_mark)
        sizes[key] = total
        return total

    size(root)  # recursion depth is bounded by MAX_DEPTH, checked while composing


def _lines(root: yaml.Node | None, line_offset: int) -> dict[tuple, int]:
    """{path of keys and indexes: line} of every node, each node visited once (aliases are not
    followed again: their path points at the anchor's line)."""
    lines: dict[tuple, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        lines[path] = node.start_mark.line + 1 + line_offset
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, (*path, key.value)) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return lines


def load_with_lines(text: str, *, line_offset: int = 0) -> tuple[Any, dict[tuple, int]]:
    """(data, {path: line}) of one YAML document; YAMLError (YAMLLimitExceeded when over a limit)."""
    if len(text) > MAX_CHARS:
        raise YAMLLimitExceeded(_l("Dokumen YAML melebihi %(n)d karakter.", n=MAX_CHARS))
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        _check_expanded_size(root)
        data = loader.construct_document(root)
    finally:
        loader.dispose()
    return data, _lines(root, line_offset)


def load(text: str) -> Any:
    """The data of one YAML document, within the limits (see load_with_lines)."""
    return load_with_lines(text)[0]
