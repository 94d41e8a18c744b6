"""`make book` stops loudly on bad data, before executing anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fixtures import edit


def _build(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzopinion.build", *args], cwd=repo,
                          capture_output=True, text=True, timeout=600)


def test_changed_value_stops_the_build_naming_the_file(repo_copy):
    edit(repo_copy / "data/external/gallup_leadership_approval.csv", "2014,United States,9,52", "2014,United States,10,52")
    result = _build(repo_copy, "--no-html")
    assert result.returncode == 1
    assert "BUILD FAILED" in result.stderr
    assert "data/external/gallup_leadership_approval.csv changed" in result.stderr
    assert "rehash gallup_leadership_approval" in result.stderr
    assert "notebooks to execute" not in result.stdout  # stopped before executing anything


def test_out_of_range_value_stops_the_build_naming_row_and_column(repo_copy):
    edit(repo_copy / "data/external/gallup_leadership_approval.csv", "2014,United States,9,52", "2014,United States,140,52")
    subprocess.run([sys.executable, "-m", "kzopinion.data", "rehash", "gallup_leadership_approval"],
                   cwd=repo_copy, check=True, capture_output=True)
    result = _build(repo_copy, "--no-html")
    assert result.returncode == 1
    assert "data/external/gallup_leadership_approval.csv, row 7 (line 8), column 'approve'" in result.stderr
    assert "above the maximum 100" in result.stderr
