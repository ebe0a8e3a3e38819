"""The bounded YAML loader every bundle file goes through."""

import pytest

from lms.core import safe_yaml
from tests.hostile import corpus


def test_plain_documents_load_with_their_lines():
    data, lines = safe_yaml.load_with_lines("a: 1\nb:\n  - x\n  - y: 2\n")
    assert data == {"a": 1, "b": ["x", {"y": 2}]}
    assert lines[("a",)] == 1 and lines[("b", 1, "y")] == 4


def test_a_few_aliases_are_fine():
    data, _ = safe_yaml.load_with_lines("base: &b {x: 1}\none: *b\ntwo: *b\n")
    assert data["one"] == data["two"] == {"x": 1}


def test_alias_bomb_is_refused_quickly():
    with pytest.raises(safe_yaml.YAMLLimitExceeded) as info:
        safe_yaml.load_with_lines(corpus.alias_bomb())
    assert "alias" in str(info.value)


def test_a_small_alias_bomb_is_refused_too():
    # 4 levels of 9: 27 aliases, 6,561 expanded nodes from a few hundred bytes.
    with pytest.raises(safe_yaml.YAMLLimitExceeded):
        safe_yaml.load_with_lines(corpus.alias_bomb(levels=4))


def test_few_aliases_of_a_big_anchor_are_refused():
    big = "[" + ", ".join("x" for _ in range(5_000)) + "]"
    text = f"a: &a {big}\n" + "".join(f"b{i}: *a\n" for i in range(10))
    with pytest.raises(safe_yaml.YAMLLimitExceeded) as info:
        safe_yaml.load_with_lines(text)
    assert "alias" in str(info.value)


def test_recursive_alias_is_refused():
    with pytest.raises(safe_yaml.YAMLLimitExceeded):
        safe_yaml.load_with_lines(corpus.recursive_yaml())


def test_deep_nesting_is_refused():
    with pytest.raises(safe_yaml.YAMLLimitExceeded) as info:
        safe_yaml.load_with_lines(corpus.deep_yaml())
    assert "bersarang" in str(info.value)


def test_duplicate_keys_are_refused():
    with pytest.raises(safe_yaml.YAMLError):
        safe_yaml.load_with_lines("a: 1\na: 2\n")


def test_too_many_nodes_are_refused():
    text = "".join(f"- {i}\n" for i in range(safe_yaml.MAX_NODES + 1))
    with pytest.raises(safe_yaml.YAMLLimitExceeded):
        safe_yaml.load_with_lines(text)


def test_python_tags_are_refused():
    with pytest.raises(safe_yaml.YAMLError):
        safe_yaml.load_with_lines("!!python/object/apply:os.system ['true']\n")
