"""Every ``>>>`` example in the package's docstrings runs and prints what it shows.

Each example is run as a reader copying it would: with ``sd`` (``import symdiff as sd``) and
``np`` (``import numpy as np``) and nothing else, so an example defines the names it uses. One
case per module, so a failure names the module, the docstring and the example.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import numpy as np
import pytest

import symdiff as sd

# modules whose examples are not checked yet, and why; each is skipped with its reason
NOT_YET_CHECKED: dict[str, str] = {}

# docstrings (by the name doctest gives them, or a module's name for all of its docstrings)
# whose examples need an optional package: skipped when it is not installed
NEEDS: dict[str, str] = {
    "symdiff.ops.special_scipy": "scipy",
}

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

MODULES = ["symdiff"] + sorted(m.name for m in pkgutil.walk_packages(sd.__path__, "symdiff."))


def _missing(test_name: str) -> str | None:
    """The optional package the docstring ``test_name`` needs and is not installed, if any."""
    for prefix, package in NEEDS.items():
        if (test_name == prefix or test_name.startswith(prefix + ".")) \
                and importlib.util.find_spec(package) is None:
            return package
    return None


def _doctests(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    # only the module's own functions and classes: a name it imports is tested where it is defined
    return [t for t in finder.find(module, name, globs={}) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    if name in NOT_YET_CHECKED:
        pytest.skip(NOT_YET_CHECKED[name])
    tests = _doctests(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    skipped = []
    for t in tests:
        package = _missing(t.name)
        if package is not None:
            skipped.append(f"{t.name} (needs {package})")
            continue
        t.globs = {"sd": sd, "np": np}
        runner.run(t, out=report.append, clear_globs=True)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)
    if skipped and results.attempted == 0:
        pytest.skip("optional packages missing: " + ", ".join(skipped))


def test_examples_are_found():
    """The walk finds the package's modules, and the examples of those checked."""
    assert "symdiff.api" in MODULES and "symdiff.ops.layout" in MODULES
    total = sum(len(t.examples) for name in MODULES if name not in NOT_YET_CHECKED
                for t in _doctests(name))
    assert total > 100
