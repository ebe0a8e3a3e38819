"""The competency catalogue sits below courses and HR reports above careers: these arrows must not
point the other way (imports inside functions count too)."""

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parent.parent / "lms"


def features_imported_by(feature: str) -> dict[str, set[str]]:
    """Feature -> the files of `feature` that import it."""
    found: dict[str, set[str]] = {}
    for path in (LMS / feature).rglob("*.py"):
        package = ["lms", *path.relative_to(LMS).with_suffix("").parts]
        if path.name != "__init__.py":
            package = package[:-1]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                names = [*base, *(node.module or "").split(".")] if node.module else base
                targets = [names] if node.module else [[*base, alias.name] for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name.split(".") for alias in node.names]
            else:
                continue
            for parts in targets:
                if len(parts) > 1 and parts[0] == "lms" and parts[1] != feature:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(LMS)))
    return found


@pytest.mark.parametrize(
    ("feature", "forbidden"),
    [
        (
            "competencies",
            {"courses", "quizzes", "webinars", "certificates", "careers", "reports", "api", "offline"},
        ),
        ("courses", {"careers", "reports", "offline"}),
        ("webinars", {"careers", "reports", "offline"}),
        ("quizzes", {"careers", "reports", "offline"}),
        ("certificates", {"careers", "reports", "offline"}),
        ("careers", {"reports", "offline"}),
        # Offline learning sits on courses and quizzes; the API sits on top of it.
        ("offline", {"api", "careers", "reports", "certificates", "webinars"}),
    ],
)
def test_no_arrow_points_up(feature, forbidden):
    imported = features_imported_by(feature)
    assert {name: files for name, files in imported.items() if name in forbidden} == {}


def test_the_check_sees_imports():
    assert "competencies" in features_imported_by("courses")
    assert "careers" in features_imported_by("reports")
