"""The shared kernel (lms/core) sits under every feature: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import lms

LMS = Path(lms.__file__).parent
FEATURES = {
    p.name for p in LMS.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name not in {"core"}
}


def imported_packages(path: Path) -> set[str]:
    """The lms sub-packages a module of lms/core imports (absolute or relative)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("lms."):
                found.add(node.module.split(".")[1])
            elif node.level == 2 and node.module:  # from ..x import y, from lms/core
                found.add(node.module.split(".")[0])
            elif node.level == 2:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("lms."))
    return found


def test_core_imports_no_feature():
    assert {"accounts", "courses", "webinars"} <= FEATURES
    offenders = {
        str(path.relative_to(LMS)): sorted(imported_packages(path) & FEATURES)
        for path in sorted((LMS / "core").rglob("*.py"))
        if imported_packages(path) & FEATURES
    }
    assert offenders == {}
