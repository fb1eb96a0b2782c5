"""The import layering of the package, read from each module's source with ``ast``:

    errors <- ir <- ops <- {autodiff, rewrite, backends, parse, printing} <- api <- interop

Siblings in the middle layer do not import each other; only the package root imports interop.
Imports inside functions (lazy ones) count as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symdiff"

MIDDLE = {"autodiff", "rewrite", "backends", "parse", "printing"}
# component -> the components it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "ir": {"errors"},
    "ops": {"ir", "errors"},
    **{m: {"ir", "errors", "ops"} for m in MIDDLE},
    "api": {"ir", "errors", "ops", *MIDDLE},
    "interop": {"ir", "errors", "ops", *MIDDLE, "api"},
    "__init__": {"ir", "errors", "ops", *MIDDLE, "api", "interop"},
    "__main__": {"ir", "errors", "ops", *MIDDLE, "api", "interop", "__init__"},
}


def _module_name(path: Path) -> list[str]:
    return list(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _component(parts: list[str]) -> str:
    """symdiff.ops.base -> 'ops'; symdiff (the package itself) -> '__init__'."""
    if len(parts) == 1 or parts[1] == "__init__":
        return "__init__"
    return parts[1]


def symdiff_imports(path: Path) -> list[tuple[int, list[str]]]:
    """(line, imported module as a parts list) for every import of symdiff in ``path``."""
    here = _module_name(path)
    package = here[:-1]  # the package a relative import starts from (also for __init__)
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "symdiff":
                    found.append((node.lineno, parts))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target[0] != "symdiff":
                continue
            if node.module is None or len(target) == 1:  # from . import x: x is a module
                for alias in node.names:
                    found.append((node.lineno, target + [alias.name]))
            else:
                found.append((node.lineno, target))
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_resolver_reads_relative_imports():
    imports = symdiff_imports(PACKAGE / "ops" / "elementwise.py")
    assert any(parts == ["symdiff", "ir"] for _, parts in imports)
    assert any(parts == ["symdiff", "ops", "base"] for _, parts in imports)
    imports = symdiff_imports(PACKAGE / "__init__.py")
    assert any(parts[:2] == ["symdiff", "ops"] for _, parts in imports)
    assert any(parts[:2] == ["symdiff", "interop"] for _, parts in imports)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_respects_layering(path: Path):
    here = _component(_module_name(path))
    assert here in ALLOWED, (
        f"{path.relative_to(PACKAGE)} belongs to no layer; add its component to ALLOWED in "
        "tests/test_layering.py (and to the design's layer list)"
    )
    for line, parts in symdiff_imports(path):
        there = _component(parts)
        if there == here:
            continue
        assert there in ALLOWED[here], (
            f"{path.relative_to(PACKAGE)}:{line} imports {'.'.join(parts)}: the {here!r} layer may "
            f"import only {sorted(ALLOWED[here])}"
        )


def test_errors_and_ir_are_the_bottom():
    """ir imports nothing of symdiff but errors (checked above); and errors imports nothing."""
    assert symdiff_imports(PACKAGE / "errors.py") == []
    assert {".".join(p) for _, p in symdiff_imports(PACKAGE / "ir.py")} == {"symdiff.errors"}
