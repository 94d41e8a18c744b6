"""`make variants` with a faulty row of data/coding/analysis_variants.csv, in a copy of the repository (slow: runs
the variants): a value with `../` and a failing variant are each one sentence naming the variant, the cell and the
row to fix, and leave no running files. (The fault table: test_build_faults.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures import edit_table

pytestmark = pytest.mark.slow


def test_a_failing_variant_is_named_with_its_cell_and_leaves_no_running_files(repo_copy):
    def variants_run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kzopinion.book.variants"],
            cwd=repo_copy,
            capture_output=True,
            text=True,
            timeout=900,
        )

    row = "04-foreign-policy,SHARE_COLUMN,second_answer,false,"
    table = edit_table(repo_copy, "analysis_variants", row, "04-foreign-policy,SHARE_COLUMN,../../escape,false,")
    result = variants_run()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert (
        "data/coding/analysis_variants.csv (notebook 04-foreign-policy, parameter SHARE_COLUMN, value "
        "'../../escape'): a value is a plain name" in result.stderr
    )
    edit_table(repo_copy, "analysis_variants", "../../escape", "no_such_column")
    for other in ("02-russia-correlation,", "04-foreign-policy,CLASSIFICATION"):  # keep the run short
        lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
        table.write_text(
            "".join(line for line in lines if not (line.startswith(other) and ",false," in line)), encoding="utf-8"
        )
    from kzopinion import data

    data.rehash(["analysis_variants"], repo_copy)
    result = variants_run()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip().splitlines()
    assert len(message) == 1, "one sentence"
    assert "variant 04-foreign-policy SHARE_COLUMN=" in message[0] and "failed (partial output in" in message[0]
    assert "of notebooks/04-foreign-policy.md) raised" in message[0]
    assert (
        "The error names the value 'no_such_column' of the row (04-foreign-policy, SHARE_COLUMN, no_such_column) "
        "of data/coding/analysis_variants.csv: fix that row." in message[0]
    )
    assert not list(repo_copy.rglob("*.running*")) and not list(repo_copy.rglob("*.partial"))
    assert not list((repo_copy / "notebooks").glob("*.ipynb.*")) and not (repo_copy / "escape.ipynb").exists()
