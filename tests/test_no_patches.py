"""The package changes no other library: nothing put into ``sys.modules``, no function of another package or
of the standard library replaced, no audit hook. The rule is read from the source of every module of
``src/kzopinion`` (its syntax tree), so a patch added anywhere fails ``make check``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "kzopinion"
MODULES = sorted(SOURCE.rglob("*.py"))


def _imported_modules(tree: ast.Module) -> set[str]:
    """Names bound to other packages' modules, classes and functions (``import x``, ``import x.y as z``,
    ``from x import y``): an attribute assigned through one of them changes that package."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names if not a.name.startswith("kzopinion")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and not (node.module or "").startswith("kzopinion"):
            names |= {a.asname or a.name for a in node.names if node.module != "__future__"}
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def patches(tree: ast.Module) -> list[str]:
    """Each place the module puts something into sys.modules, replaces another package's attribute, or adds an
    audit hook, as 'line N: what'."""
    modules = _imported_modules(tree)
    found = []
    for node in ast.walk(tree):
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        )
        for target in targets:  # an item of a mapping is data (os.environ[...]), but not of sys.modules
            item = isinstance(target, ast.Subscript)
            if (
                item
                and ast.unparse(target.value) == "sys.modules"
                or (isinstance(target, ast.Attribute) and _root_name(target) in modules)
            ):
                found.append(f"line {node.lineno}: assigns {ast.unparse(target)}")
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if called in ("sys.addaudithook", "sys.modules.setdefault", "sys.modules.update", "sys.modules.pop"):
                found.append(f"line {node.lineno}: calls {called}")
            if called == "setattr" and node.args and _root_name(node.args[0]) in modules:
                found.append(f"line {node.lineno}: setattr on {ast.unparse(node.args[0])}")
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_patches_another_library(module):
    found = patches(ast.parse(module.read_text(encoding="utf-8")))
    assert not found, f"{module.relative_to(SOURCE.parents[1])} changes another library: {found}"


@pytest.mark.parametrize(
    "source",
    [
        "import sys\nsys.modules['jupyter_cache'] = object()",
        "import sys\nsys.modules.setdefault('x', None)",
        "import importlib.metadata\nimportlib.metadata.entry_points = lambda **k: ()",
        "import sys\nsys.addaudithook(print)",
        "import os\nsetattr(os, 'getcwd', lambda: '/')",
        "from importlib import metadata\nmetadata.entry_points = lambda **k: ()",
        "from jupyter_book import sphinx as jb\njb.build_sphinx = None",
        "from pathlib import Path\nPath.read_text = None",
    ],
)
def test_the_rule_finds_each_kind_of_patch(source):
    assert patches(ast.parse(source)), source


def test_the_packages_own_modules_and_data_are_not_patches():
    """Assigning to the package's own objects, or to items of a mapping (os.environ), is not a patch."""
    source = "from __future__ import annotations\nimport os\nfrom kzopinion import paths\n"
    source += "paths.X = 1\nos.environ['A'] = 'b'\n"
    assert patches(ast.parse(source)) == []
