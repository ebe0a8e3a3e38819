"""The dependency map of `lms/`, checked from the source (ast, nothing is imported).

- Features are layered; an import may only point down (or into the core). Siblings in one layer
  do not import each other. `lms/__init__.py` builds the app and may import anything.
- Inside one feature, the modules import each other without a cycle (module-level imports).
- No imports inside functions, except the few listed in FUNCTION_IMPORTS with their reason.

Run `python -m tests.test_architecture` to print every cross-feature import.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parent.parent / "lms"

# Lowest first. A feature may import features of lower layers only.
LAYERS: list[set[str]] = [
    {"core", "extensions", "content"},
    {"jobs"},  # the job queue: below every feature, which declares its jobs with it
    {"accounts"},
    {"competencies"},
    {"courses"},
    {"quizzes", "webinars"},
    {"offline"},  # the installable app, course downloads, the sync: on courses and quizzes
    {"certificates"},
    {"evaluations"},  # reaction surveys and follow-ups after a course or webinar (Kirkpatrick 1, 3)
    {"careers"},
    {"notifications"},  # in-app and mail notices: listens to the features below
    {"reports"},
    {"home"},
    {"api", "backup"},  # backup: where courses keep uploads and certificates keep their keys
]
ROOT = "__root__"  # lms/__init__.py: the composition root (create_app)

# Arrows that break the rule but are tolerated for now, each with its reason. Delete an entry as
# soon as its arrow is gone; the test fails on a stale entry.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

# Imports inside functions that are kept on purpose: (module, imported module) -> reason.
FUNCTION_IMPORTS: dict[tuple[str, str], str] = {
    ("lms", "bench.generate_agency"): (
        "the benchmark data generator is not part of the package: only a source checkout has "
        "bench/, and only development and test configurations offer its command"
    ),
}


# ---------------------------------------------------------------- reading the source


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports, e.g. "lms.webinars.views"
    target: str  # dotted module imported, e.g. "lms.webinars.services"
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(LMS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _known_modules() -> set[str]:
    return {module_name(p) for p in LMS.rglob("*.py")}


def _resolve(base: str, name: str | None, known: set[str]) -> list[str]:
    """`from base import name`: the submodule when it is one, else the package itself."""
    if name and f"{base}.{name}" in known:
        return [f"{base}.{name}"]
    return [base]


def imports_of(path: Path, known: set[str], text: str | None = None) -> list[Import]:
    source = module_name(path)
    package = source if is_package(path) else source.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text, filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "lms" or alias.name.startswith("lms.") or inner:
                        found.append(Import(source, alias.name, child.lineno, inner))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = package.split(".")
                    if child.level > 1:
                        base_parts = base_parts[: -(child.level - 1)]
                    base = ".".join(base_parts + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                if base == "lms" or base.startswith("lms."):
                    for alias in child.names:
                        for target in _resolve(base, alias.name, known):
                            found.append(Import(source, target, child.lineno, inner))
                elif inner and base != "__future__":
                    found.append(Import(source, base, child.lineno, inner))
            visit(child, inner)

    visit(tree, False)
    return found


def all_imports() -> list[Import]:
    known = _known_modules()
    return [imp for path in sorted(LMS.rglob("*.py")) for imp in imports_of(path, known)]


# ---------------------------------------------------------------- the rules


def feature_of(module: str) -> str | None:
    """lms.webinars.views -> "webinars"; lms.extensions -> "extensions"; lms -> ROOT; None outside."""
    parts = module.split(".")
    if parts[0] != "lms":
        return None
    return parts[1] if len(parts) > 1 else ROOT


def layer_of(feature: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if feature in layer:
            return index
    return None


def feature_arrows(imports: list[Import]) -> dict[tuple[str, str], list[Import]]:
    """(importing feature, imported feature) -> the imports that make the arrow."""
    arrows: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports:
        a, b = feature_of(imp.source), feature_of(imp.target)
        if a is None or b is None or a == b:
            continue
        arrows[(a, b)].append(imp)
    return dict(arrows)


def unknown_features(features: set[str]) -> set[str]:
    return {f for f in features if f != ROOT and layer_of(f) is None}


def forbidden_arrows(arrows) -> set[tuple[str, str]]:
    """Arrows that point up the layers or sideways between siblings (the root may import anything)."""
    bad = set()
    for a, b in arrows:
        if a == ROOT:
            continue
        if b == ROOT:
            bad.add((a, b))  # nothing imports the composition root
            continue
        la, lb = layer_of(a), layer_of(b)
        if la is None or lb is None:
            continue  # reported as unknown features
        if lb > la or (lb == la and la != 0):
            bad.add((a, b))
    return bad


def module_cycles(imports: list[Import]) -> list[list[str]]:
    """Cycles between the modules of one feature, through module-level imports.

    A package's `__init__` is the assembly point of the blueprint pattern (it defines `bp` and
    imports its views at the bottom so that they register), so edges out of an `__init__` module
    into its own package do not count; everything else does."""
    known = _known_modules()
    packages = {module_name(p) for p in LMS.rglob("__init__.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        if imp.in_function or imp.source == imp.target:
            continue
        if feature_of(imp.source) != feature_of(imp.target) or imp.source == "lms":
            continue
        if imp.source in packages and imp.target.startswith(imp.source + "."):
            continue
        if imp.target in known:
            graph[imp.source].add(imp.target)
    return find_cycles(graph)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return components


def function_imports(imports: list[Import]) -> list[Import]:
    return [imp for imp in imports if imp.in_function]


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def imports():
    return all_imports()


def test_every_feature_has_a_place_in_the_layers(imports):
    features = {feature_of(imp.source) for imp in imports} | {
        feature_of(module_name(p)) for p in LMS.rglob("*.py")
    }
    assert unknown_features(features - {None}) == set(), "add the new feature to LAYERS"


def test_no_import_points_up_or_sideways(imports):
    arrows = feature_arrows(imports)
    bad = forbidden_arrows(arrows)
    unexpected = {
        arrow: [f"{i.source}:{i.line} -> {i.target}" for i in arrows[arrow]]
        for arrow in sorted(bad - KNOWN_VIOLATIONS)
    }
    assert unexpected == {}
    assert bad >= KNOWN_VIOLATIONS, f"fixed, remove from KNOWN_VIOLATIONS: {KNOWN_VIOLATIONS - bad}"


def test_no_import_cycle_inside_a_feature(imports):
    assert module_cycles(imports) == []


def test_no_imports_inside_functions_but_the_listed_ones(imports):
    found = {(i.source, i.target): f"{i.source}:{i.line}" for i in function_imports(imports)}
    assert sorted(set(found) - set(FUNCTION_IMPORTS)) == []
    assert set(FUNCTION_IMPORTS) <= set(found), "an allowed import is gone: remove it from the list"


# ---------------------------------------------------------------- the checker catches what it should


def _imp(source: str, target: str, *, in_function: bool = False) -> Import:
    return Import(source, target, 1, in_function)


def test_the_checker_refuses_courses_importing_careers():
    arrows = feature_arrows([_imp("lms.courses.services", "lms.careers.models")])
    assert forbidden_arrows(arrows) == {("courses", "careers")}


def test_the_checker_refuses_siblings_and_accepts_downward_arrows():
    arrows = feature_arrows(
        [
            _imp("lms.webinars.services", "lms.quizzes.models"),
            _imp("lms.certificates.handlers", "lms.webinars.signals"),
            _imp("lms.careers.awards", "lms.certificates.models"),
            _imp("lms.courses.models", "lms.extensions"),
            _imp("lms", "lms.api"),
        ]
    )
    assert forbidden_arrows(arrows) == {("webinars", "quizzes")}


def test_the_checker_finds_a_cycle_inside_a_feature():
    graph = {
        "lms.webinars.services": {"lms.webinars.attendance"},
        "lms.webinars.attendance": {"lms.webinars.services", "lms.webinars.models"},
    }
    assert find_cycles(graph) == [["lms.webinars.attendance", "lms.webinars.services"]]


def test_the_checker_sees_function_level_and_relative_imports():
    known = {"lms", "lms.webinars", "lms.webinars.services", "lms.webinars.attendance", "lms.accounts"}
    source = "from . import services\n\ndef f():\n    from ..accounts import models\n"
    found = imports_of(LMS / "webinars" / "attendance.py", known, text=source)
    assert {(i.target, i.in_function) for i in found} == {
        ("lms.webinars.services", False),
        ("lms.accounts", True),
    }


def test_an_unknown_feature_must_be_placed():
    assert unknown_features({"courses", "billing", ROOT}) == {"billing"}


if __name__ == "__main__":
    found = all_imports()
    for (a, b), items in sorted(feature_arrows(found).items()):
        where = ", ".join(sorted({i.source.removeprefix("lms.") for i in items}))
        flag = " UP" if (a, b) in forbidden_arrows({(a, b): items}) else ""
        print(f"{a:>13} -> {b:<13}{flag}  ({where})")
    for cycle in module_cycles(found):
        print("cycle:", " <-> ".join(cycle))
    for imp in function_imports(found):
        print(f"function-level: {imp.source}:{imp.line} -> {imp.target}")
