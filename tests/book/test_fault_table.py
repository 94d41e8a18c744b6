"""The fault table (the docstring of test_build_faults.py) cannot rot: every test it names exists, in the module it
names. Read from the source (the module is not imported), so this check is fast."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
TABLE = TESTS / "book" / "test_build_faults.py"
ENTRY = re.compile(r"(?P<module>test_\w+\.py)?(?:::(?P<test>test_\w+))?")


def _named_tests() -> list[tuple[str, str | None]]:
    """(module, test) for each entry of the table's last column; test is None for a whole module. In a cell,
    `::test` alone is in the module named before it."""
    doc = ast.get_docstring(ast.parse(TABLE.read_text(encoding="utf-8")))
    rows = [line for line in doc.splitlines() if line.startswith("| ") and not line.startswith("| fault |")]
    assert len(rows) > 40, "the table is where it was"
    named = []
    for row in rows:
        cell = row.strip(" |").split(" | ")[-1]
        module = None
        for entry in re.split(r"[,;] ", cell):
            match = ENTRY.fullmatch(entry)
            assert match and entry, f"{entry!r} in the row {row[:60]!r}... is not `module.py::test` or `::test`"
            module = match["module"] or module
            assert module, f"{entry!r} in the row {row[:60]!r}... names no module"
            named.append((module, match["test"]))
    return named


def _modules() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in TESTS.rglob("test_*.py"):
        found.setdefault(path.name, []).append(path)
    return found


def _tests_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_the_fault_table_names_exists():
    modules = _modules()
    missing = []
    for module, test in _named_tests():
        paths = modules.get(module, [])
        if len(paths) != 1:
            missing.append(f"{module}: {len(paths)} modules of that name under tests/, not one")
        elif test and test not in _tests_of(paths[0]):
            missing.append(f"{paths[0].relative_to(TESTS.parent)}::{test}")
    assert not missing, f"the fault table of tests/book/test_build_faults.py names tests that do not exist: {missing}"
