"""The rooms' import contracts (import-linter, run by `make lint`) hold, and fail when a room imports one above it
(slow: runs import-linter on a copy of the package)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _copy_package(root: Path, target: Path) -> Path:
    shutil.copytree(root / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(root / "pyproject.toml", target / "pyproject.toml")
    return target


def _lint_imports(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(folder / "src"), "PATH": "/usr/bin:/bin"},
    )


def test_the_room_contracts_hold(root, tmp_path):
    done = _lint_imports(_copy_package(root, tmp_path))
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize(
    "module, line",
    [
        ("chapters/preferences.py", "from kzopinion.book import notebooks"),  # a chapter importing the book machinery
        ("analysis/survey.py", "from kzopinion.paper import ledger"),  # the analysis importing the paper room
        ("analysis/charts.py", "from kzopinion.book import build"),  # ... or the book room
        ("paper/glue.py", "from kzopinion.analysis import survey"),  # the paper importing the analysis beside it
        ("data/schema.py", "from kzopinion.chapters import preferences"),  # the data room importing a chapter
        ("formatting.py", "from kzopinion import data"),  # the ground floor importing a room
    ],
)
def test_an_import_against_the_rooms_breaks_the_contract(root, tmp_path, module, line):
    folder = _copy_package(root, tmp_path)
    path = folder / "src" / "kzopinion" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    done = _lint_imports(folder)
    assert done.returncode != 0 and "BROKEN" in done.stdout, done.stdout[-2000:]
