"""The section scaffold (kzopinion.book.scaffold) refuses bad names and writes files the lint accepts; that the
scaffolded section builds is in test_scaffold_builds.py (slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kzopinion.book import scaffold


def test_refuses_bad_names_and_taken_prefixes(root):
    with pytest.raises(scaffold.ScaffoldError, match="lowercase words"):
        scaffold.scaffold(root, "Media Use", "Media", "mu")
    with pytest.raises(scaffold.ScaffoldError, match="used already"):
        scaffold.scaffold(root, "trust-in-institutions", "Trust", "fp")
    with pytest.raises(scaffold.ScaffoldError, match="exists already"):
        scaffold.scaffold(root, "foreign-policy", "Again", "mu")


def test_the_scaffolded_files_pass_the_lint_whatever_the_names(root, tmp_path):
    """The longest slug and a long title still give a chapter module and a test that `make lint` accepts."""
    import shutil

    for name in ("_toc.yml", "notebooks", "src/kzopinion/chapters"):
        (shutil.copytree if (root / name).is_dir() else shutil.copy2)(root / name, tmp_path / name)
    slug = "-".join(["integration"] * 5)[: scaffold.MAX_SLUG].rstrip("-")
    title = "A very long title " * 12
    written = scaffold.scaffold(tmp_path, slug, title, "ib")
    python = [str(p) for p in written if p.suffix == ".py"]
    ruff = Path(sys.executable).parent / "ruff"
    for command in ([ruff, "check", "--no-cache", *python], [ruff, "format", "--check", "--no-cache", *python]):
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
